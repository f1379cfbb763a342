// Runs of a library entry point (`Runner.run(agent, ...)`) and the client they send through:
// one handed to them (a run config's provider or model, the agent's model), or the library's
// process-wide default, which the project may have set anywhere (`set_default_openai_client`).
// Whether a client is tracked is the evaluator's provenance; this file knows only the library's
// rules of precedence (the Agents SDK's get_model(): run_config.model, then its model_provider,
// then the agent's model, then the default provider) as rules/python/libraries.toml describes them.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "python/evaluator.h"
#include "python/library_model.h"

namespace qg::python {

// What a project does to a library's process-wide default client, over all its modules.
struct LibraryDefault {
  enum class State : uint8_t { Unset, Unknown, Direct, Tracked };  // the best seen wins
  State state = State::Unset;
  const ModuleInfo* origin = nullptr;  // Direct: where the client was constructed
  uint32_t origin_line = 0;
};

using LibraryDefaults = std::unordered_map<const ClientLibrary*, LibraryDefault>;

// Every default setter and installer call in `modules` (vendored ones aside). `partial`: the
// modules are not the whole project, so a default never seen is unknown rather than unset.
LibraryDefaults survey_library_defaults(const std::vector<ModuleInfo*>& modules, Evaluator& evaluator,
                                        bool partial);

// Where a run's requests go, worst case first.
struct RunVerdict {
  enum class Kind : uint8_t {
    Direct,          // a client constructed outside the factory handed to it (origin)
    OwnClient,       // a provider told to build its own client (`holder`)
    DefaultDirect,   // the library's default, set from a client constructed outside the factory
    LibraryDefault,  // the library's default client, which the project never set
    Unknown,         // a client (or default) whose origin cannot be resolved
    Tracked,         // a factory client
    Elsewhere,       // not the library's OpenAI client at all (LiteLLM, a project model class)
  };
  Kind kind = Kind::Elsewhere;
  std::string holder;                  // OwnClient: "OpenAIProvider"
  const ModuleInfo* origin = nullptr;  // Direct, DefaultDirect
  uint32_t origin_line = 0;
};

class RunResolver {
 public:
  RunResolver(Evaluator& evaluator, const LibraryDefaults& defaults) : ev_(evaluator), defaults_(defaults) {}

  // The run `call` makes of `library`'s entry point. `shift`: the entry point is not the callee
  // but the argument before position `shift` (`asyncio.to_thread(Runner.run_sync, agent, "hi")`).
  RunVerdict resolve(const ClientLibrary& library, TSNode call, const Scope* scope, int shift = 0);

  // An entry point handed to another callable (`asyncio.to_thread(Runner.run_sync, agent, "hi")`,
  // `functools.partial(Runner.run, agent)`, `with_retry(Runner.run, agent, q)`): the run is
  // reported where it is handed over, its own arguments taken to follow it. The evaluator does not
  // carry arguments into a project function's parameters, so the call the function makes of it
  // is not seen a second time.
  struct PassedRun {
    TSNode reference{};
    int shift = 0;
    const ClientLibrary* library = nullptr;
    std::string api;
  };
  std::optional<PassedRun> passed_entry_point(TSNode call, const Scope* scope);

 private:
  struct Context {
    const ClientLibrary& library;
    std::vector<const void*> seen_agents;
  };
  // The `model` argument of `object` (an agent or run config): a model object, or a name for the
  // provider.
  RunVerdict model_slot(Context& cx, const Value& object, const Holder& holder, const Values* providers);
  // The argument expression `object` passes for `name` (through copies) and its module's code.
  struct Expression {
    TSNode node{};
    std::string_view code;
  };
  Expression argument_expression(const Value& object, const Holder& holder, std::string_view name) const;
  // A model name the provider(s) send to another library (`"litellm/..."` on the default provider).
  bool named_for_other_library(const ClientLibrary& library, const Expression& name, const Values* providers) const;
  RunVerdict agent_models(Context& cx, const Values& agents, const Values* providers, int depth);
  RunVerdict provider(Context& cx, const Values* providers);
  RunVerdict model(const Value& model);
  RunVerdict client(const Values& clients);
  RunVerdict library_default(const ClientLibrary& library) const;
  Values holder_argument(const Value& object, const Holder& holder, std::string_view name);
  Values argument_values(TSNode call, const Scope* scope, int position, std::string_view name);
  Values values_through_parameters(TSNode node, const Scope* scope);
  bool passes(const Value& object, const Holder& holder, std::string_view name) const;
  bool passes_here(const Value& object, const Holder& holder, std::string_view name) const;

  Evaluator& ev_;
  const LibraryDefaults& defaults_;
  const LibraryModel& model_ = LibraryModel::get();
};

}  // namespace qg::python
