// The C++ client libraries quotaguard knows, loaded once from rules/cpp/*.toml: client types,
// singleton starters, API members and methods. A third library is a new file there, not code.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/catalogue.h"

namespace qg::cpp {

struct Library {
  std::string name;                                // "liboai"
  std::vector<std::string> namespaces;             // its own code: never QG001/QG004
  std::vector<std::string> client_types;           // "liboai::OpenAI"
  std::vector<std::string> starters, getters;      // "openai::start" / "openai::instance"
  StringMap<std::string> accessors;                // "openai::chat" -> member "chat"
  StringMap<StringMap<std::string>> members;       // "ChatCompletion" -> {"create" -> api}
  std::vector<std::string> raw_functions;          // "openai::post"
  std::vector<std::string> raw_methods;            // "post" on a client
  std::string async_suffix;                        // "_async"
};

class LibraryModel {
 public:
  static const LibraryModel& get();
  // Builds a model from TOML texts (tests); throws std::runtime_error on malformed data.
  static LibraryModel from_texts(const std::vector<std::pair<std::string, std::string_view>>& files);

  const std::vector<Library>& libraries() const { return libs_; }
  // Fully qualified names ("liboai::OpenAI") to their library; nullptr when unknown.
  const Library* library_of_type(std::string_view qualified) const;
  const Library* library_of_starter(std::string_view qualified) const;
  const Library* library_of_getter(std::string_view qualified) const;
  // "openai::chat" -> its library and member.
  std::pair<const Library*, const std::string*> accessor(std::string_view qualified) const;
  const Library* library_of_raw_function(std::string_view qualified) const;
  // The API of `member.method` on a client of `lib` ("create_async" counts as "create").
  const std::string* api(const Library& lib, std::string_view member, std::string_view method) const;
  // Is `qualified` ("liboai::Files::create", "liboai") inside one of the libraries' namespaces?
  bool in_library_namespace(std::string_view qualified) const;
  // Every unqualified name that can stand for a client type, starter, getter, accessor or raw
  // function: the prefilter's words.
  const std::vector<std::string>& words() const { return words_; }
  const std::vector<std::string>& url_functions() const { return url_functions_; }

 private:
  std::vector<Library> libs_;
  std::vector<std::string> words_, url_functions_;
};

// "::liboai :: OpenAI" -> "liboai::OpenAI"; drops whitespace and a leading "::".
std::string normalize_name(std::string_view name);
// "liboai::OpenAI" -> "OpenAI".
std::string_view last_component(std::string_view qualified);

}  // namespace qg::cpp
