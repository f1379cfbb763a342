#include "core/factory_choice.h"

#include "core/catalogue.h"

namespace qg {

FactoryChoice choose_factory(const FactoryConfig& config, ClientKind kind, bool module_client) {
  FactoryChoice choice;
  if (const auto& configured = config.of(kind); !configured.empty()) {
    choice.target = FactoryTarget{configured.front(), config.pass_arguments};
    return choice;
  }
  if (config.names_any()) {
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
