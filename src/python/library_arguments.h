// What the arguments of a call into a client-building library are known to hold, read from the
// syntax (and the project's settings modules) rather than evaluated: the model names a model
// argument may name (`model-gated` libraries) and whether an AutoGen configuration builds an
// OpenAI client (`config-gated`). library_clients.cpp decides QG010 with them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "python/library_clients.h"

namespace qg::python {

// What a model argument is known to start with, once per value it may hold: a plain literal's
// whole text, an f-string's or a `+` concatenation's text before the first thing computed, a
// name whose every binding in the scope that sees it is such a string (`lm_name =
// f"openai/{model}"`), or `self.model` whose every assignment in its class is one. Empty when
// any value is unknown (a call, a config lookup): a model chosen at run time may go to another
// provider, so it decides nothing. Given the evaluator, a parameter holds what the calls of its
// function pass it, those known (`self._embed(texts, f"azure/{name}")`); without, it is unknown.
std::vector<std::string_view> model_starts(TSNode n, const Scope* scope, std::string_view code, const Project* project,
                                          int depth = 0, Evaluator* ev = nullptr);

// The model a call passes (argument `index` or keyword `name`), as model_starts reads it; a call
// that passes it in none of its own arguments but in a `**params` whose every binding is a dict
// literal (`{"model": ..., ...}` or `dict(model=...)`) naming that key takes each such value.
std::vector<std::string_view> call_model_starts(TSNode call, const Scope* scope, std::string_view code, int index,
                                               std::string_view name, Evaluator& ev);

// `model-keys`: the model under the dotted `path` of the dict a call passes as argument `index` or
// keyword `name` (`index={"embed": "openai:..."}`, `{"llm": {"provider": "openai"}}`, or a name
// bound only to such dicts), as model_starts reads it; `absent` where a dict visibly lacks a step
// of the path (the library's default). Empty when the call passes none or anything else.
std::vector<std::string_view> keyed_model_starts(TSNode call, const Scope* scope, int index,
                                                std::string_view name, std::string_view path,
                                                std::string_view absent, Evaluator& ev);

// AutoGen 0.2 (`config-gated`): whether a configuration (`llm_config=...`) builds an OpenAI
// client. OpenAIWrapper builds `OpenAI(...)` / `AzureOpenAI(...)` for every entry of its
// `config_list` (or the dict itself when it has none) unless the entry names `model_client_cls`
// (a custom client) or an `api_type` starting with one of `other-api-types`; an entry inherits
// the dict's own `api_type`. `False` / `None` / an empty list build none; anything not visible
// here (a parameter, `config_list_from_json(...)`, a call) is taken to be OpenAI, the default.
// An entry whose `entry-tracked-by` key (`"http_client"`, also the dict's own, which each entry
// of its `config_list` inherits) holds a tracked HTTP client builds a tracked one: not counted.
// Names imported from the project's modules are read there.
bool config_builds_openai(TSNode config, const Scope* scope, std::string_view code, const ClientBuildingLibrary& lib,
                          Evaluator& ev);

// AG2's `with llm_config:`: the configuration of the nearest `with` block around `call`, in the
// same function, whose item holds one (a call of one of `config-contexts`, or a name bound to
// one); null when none. An agent built there with no configuration of its own takes it.
TSNode context_config(TSNode call, const Scope* scope, Evaluator& ev, const ClientBuildingLibrary& lib);

// Whether an agent built at `call` with no configuration of its own takes one that builds an
// OpenAI client from a `with` block: the one around it (context_config), else, where the
// function it is built in has none, the nearest around a call of that function, followed up
// through the callers a bounded number of calls (python/library_context_callers.cpp). False
// when no block is found.
// A `config-gated` call (`entry`): whether the configurations it takes build an OpenAI client.
// OpenAIWrapper's keywords; an agent's `llm_config` (by keyword, or, `direct`: the library's own
// class, in its place among the positional arguments, or under its key in what a `**` splat
// unpacks: a dict literal, `dict(...)`, a name assigned one, a `.copy()` of one), given none,
// or None, a `with` block's
// (context_builds_openai); and its `more-configs` given (ReasoningAgent's grader), each of
// which builds a client of its own (python/library_agent_configs.cpp).
bool agent_builds_openai(const LibraryClientTable::Entry& entry, TSNode call, const Scope* scope, Evaluator& ev,
                         std::string_view code, bool direct);

bool context_builds_openai(TSNode call, const Scope* scope, Evaluator& ev, const ClientBuildingLibrary& lib,
                           std::string_view code);

// A `judges` callable (`judge`, of `lib`): whether `call` builds what an evaluator it names needs
// (its model, its embeddings): one of the library's `judged`, by name, enum member, or (`configs`)
// a configuration handed nothing under the evaluator's keyword, which the call hands nothing
// either (under the keyword it `takes`); in a list (`list`), any of it, through `*` splats, `+` joins and names bound to one (python/library_judges.cpp).
bool judge_builds_default(const Judge& judge, const ClientBuildingLibrary& lib, TSNode call, const Scope* scope,
                          Evaluator& ev, std::string_view code);

// `model-config` (CrewAI's `Agent(config=self.agents_config["researcher"])`): the model a call
// handed `<keyword>=self.<attribute>["name"]` in a method takes from the YAML file the class's
// `<attribute>` string names (`lib.model_config_file` when it sets none), relative to the
// module's folder: the `<key>` of the file's top-level `name` entry. "" when any of it is not
// so, or when the value names a method of the class (CrewAI's `@llm` methods)
// (python/library_config_files.cpp).
std::string model_from_config_file(TSNode call, const Scope* scope, const ClientBuildingLibrary& lib, Evaluator& ev,
                                   std::string_view code);

// The plain value of `key` in the top-level mapping `entry` of a block-style YAML text, one level
// in, unquoted; "" when absent or not a plain scalar (a block, flow collection, anchor or alias).
std::string yaml_entry_value(std::string_view text, std::string_view entry, std::string_view key);

// Whether a class body defines a method `name`.
bool defines_method(const ClassInfo& cls, std::string_view name);

}  // namespace qg::python
