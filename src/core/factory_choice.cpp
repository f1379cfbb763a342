#include "core/factory_choice.h"

#include "core/catalogue.h"

namespace qg {

FactoryChoice choose_factory(const FactoryConfig& config, ClientKind kind) {
  FactoryChoice choice;
  if (const auto& configured = config.of(kind); !configured.empty()) {
    choice.target = FactoryTarget{configured.front(), config.pass_arguments};
    return choice;
  }
  if (config.names_any()) {
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
