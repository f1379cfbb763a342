// The facts of one HTTP exchange with the API, as the hot path sees them.
#pragma once
#include <cstdint>
#include <string_view>

#include <quotaguard/tracker.hpp>

namespace qg::tracker {

// The value types of the public interface (quotaguard/tracker.hpp), by their internal names.
using quotaguard::Call;
using quotaguard::kStatusCount;
using quotaguard::parse_status;
using quotaguard::Status;
using quotaguard::status_name;
using enum quotaguard::CallFlags;

// 429 insufficient_quota: matched on the error's type or code (2023 bodies have "code": null).
inline bool is_quota_error(std::string_view type, std::string_view code) {
  return type == "insufficient_quota" || code == "insufficient_quota";
}


}  // namespace qg::tracker
