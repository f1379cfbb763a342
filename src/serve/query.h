// Query parameters of the API, checked: anything unknown or malformed is a BadParameter, which
// the server answers with 400 and a JSON body naming the parameter and what it accepts.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>

#include "state_source.h"

namespace qg::serve {

struct BadParameter : std::runtime_error {
  BadParameter(std::string name, const std::string& message) : std::runtime_error(message), parameter(std::move(name)) {}
  std::string parameter;
};

using Params = std::multimap<std::string, std::string>;

// Throws BadParameter for a parameter not in `allowed` or given twice.
void check_known(const Params& params, const std::set<std::string>& allowed);

UsageKey usage_key(const Params& params);  // by=workspace|endpoint|family|model (default workspace)
// since= (default: the start of today, UTC) and until= (default: now), as `quotaguard usage` reads them.
int64_t window_start(const Params& params, int64_t now_ms);
int64_t window_end(const Params& params, int64_t now_ms);
// An integer in [lo, hi]; `fallback` when absent.
int64_t int_param(const Params& params, const std::string& name, int64_t lo, int64_t hi, int64_t fallback);

}  // namespace qg::serve
