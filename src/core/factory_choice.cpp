#include "core/factory_choice.h"

#include "core/catalogue.h"

namespace qg {

FactoryChoice choose_factory(const FactoryConfig& config, ClientKind kind) {
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
  for (const auto& [k, spec] : Catalogue::get().default_factories()) {
    if (k != kind) continue;
    const auto colon = spec.find(':');
    choice.target = FactoryTarget{{spec.substr(0, colon), spec.substr(colon + 1)}, true};
    return choice;
  }
  choice.reason = std::string("no default factory for ") + to_string(kind) + " clients";
  return choice;
}

}  // namespace qg
