#include "core/language.h"

#include <array>

namespace qg {

namespace {

constexpr std::string_view kPythonExtensions[] = {".py", ".pyi"};
constexpr std::string_view kCppExtensions[] = {".h", ".hh", ".hpp", ".hxx", ".c", ".cc", ".cpp", ".cxx", ".ipp"};

// One row per Language enumerator, in its order.
constexpr std::array kLanguages{
    LanguageInfo{Language::Python, "python", "Python", "#", kPythonExtensions},
    LanguageInfo{Language::Cpp, "cpp", "C++", "//", kCppExtensions},
};
static_assert([] {
  for (std::size_t i = 0; i < kLanguages.size(); ++i)
    if (static_cast<std::size_t>(kLanguages[i].id) != i) return false;
  return true;
}(), "kLanguages rows must follow the Language enum");

}  // namespace

std::span<const LanguageInfo> languages() { return kLanguages; }

const LanguageInfo& info(Language language) { return kLanguages[static_cast<std::size_t>(language)]; }

std::optional<Language> language_named(std::string_view name) {
  for (const auto& l : kLanguages)
    if (l.name == name) return l.id;
  return std::nullopt;
}

std::optional<Language> language_of_file(std::string_view file_name) {
  const std::size_t dot = file_name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || file_name[dot - 1] == '/') return std::nullopt;
  const std::string_view ext = file_name.substr(dot);
  for (const auto& l : kLanguages)
    for (std::string_view e : l.extensions)
      if (ext == e) return l.id;
  return std::nullopt;
}

}  // namespace qg
