// Library entry points that build an OpenAI client inside the library (LangChain's ChatOpenAI,
// LlamaIndex's OpenAI, `litellm.completion(model="gpt-4o")`, ...): QG010 `library-built-client`.
// The table is data (rules/python/library-clients.toml); this file reads it and decides, for
// one call, whether it builds such a client and is not handed a tracked one. Whether the
// project runs `quotaguard.install()` (which tracks every client the process builds) is a
// fact about the whole project, surveyed once.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/catalogue.h"
#include "python/evaluator.h"

namespace qg::python {

struct ClientBuildingLibrary {
  std::string id;            // "langchain-openai"
  std::string package;       // "langchain_openai"
  std::string display_name;  // "LangChain"
  std::vector<std::string> openai_models;  // model-name prefixes sent to an OpenAI client
  std::vector<std::string> tracked_by;     // keywords handing it a client / HTTP client
  std::string how;                         // how to track it, for the message
};

class LibraryClientTable {
 public:
  LibraryClientTable() = default;
  LibraryClientTable(LibraryClientTable&&) = default;  // (entries point into libs_: no copies)
  LibraryClientTable(const LibraryClientTable&) = delete;
  LibraryClientTable& operator=(const LibraryClientTable&) = delete;
  static const LibraryClientTable& get();
  // From a TOML text (tests); throws std::runtime_error naming the file and key on bad data.
  static LibraryClientTable from_text(std::string_view toml_text);

  struct Entry {
    const ClientBuildingLibrary* library = nullptr;
    bool model_gated = false;
  };
  const Entry* entry(std::string_view qualified) const;
  // Package names: a file naming one is worth parsing.
  const std::vector<std::string>& words() const { return words_; }
  const std::vector<ClientBuildingLibrary>& libraries() const { return libs_; }

 private:
  std::vector<ClientBuildingLibrary> libs_;
  StringMap<Entry> entries_;  // qualified -> its library, model-gated
  std::vector<std::string> words_;
};

// A call that builds a library's OpenAI client.
struct LibraryClientCall {
  const ClientBuildingLibrary* library = nullptr;
  std::string callee;  // as written: "ChatOpenAI"
  std::string api;     // coverage key: "library.langchain-openai" (family "library")
  bool tracked = false;  // handed a tracked client or HTTP client
};

// What `call` builds, if it is a library entry point that builds an OpenAI client; nullopt for
// anything else (another provider's model, a same-named project class).
std::optional<LibraryClientCall> library_client_call(TSNode call, const Scope* scope, Evaluator& evaluator,
                                                     std::string_view code);

// Whether any module calls `quotaguard.install()` (through any import of it).
bool project_installs_tracking(const std::vector<ModuleInfo*>& modules, Evaluator& evaluator);

}  // namespace qg::python
