// Values the JSON and SARIF reports write the same way.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

namespace qg::report {

// A coverage percentage: null when there is nothing under it (the JSON contract, version 2).
inline nlohmann::ordered_json percent_json(std::optional<double> percent) {
  return percent ? nlohmann::ordered_json(*percent) : nlohmann::ordered_json(nullptr);
}

}  // namespace qg::report
