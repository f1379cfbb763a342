// Library entry points that build an OpenAI client inside the library (LangChain's ChatOpenAI,
// LlamaIndex's OpenAI, `litellm.completion(model="gpt-4o")`, ...): QG010 `library-built-client`.
// The table is data (rules/python/library-clients/); this file reads it and decides, for
// one call, whether it builds such a client and is not handed a tracked one. Whether the
// project runs `quotaguard.install()` (which tracks every client the process builds) is a
// fact about the whole project, surveyed once.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/catalogue.h"
#include "core/config.h"
#include "python/evaluator.h"

namespace qg::python {

// What hooks every openai client's construction (python/quotaguard/_install.py).
inline constexpr std::string_view kTrackingInstaller = "quotaguard.install";
// The coverage key of a library's calls: this, then the library's id.
inline constexpr std::string_view kLibraryApiPrefix = "library.";

// One of `fix-arguments`, split at its `{module.name}` references: text, then the name that
// follows it.
struct FixArgumentPiece {
  std::string text;
  std::optional<FactoryFunction> name;  // {module, name}: spelled as the fixed file imports it
};
using FixArgument = std::vector<FixArgumentPiece>;

// One of `judged`: an evaluator, by name ("qa"), its member of the library's enums ("QA"), and the
// keywords of the library's loader that hand it what it would otherwise build ("llm"; ragas'
// `answer_relevancy` builds both an LLM and embeddings: "llm", "embeddings").
struct JudgedEvaluator {
  std::string name;
  std::string member;
  std::vector<std::string> keywords;
};

struct ClientBuildingLibrary {
  std::string id;            // "langchain-openai"
  std::string package;       // "langchain_openai"
  std::string display_name;  // "LangChain"
  std::vector<std::string> openai_models;  // model-name prefixes sent to an OpenAI client
  std::string model_keyword;               // `model-gated`'s model: this keyword only ("": 0 or `model`)
  int model_position = -1;                 // `model-position`: with `model-keyword`, its place too
  std::vector<std::string> model_aliases;  // `model-aliases`: further keywords naming the model
  // `provider-keywords`: keywords naming the provider apart from the model (LangChain's
  // `init_chat_model(model, model_provider="openai")`): one the call hands decides by itself.
  std::vector<std::string> provider_keywords;
  // `model-keys`: with `model-keyword`, the model is under one of these dotted paths of the dict
  // handed there (LangGraph's `InMemoryStore(index={"embed": "openai:..."})`, mem0's
  // `Memory.from_config({"llm": {"provider": ...}})`): one naming an OpenAI model is enough.
  std::vector<std::string> model_keys;
  // `model-enums`: enum classes whose members name the model (CAMEL's `ModelPlatformType`): a
  // member handed as the model (`ModelPlatformType.OPENAI`) reads as its name, "OPENAI".
  std::vector<std::string> model_enums;
  // `built-when`: keywords one of which must be handed something (`True`, a non-empty list) for
  // the call to build anything (CrewAI's `Crew(memory=True)`), each with the keywords that, all
  // handed, give it what it would build instead (`short_term_memory`, `entity_memory`).
  std::vector<std::pair<std::string, std::vector<std::string>>> built_when;
  // `default-model`: the model a `model-gated` entry builds when handed none (its argument
  // absent, or None), as agno's `Agent()` builds OpenAI's; "": a call handed none builds nothing
  // known. `default-unless-in`: keywords of any call of the module (agno's `Team(members=[...])`),
  // and `default-unless-first`: callables whose first argument (`Team([...])`), whose list,
  // holding the call or the name it is assigned to, gives it a model instead.
  std::string default_model;
  std::vector<std::string> default_unless_in;
  std::vector<std::string> default_unless_first;
  // `default-positionals`: with a keyword-only model, the positional arguments a call may pass
  // before one might be the model (Team's `members`): a call passing more is not judged by the
  // default.
  int default_positionals = 0;
  std::vector<std::string> tracked_by;     // keywords handing it a client / HTTP client
  // `builds-each`: the clients a call builds, each unless one of its keywords hands it one
  // (Graphiti's LLM client, embedder and reranker): the call builds what is not handed over.
  std::vector<std::vector<std::string>> builds_each;
  std::string how;                         // how to track it, for the message
  std::vector<FixArgument> fix_arguments;  // empty: fixed by `quotaguard.install()`
  std::vector<std::string> fix_unless;          // keywords that rule `fix_arguments` out
  // `sent-by`: the methods a `constructors` entry's requests go through, the one the library
  // calls first (DSPy before 2.6 builds its client only when it sends); empty: built at the call.
  std::vector<std::string> sent_by;
  // `config-gated` (AutoGen 0.2's agents): the keyword holding the configuration
  // (`llm_config`), and the `api_type` prefixes of its entries that build no OpenAI client.
  std::string config_keyword;
  std::vector<std::string> other_api_types;
  // Every `more-configs` keyword of its `config-signatures` (`grader_llm_config`).
  std::vector<std::string> more_config_keywords;
  // `config-contexts`: what makes the value of a `with <config>:` block a configuration (AG2's
  // `with llm_config:`), for the agents built in it with none of their own.
  std::vector<std::string> config_contexts;
  // `entry-tracked-by`: keys of a configuration entry handing its OpenAI client an HTTP client
  // (`"http_client"`): a tracked one makes that entry's client tracked.
  std::vector<std::string> entry_tracked_by;
  // `judged`: the evaluators that build a model (or embeddings) of the library's when handed none,
  // and `judged-enums`: the enums naming them (`EvaluatorType.QA`); its `judges` load them.
  std::vector<JudgedEvaluator> judged;
  std::vector<std::string> judged_enums;
  // `model-config`: a `model-gated` call handed its settings as `<keyword>=self.<attribute>["name"]`
  // (CrewAI's `Agent(config=self.agents_config["researcher"])`) takes the model from that entry of
  // the YAML file the class's `<attribute>` names (`file`, relative to the module's folder, when it
  // names none): its `<key>` line.
  std::string model_config_keyword, model_config_attribute, model_config_file, model_config_key;
  // `keyword-only`: its `constructors` take keyword arguments only (pydantic models: LangChain's):
  // a call of the library's own class passing a positional one raises TypeError, building nothing.
  bool keyword_only = false;
};

// `judges.<id>`: a callable loading evaluators by name that builds what a `judged` one needs when
// it is handed none (LangChain's `load_evaluator("qa")` and `RunEvalConfig(evaluators=["qa"])`
// build `ChatOpenAI(model="gpt-4")`; `load_evaluator("embedding_distance")` `OpenAIEmbeddings()`).
struct Judge {
  std::vector<std::string> names;  // every qualified name of the callable
  std::string evaluator;           // the keyword naming the evaluator, or a list of them (`list`)
  int position = -1;               // its place among the positional arguments (-1: keyword only)
  bool list = false;
  // `takes`: an evaluator's keyword -> the callable's (`llm` -> `eval_llm`); those not listed it
  // does not take. Absent: it takes each under its own name.
  bool takes_all = true;
  std::map<std::string, std::string, std::less<>> takes;
  // `configs`: members of the callable configuring one evaluator each (`RunEvalConfig.QA(...)`),
  // in the list: built for unless handed the evaluator's keyword there or by the callable.
  std::map<std::string, std::string, std::less<>> configs;  // member -> evaluator
  // `parameters`: its positional parameters in order, so a keyword may be handed by position too
  // (ragas' `evaluate(dataset, metrics, llm)`).
  std::vector<std::string> parameters;
  // `defaults`: the judged evaluators it runs when handed none (ragas' `evaluate(dataset)`).
  std::vector<std::string> defaults;
};

// A library default a call falls back on when it is handed none (`defaults.<slot>`: LlamaIndex's
// `Settings.llm`, which builds `llama_index.llms.openai.OpenAI()` when the project sets none).
struct DefaultSlot {
  std::string id;                     // "llm"
  std::vector<std::string> keywords;  // any of them passed: the call does not fall back
  std::vector<std::string> set_by;    // attributes assigned / callables called to set it
  // Keywords of the construction of the object a `uses` method is called on (`index =
  // VectorStoreIndex(..., service_context=sc)`, then `index.as_query_engine()`) that hand it one.
  std::vector<std::string> receiver_keywords;
  // A string one of `keywords` may be handed that builds the default itself, whatever the project
  // set (`as_chat_engine(llm="default")`: `resolve_llm("default")` is `OpenAI()`).
  std::string builds_when;
  // `positionals`: how many positional arguments come before the one of `keywords` a call may pass
  // positionally (`RetrieverQueryEngine(retriever, synthesizer)`: 1); a call passing more hands it
  // one. -1: keywords only.
  int positionals = -1;
};

class LibraryClientTable {
 public:
  LibraryClientTable() = default;
  LibraryClientTable(LibraryClientTable&&) = default;  // (entries point into libs_: no copies)
  LibraryClientTable(const LibraryClientTable&) = delete;
  LibraryClientTable& operator=(const LibraryClientTable&) = delete;
  static const LibraryClientTable& get();
  // From the TOML texts of rules/python/library-clients/ (path relative to rules/, text); throws
  // std::runtime_error naming the file and key on bad data, or a table id two files use.
  static LibraryClientTable from_texts(const std::vector<std::pair<std::string, std::string_view>>& files);
  // One text, as rules/python/library-clients/test.toml (tests).
  static LibraryClientTable from_text(std::string_view toml_text);

  struct Entry {
    const ClientBuildingLibrary* library = nullptr;
    bool model_gated = false;
    // `returns-client`: the call returns the (async) openai client the library built, which the
    // project then calls (`client = AzureAssistantAgent.create_client()`).
    bool returns_client = false;
    // `config-gated`: an OpenAI client only when the configuration keyword names one.
    bool config_gated = false;
    // `config-arguments` (OpenAIWrapper): the call's keyword arguments are the configuration.
    bool config_arguments = false;
    // `config-signatures`: where the configuration is taken positionally (-1: keyword only), and
    // whether an agent given none (its default None) takes the one of the `with` block around it.
    int config_position = -1;
    bool config_context = false;
    // `config-signatures.<id>.more-configs`: further configuration parameters, each building a
    // client of its own when given (ReasoningAgent's `grader_llm_config`): its keyword and
    // positional place (-1: keyword only).
    std::vector<std::pair<std::string, int>> more_configs;
    // `defaults.<slot>.uses` / `.builds`: built from the slot's default when the call passes
    // none of its keywords; `uses` only when the project sets the slot nowhere.
    // (`ServiceContext.from_defaults()` builds both an LLM and an embedding model: both slots)
    std::vector<const DefaultSlot*> slots;
    bool builds_default = false;
    // `offline-by.<keyword>`: keywords that make the call answer locally, building no client and
    // sending nothing (LiteLLM's `mock_response`); passed with anything but a literal None, the
    // call is not reported.
    std::vector<std::string> offline_by;
    // `judges`: builds the default model only for an evaluator a model judges, handed none.
    const Judge* judge = nullptr;
    // Another table's entry for the same name (CrewAI's `Crew` in crewai-crew and
    // crewai-crew-planning): the call builds when either does.
    const Entry* also = nullptr;
  };
  const Entry* entry(std::string_view qualified) const;
  // `holders`: library classes whose instances keep the client they are handed as an attribute
  // (`agent.client`), and library functions that build one; keyed by every qualified name.
  // Only `parameters`, `client` and `client-attribute` of a Holder are read here.
  const Holder* holder(std::string_view qualified) const;
  // Package names: a file naming one is worth parsing.
  const std::vector<std::string>& words() const { return words_; }
  const std::vector<ClientBuildingLibrary>& libraries() const { return libs_; }
  // The library counted as `api` ("library.langchain-openai"); nullptr when none.
  const ClientBuildingLibrary* library_of_api(std::string_view api) const;
  // `instances`: the library class what a call of `qualified` returns is an instance of
  // (`VectorStoreIndex.from_documents` -> its base class), so that a method called on it names
  // a table entry (`index.as_query_engine`); nullptr when none.
  const std::string* instance_of(std::string_view qualified) const;
  // Every qualified name the table knows (entries, holders, instances and their classes).
  std::vector<std::string> qualified_names() const;
  // Every default slot, and every qualified name that sets one.
  const std::vector<const DefaultSlot*>& slots() const { return slots_; }

 private:
  std::vector<ClientBuildingLibrary> libs_;
  StringMap<Entry> entries_;  // qualified -> its library, model-gated
  std::deque<Entry> more_entries_;  // (stable addresses) what `Entry::also` points to
  std::vector<Holder> holders_;
  StringMap<std::size_t> holder_names_;  // qualified -> index into holders_
  std::vector<std::string> words_;
  std::deque<DefaultSlot> slot_storage_;  // (stable addresses)
  std::deque<Judge> judge_storage_;
  std::vector<const DefaultSlot*> slots_;
  StringMap<std::string> instances_;
};

// A call that builds a library's OpenAI client.
struct LibraryClientCall {
  const ClientBuildingLibrary* library = nullptr;
  std::string callee;  // as written: "ChatOpenAI"
  std::string api;     // coverage key: "library.langchain-openai" (family "library")
  bool tracked = false;  // handed a tracked client or HTTP client
  // The library's `fix-arguments` can be added to this call: it passes no `tracked-by` keyword
  // (not even a plain one), no `fix-unless` keyword and no `**kwargs` that might hold one.
  bool arguments_fixable = false;
};

// What `call` builds, if it is a library entry point that builds an OpenAI client; nullopt for
// anything else (another provider's model, a same-named project class).
std::optional<LibraryClientCall> library_client_call(TSNode call, const Scope* scope, Evaluator& evaluator,
                                                     std::string_view code);

// Whether `values` holds a table entry (`from langchain_openai import ChatOpenAI` at module
// level) or a project class derived from one (`class Patched(OpenAI)`): a module exporting one
// is worth following into the modules that import it (`from helpers import *`), which need name
// no library to call it.
bool holds_library_client_class(const Values& values, Evaluator& evaluator);

// The project modules `module`'s model-gated calls take their model from by name (`from config
// import MODEL_NAME`, then `init_chat_model(model=MODEL_NAME)`): modules to parse though they name
// no library, so that the model's value decides (frontend.cpp).
std::vector<std::string> model_source_modules(const ModuleInfo& module, Evaluator& evaluator);

// What installs tracking for every client (python/quotaguard/_install.py): QG010's fix calls it.
const FactoryFunction& tracking_installer();

// Whether any module calls `quotaguard.install()` (through any import of it).
bool project_installs_tracking(const std::vector<ModuleInfo*>& modules, Evaluator& evaluator);

// Where the project sets a library default (`Settings.llm = ...`, `set_global_service_context(...)`):
// (the module, DefaultSlot::id), once per module and slot. Calls falling back on a default the
// project sets are not reported (frontend.cpp decides where each set holds). Defined in
// python/default_settings_search.cpp.
std::vector<std::pair<const ModuleInfo*, std::string>> default_settings(const std::vector<ModuleInfo*>& modules,
                                                                        Evaluator& evaluator);

}  // namespace qg::python
