// Python libraries that build their own OpenAI client unless handed one, loaded once from
// rules/python/libraries.toml (the Agents SDK today; a library is a table there, not code), and
// where an application starts (rules/python/startup.toml), for fixes that set a default once.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/catalogue.h"

namespace qg::python {

// A library class whose instances carry a client or lead to one (see libraries.toml).
struct Holder {
  enum class Role : uint8_t { Model, Provider, Agent, RunConfig };
  Role role = Role::Model;
  std::string id;                            // "openai-provider"
  std::vector<std::string> parameters;       // positional parameters, in order
  std::string client;                        // the argument naming its client; "" none
  // The attribute its instances keep that client as (`agent.client`); "" none: reading it is
  // reading what the construction hands over as `client`.
  std::string client_attribute;
  bool own = false;                          // client = "own": never the library's OpenAI client
  std::vector<std::string> own_client_when;  // arguments that make it build its own client
  std::vector<std::string> links;            // Agent: arguments naming further agents
  std::vector<std::string> copies;           // methods returning a copy, keywords replaced (`clone`)
  std::string model, provider;               // Agent, RunConfig: the arguments naming them
  bool routes_by_prefix = false;             // Provider: other-library-prefixes go elsewhere
};

struct DefaultSetter {
  int argument = 0;
  std::string keyword;
};

struct ClientLibrary {
  std::string id;                            // "openai-agents"
  std::string package;                       // "agents"
  std::string display_name;                  // "Agents SDK"
  std::string family;                        // "agents"
  std::vector<std::string> parameters;       // of the entry points
  std::string agent, run_config;             // the entry points' arguments naming them
  StringMap<std::string> entry_points;       // qualified -> api ("agents.run")
  StringMap<DefaultSetter> default_setters;  // qualified -> where the client is
  StringSet installers;
  StringMap<std::size_t> holder_names;       // qualified -> index into holders
  std::vector<Holder> holders;
  std::vector<std::string> provider_methods;
  // Model names the default provider (and any that routes by prefix) sends to another library.
  std::vector<std::string> other_library_prefixes;
  std::string fix_setter_module, fix_setter, fix_keywords;  // "agents", "set_default_openai_client", "..."
};

class LibraryModel {
 public:
  static const LibraryModel& get();
  // From TOML texts (tests); throws std::runtime_error naming the file and key on malformed data.
  static LibraryModel from_texts(std::string_view libraries_toml, std::string_view startup_toml);

  const std::vector<ClientLibrary>& libraries() const { return libs_; }
  // The library whose package `qualified` ("agents.Runner.run") lies in; nullptr when none.
  const ClientLibrary* library_of(std::string_view qualified) const;
  // The entry point `qualified` names: its library and api.
  std::pair<const ClientLibrary*, const std::string*> entry_point(std::string_view qualified) const;
  // The library whose entry points count as `api` ("agents.run").
  const ClientLibrary* library_of_api(std::string_view api) const;
  std::pair<const ClientLibrary*, const DefaultSetter*> default_setter(std::string_view qualified) const;
  const ClientLibrary* installer(std::string_view qualified) const;
  std::pair<const ClientLibrary*, const Holder*> holder(std::string_view qualified) const;
  // An entry point, a class one is a member of, a holder class or a default setter: a name
  // worth following into the modules that import it.
  bool is_significant(std::string_view qualified) const;
  // A holder class, or a class entry points are members of ("agents.Runner"): its instances
  // are Objects to the evaluator.
  bool is_class(std::string_view qualified) const;
  // `qualified` is a holder's copy method ("agents.Agent.clone"): a call of it on an instance is
  // another instance with the keywords given replaced.
  bool is_copy_method(std::string_view qualified) const;
  // Every qualified name the model knows (entry points, default setters, installers, holders).
  std::vector<std::string> qualified_names() const;

  // Words whose presence makes a file worth parsing (package names).
  const std::vector<std::string>& words() const { return words_; }
  // Names the default setters and installers are called by (their last segments): a module
  // that never mentions one sets no default.
  const std::vector<std::string>& setter_words() const { return setter_words_; }
  // The names entry points are called by ("run", "run_sync"): an argument spelled so may be one.
  const StringSet& entry_point_members() const { return entry_point_members_; }

  const std::vector<std::string>& app_constructors() const { return app_constructors_; }
  bool is_test_path(std::string_view relative_path) const;

 private:
  std::vector<ClientLibrary> libs_;
  std::vector<std::string> words_, setter_words_, app_constructors_, test_paths_;
  StringSet entry_point_members_;
};

}  // namespace qg::python
