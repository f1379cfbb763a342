// Finding fingerprints: an identity that survives edits above a finding (no line numbers), used by
// baselines and reported as SARIF partialFingerprints.
//
//   FNV-1a 64 of  rule '\0' path '\0' normalised code '\0' occurrence
//
// where the normalised code is Finding::code without whitespace, except one space where two words
// would otherwise join (so that a formatter reflowing `OpenAI(\n    api_key=k)` onto one line
// does not make a finding new), and the occurrence is the index of the finding among the findings with the same rule,
// path and normalised code, in source order. Printed as 16 lowercase hex digits.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/finding.h"

namespace qg::gate {

std::string normalise_code(std::string_view code);

std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t hash = 0xcbf29ce484222325ull);

std::string fingerprint(std::string_view rule, std::string_view path, std::string_view normalised_code,
                        std::size_t occurrence);

struct FingerprintInput {
  std::string code;            // normalised
  std::size_t occurrence = 0;
};
// Per finding, in the order of `findings`: its normalised code and occurrence index.
std::vector<FingerprintInput> fingerprint_inputs(const std::vector<Finding>& findings);

// Sets Finding::fingerprint on every finding; the occurrence index follows source order whatever
// the order of `findings`.
void assign_fingerprints(std::vector<Finding>& findings);

}  // namespace qg::gate
