// Instants as a person types them on the command line, to Unix milliseconds (UTC).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace qg::tracker {

// An absolute instant: "2026-11-01" (midnight UTC), "2026-11-01T12:30", "2026-11-01T12:30:00Z",
// "2026-11-01 12:30:00+02:00", or Unix seconds ("1793491200").
std::optional<int64_t> parse_instant(std::string_view text);

// The start of a --since window relative to now: "today", "yesterday", "30m", "24h", "7d",
// "2w", or any absolute instant. Returns nullopt for anything else.
std::optional<int64_t> parse_since(std::string_view text, int64_t now_ms);

// What parse_since accepts, for error messages.
inline constexpr const char* kSinceForms =
    "today, yesterday, a duration (30m, 24h, 7d, 2w), a date (2026-11-01), a UTC time "
    "(2026-11-01T12:00:00Z, or with an offset +02:00) or Unix seconds";

}  // namespace qg::tracker
