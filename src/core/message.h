// A finding's message: which wording of rules/rules.toml, and what fills its `{placeholders}`.
// Rendered in one place (render), so every frontend's messages read the same way.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/rule_ids.h"

namespace qg {

struct Message {
  MessageId id;
  std::vector<std::pair<const char*, std::string>> args;  // {"api", "embeddings.create"}
};

// Throws std::logic_error when the template names a placeholder `args` lacks: a frontend bug the
// fixtures catch (every wording is rendered by at least one of them).
std::string render(const Message& message);

}  // namespace qg
