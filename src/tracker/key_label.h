// A label that names an API key without revealing it, as OpenAI's dashboard shows keys:
// its kind and its last four characters ("sk-proj-...wxyz"). The key itself is never kept.
#pragma once
#include <cstddef>
#include <string_view>

namespace qg::tracker {

constexpr std::size_t kKeyLabelMax = 32;

// Writes the label of `key` into out and returns it (a view of out); "" for no key.
std::string_view api_key_label(std::string_view key, char (&out)[kKeyLabelMax]);

// The key an Authorization header carries ("Bearer <key>", any case); "" for another scheme.
std::string_view bearer_token(std::string_view authorization);

}  // namespace qg::tracker
