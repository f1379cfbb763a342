// What a name means in one translation unit: `using namespace`, using-declarations, type
// aliases and typedefs, namespace aliases, and local classes that shadow a library type's name.
// Filled in document order by the analyzer's walk (C++ declares before use).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cpp/library_model.h"

namespace qg::cpp {

class UnitNames {
 public:
  explicit UnitNames(const LibraryModel& model) : model_(model) {}

  void add_using_namespace(std::string_view ns) { using_namespaces_.push_back(expand(normalize_name(ns))); }
  void add_using_declaration(std::string_view qualified);
  // `using A = T;` / `typedef T A;` with T already resolved ("" when T is no library name:
  // then A shadows any library name A).
  void add_alias(std::string_view name, std::string resolved) { aliases_[std::string(name)] = std::move(resolved); }
  void add_namespace_alias(std::string_view alias, std::string_view target) {
    namespace_aliases_[std::string(alias)] = expand(normalize_name(target));
  }
  void add_local_class(std::string_view name) { local_classes_.emplace(name); }
  void enter_namespace(std::string_view ns) { open_namespaces_.push_back(normalize_name(ns)); }
  void leave_namespace() { open_namespaces_.pop_back(); }
  // The current namespace as "a::b" ("" at global scope).
  std::string current_namespace() const;

  // The fully qualified library name `name` denotes here (a client type, starter, getter,
  // accessor or raw function), or "" when it denotes none of them.
  std::string resolve(std::string_view name) const;

 private:
  std::string expand(std::string name) const;  // namespace alias in the first component
  bool known(std::string_view qualified) const;

  const LibraryModel& model_;
  std::vector<std::string> using_namespaces_, open_namespaces_;
  StringMap<std::string> using_declarations_, aliases_, namespace_aliases_;
  StringSet local_classes_;
};

}  // namespace qg::cpp
