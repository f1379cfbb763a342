#include "core/message.h"

#include <stdexcept>

#include <fmt/args.h>
#include <fmt/format.h>

#include "core/catalogue.h"

namespace qg {

std::string render(const Message& message) {
  const std::string& text = Catalogue::get().message_template(message.id);
  fmt::dynamic_format_arg_store<fmt::format_context> args;
  for (const auto& [name, value] : message.args) args.push_back(fmt::arg(name, value));
  try {
    return fmt::vformat(text, args);
  } catch (const fmt::format_error& e) {
    const MessageKey& key = kMessageKeys[static_cast<std::size_t>(message.id)];
    throw std::logic_error(fmt::format("rules/rules.toml {} message `{}`: {}", to_string(key.rule), key.variant, e.what()));
  }
}

}  // namespace qg
