#include "core/factory_choice.h"

#include "core/catalogue.h"

namespace qg {

FactoryChoice choose_factory(const FactoryConfig& config, ClientKind kind, bool module_client) {
  const std::optional<FactoryFunction>* configured = nullptr;
  switch (kind) {
    case ClientKind::Sync: configured = &config.sync; break;
    case ClientKind::Async: configured = &config.async_; break;
    case ClientKind::Azure: configured = &config.azure; break;
    case ClientKind::AsyncAzure: configured = &config.async_azure; break;
  }
  FactoryChoice choice;
  if (*configured) {
    choice.target = FactoryTarget{**configured, config.pass_arguments};
    return choice;
  }
  if (config.sync || config.async_ || config.azure || config.async_azure) {
    choice.reason = std::string("no factory configured for ") + to_string(kind) + " clients";
    return choice;
  }
  const std::string& shared = Catalogue::get().module_client_factory();
  for (const auto& [k, default_spec] : Catalogue::get().default_factories()) {
    if (k != kind) continue;
    const std::string& spec = module_client && !shared.empty() ? shared : default_spec;
    const auto colon = spec.find(':');
    choice.target = FactoryTarget{{spec.substr(0, colon), spec.substr(colon + 1)}, true};
    return choice;
  }
  choice.reason = std::string("no default factory for ") + to_string(kind) + " clients";
  return choice;
}

}  // namespace qg
