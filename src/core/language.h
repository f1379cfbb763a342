// The languages quotaguard reads, as facts: their names, how their files are recognised and how
// their comments start. What analyses each one is its Frontend (core/frontend.h), listed in
// scan/frontends.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace qg {

enum class Language : std::uint8_t { Python, Cpp };

struct LanguageInfo {
  Language id;
  std::string_view name;          // "python": JSON/SARIF `language`, fixtures/<name>/, rules.toml `languages`
  std::string_view display_name;  // "Python", "C++": in messages
  std::string_view line_comment;  // "#", "//": suppressions (`# quotaguard: ignore`), fixture marks
  std::span<const std::string_view> extensions;  // ".py", ".pyi"
};

// Every language, in enum order.
std::span<const LanguageInfo> languages();
const LanguageInfo& info(Language language);
inline std::string_view to_string(Language language) { return info(language).name; }
// "python" -> Language::Python.
std::optional<Language> language_named(std::string_view name);
// By extension only ("a/b.py" -> Python); cheap enough for every directory entry.
std::optional<Language> language_of_file(std::string_view file_name);

}  // namespace qg
