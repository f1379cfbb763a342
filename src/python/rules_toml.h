// Reading the frontend's data files in rules/python/ (TOML): typed values out of one table,
// naming the file and key in what it throws, so a malformed rules file says where.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace qg::python {

// Reads typed values out of one TOML table, naming the file and key in what it throws.
class RulesReader {
 public:
  RulesReader(const toml::table& t, std::string where) : t_(t), where_(std::move(where)) {}

  std::string string(std::string_view key, bool required = false) const {
    const toml::node* n = t_.get(key);
    if (!n) {
      if (required) fail(key, "is missing");
      return {};
    }
    if (!n->is_string()) fail(key, "must be a string");
    return std::string(n->value_or(std::string_view{}));
  }

  std::vector<std::string> strings(std::string_view key) const {
    std::vector<std::string> out;
    const toml::node* n = t_.get(key);
    if (!n) return out;
    const toml::array* a = n->as_array();
    // toml++ calls an empty array heterogeneous; `[]` is an empty list all the same.
    if (!a || (!a->empty() && !a->is_homogeneous(toml::node_type::string))) fail(key, "must be a list of strings");
    for (const auto& v : *a) out.emplace_back(v.value_or(std::string_view{}));
    return out;
  }

  bool boolean(std::string_view key, bool fallback = false) const {
    const toml::node* n = t_.get(key);
    if (!n) return fallback;
    if (!n->is_boolean()) fail(key, "must be true or false");
    return n->value_or(fallback);
  }

  bool has(std::string_view key) const { return t_.get(key) != nullptr; }

  // A table of strings (`{ llm = "eval_llm" }`); empty when absent.
  std::map<std::string, std::string, std::less<>> string_map(std::string_view key) const {
    std::map<std::string, std::string, std::less<>> out;
    if (!has(key)) return out;
    for (auto&& [k, v] : table(key)) {
      if (!v.is_string()) fail(std::string(key) + "." + std::string(k.str()), "must be a string");
      out.emplace(std::string(k.str()), std::string(v.value_or(std::string_view{})));
    }
    return out;
  }

  // A whole number >= 0; nullopt when absent.
  std::optional<int> whole_number(std::string_view key) const {
    const toml::node* n = t_.get(key);
    if (!n) return std::nullopt;
    if (!n->is_integer() || n->value_or(int64_t{-1}) < 0 || n->value_or(int64_t{0}) > 1000000)
      fail(key, "must be a whole number");
    return static_cast<int>(n->value_or(int64_t{0}));
  }

  const toml::table& table(std::string_view key) const {
    const toml::node* n = t_.get(key);
    if (!n || !n->is_table()) fail(key, "must be a table");
    return *n->as_table();
  }

  [[noreturn]] void fail(std::string_view key, std::string_view what) const {
    throw std::runtime_error(fmt::format("rules/{}: `{}` {}", where_, key, what));
  }

  const std::string& where() const { return where_; }

 private:
  const toml::table& t_;
  std::string where_;
};

inline toml::table parse_rules_toml(std::string_view text, std::string_view file) {
  try {
    return toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    throw std::runtime_error(fmt::format("rules/{}:{}: {}", file, e.source().begin.line, e.description()));
  }
}

}  // namespace qg::python
