// The table of library entry points that build their own OpenAI client (QG010,
// rules/python/library-clients/): a library is a table, and malformed data is an error naming
// the file and key.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "python/library_arguments.h"
#include "python/library_clients.h"

namespace {

std::string error_of(const char* toml_text) {
  try {
    (void)qg::python::LibraryClientTable::from_text(toml_text);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return {};
}

}  // namespace

TEST_CASE("python library clients: a library is a table; model-gated entries need their model prefixes") {
  const auto table = qg::python::LibraryClientTable::from_text(R"(
[acme]
package = "acme"
display-name = "Acme"
constructors = ["acme.Chat"]
model-gated = ["acme.complete"]
openai-models = ["gpt-"]
tracked-by = ["http_client"]
how = "pass a tracked client"
)");
  const auto* chat = table.entry("acme.Chat");
  REQUIRE(chat);
  CHECK_FALSE(chat->model_gated);
  CHECK(chat->library->display_name == "Acme");
  REQUIRE(table.entry("acme.complete"));
  CHECK(table.entry("acme.complete")->model_gated);
  CHECK(table.entry("acme.Other") == nullptr);
  CHECK(table.words() == std::vector<std::string>{"acme", "quotaguard"});  // where install() is called too
}

TEST_CASE("python library clients: malformed data names the file and key") {
  CHECK(error_of("[a]\npackage = \"a\"\ndisplay-name = \"A\"\nhow = \"x\"\n") ==
        "rules/python/library-clients/test.toml [a]: `constructors` is empty, and so are `model-gated` and `returns-client`");
  CHECK(error_of("[a]\npackage = \"a\"\ndisplay-name = \"A\"\nhow = \"x\"\nmodel-gated = [\"a.f\"]\n") ==
        "rules/python/library-clients/test.toml [a]: `openai-models` is needed by `model-gated`");
  CHECK(error_of("[a]\npackage = \"a\"\ndisplay-name = \"A\"\nhow = \"x\"\nconstructors = [\"a.C\"]\nmodel-keyword = \"llm\"\n") ==
        "rules/python/library-clients/test.toml [a]: `model-keyword` is only read for `model-gated`");
  CHECK(error_of("[a]\npackage = \"a\"\ndisplay-name = \"A\"\nhow = \"x\"\nconstructors = [\"a.C\"]\n"
                 "provider-keywords = [\"model_provider\"]\n") ==
        "rules/python/library-clients/test.toml [a]: `provider-keywords` is only read for `model-gated`");
  CHECK(error_of("[a]\npackage = \"a\"\ndisplay-name = \"A\"\nhow = \"x\"\nmodel-gated = [\"a.f\"]\nopenai-models = [\"gpt-\"]\n"
                 "sent-by = [\"__call__\"]\n") ==
        "rules/python/library-clients/test.toml [a]: `sent-by` is only read for `constructors`");
  CHECK(error_of("[a]\ndisplay-name = \"A\"\nhow = \"x\"\nconstructors = [\"a.C\"]\n") ==
        "rules/python/library-clients/test.toml [a]: `package` is missing");
  CHECK(error_of("[a]\npackage = \"a\"\ndisplay-name = \"A\"\nhow = \"x\"\nconstructors = \"a.C\"\n") ==
        "rules/python/library-clients/test.toml [a]: `constructors` must be a list of strings");
}

TEST_CASE("python library clients: the shipped table knows the libraries the issue names") {
  const auto& table = qg::python::LibraryClientTable::get();
  for (const char* name : {"langchain_openai.ChatOpenAI", "langchain_openai.OpenAIEmbeddings",
                           "langchain_openai.AzureChatOpenAI", "llama_index.llms.openai.OpenAI",
                           "llama_index.embeddings.openai.OpenAIEmbedding", "instructor.from_provider", "dspy.LM",
                           "litellm.completion"})
    CHECK_MESSAGE(table.entry(name), name);
  CHECK(table.entry("llama_index.llms.anthropic.Anthropic") == nullptr);
}

TEST_CASE("python library clients: fix-arguments are text and {module.name} references") {
  const auto table = qg::python::LibraryClientTable::from_text(R"toml(
[acme]
package = "acme"
display-name = "Acme"
constructors = ["acme.Chat"]
tracked-by = ["http_client"]
how = "pass a tracked client"
fix-arguments = ["http_client={quotaguard.instrument_http_client}({httpx.Client}(timeout=5))", "tracked=True"]
fix-unless = ["proxy"]
)toml");
  const auto& lib = *table.entry("acme.Chat")->library;
  CHECK(table.library_of_api("library.acme") == &lib);
  CHECK(table.library_of_api("acme") == nullptr);
  CHECK(lib.fix_unless == std::vector<std::string>{"proxy"});
  REQUIRE(lib.fix_arguments.size() == 2);
  const auto& first = lib.fix_arguments[0];
  REQUIRE(first.size() == 3);
  CHECK(first[0].text == "http_client=");
  REQUIRE(first[0].name);
  CHECK(first[0].name->spec() == "quotaguard:instrument_http_client");
  CHECK(first[1].text == "(");
  CHECK(first[1].name->spec() == "httpx:Client");
  CHECK(first[2].text == "(timeout=5))");
  CHECK_FALSE(first[2].name);
  REQUIRE(lib.fix_arguments[1].size() == 1);
  CHECK(lib.fix_arguments[1][0].text == "tracked=True");
}

TEST_CASE("python library clients: a malformed fix-arguments reference names the file and key") {
  const std::string base = "[a]\npackage = \"a\"\ndisplay-name = \"A\"\nhow = \"x\"\nconstructors = [\"a.C\"]\n";
  CHECK(error_of((base + "fix-arguments = [\"c={httpx}()\"]\n").c_str()) ==
        "rules/python/library-clients/test.toml [a]: `fix-arguments` names `{httpx}`, not `{module.name}`");
  CHECK(error_of((base + "fix-arguments = [\"c={httpx.Client()\"]\n").c_str()) ==
        "rules/python/library-clients/test.toml [a]: `fix-arguments` has a `{` without its `}`");
  CHECK(error_of((base + "fix-arguments = [\"c=httpx.Client}()\"]\n").c_str()) ==
        "rules/python/library-clients/test.toml [a]: `fix-arguments` has a `}` without its `{`");
}

TEST_CASE("python library clients: holders keep the client they are handed as an attribute") {
  const auto table = qg::python::LibraryClientTable::from_text(R"toml(
[acme]
package = "acme"
display-name = "Acme"
returns-client = ["acme.Agent.create_client"]
tracked-by = []
how = "hand the agent a tracked client"

[acme.holders.agents]
names = ["acme.Agent", "acme.agents.Agent", "acme.Registry.build"]
parameters = ["name", "client"]
client = "client"
client-attribute = "llm"
)toml");
  for (const char* name : {"acme.Agent", "acme.agents.Agent", "acme.Registry.build"}) {
    const auto* h = table.holder(name);
    REQUIRE_MESSAGE(h, name);
    CHECK(h->client == "client");
    CHECK(h->client_attribute == "llm");
    CHECK(h->parameters == std::vector<std::string>{"name", "client"});
  }
  CHECK(table.holder("acme.Agent.create_client") == nullptr);
  CHECK(table.holder("acme.Other") == nullptr);
  const auto& shipped = qg::python::LibraryClientTable::get();
  REQUIRE(shipped.holder("semantic_kernel.agents.AzureAssistantAgent"));
  CHECK(shipped.holder("semantic_kernel.agents.AzureAssistantAgent")->client_attribute == "client");

  const std::string head = "[a]\npackage = \"a\"\ndisplay-name = \"A\"\nhow = \"x\"\nconstructors = [\"a.C\"]\n";
  CHECK(error_of((head + "[a.holders.h]\nnames = [\"a.H\"]\nclient = \"client\"\n").c_str()) ==
        "rules/python/library-clients/test.toml [a] holders.h: `client-attribute` is missing");
  CHECK(error_of((head + "[a.holders.h]\nclient = \"client\"\nclient-attribute = \"client\"\n").c_str()) ==
        "rules/python/library-clients/test.toml [a] holders.h: `names` is missing");
  CHECK(error_of((head + "holders = 3\n").c_str()) == "rules/python/library-clients/test.toml [a]: `holders` must be a table");
}

TEST_CASE("python library clients: configuration-gated entries and library defaults") {
  const auto table = qg::python::LibraryClientTable::from_text(R"toml(
[agents]
package = "agents"
display-name = "Agents"
config-gated = ["agents.Agent"]
config-keyword = "llm_config"
other-api-types = ["google"]
tracked-by = []
how = "install"

[index]
package = "index"
display-name = "Index"
tracked-by = []
how = "set the default"

[index.defaults.llm]
keywords = ["llm"]
set-by = ["index.Settings.llm"]
uses = ["index.Base.query"]
builds = ["index.Context.from_defaults"]

[index.defaults.embed]
keywords = ["embed_model"]
uses = ["index.Vector"]
builds = ["index.Context.from_defaults"]

[index.instances]
"index.Vector" = "index.Base"
)toml");
  REQUIRE(table.entry("agents.Agent"));
  CHECK(table.entry("agents.Agent")->config_gated);
  CHECK(table.entry("agents.Agent")->library->other_api_types == std::vector<std::string>{"google"});
  const auto* query = table.entry("index.Base.query");
  REQUIRE(query);
  REQUIRE(query->slots.size() == 1);
  CHECK(query->slots[0]->id == "llm");
  CHECK_FALSE(query->builds_default);
  const auto* context = table.entry("index.Context.from_defaults");
  REQUIRE(context);
  CHECK(context->builds_default);
  CHECK(context->slots.size() == 2);  // an LLM and an embedding model
  REQUIRE(table.instance_of("index.Vector"));
  CHECK(*table.instance_of("index.Vector") == "index.Base");
  CHECK(table.slots().size() == 2);
  CHECK(error_of("[a]\npackage = \"a\"\ndisplay-name = \"A\"\nhow = \"x\"\nconfig-gated = [\"a.C\"]\n") ==
        "rules/python/library-clients/test.toml [a]: `config-keyword` is needed by `config-gated`");
  CHECK(error_of("[a]\npackage = \"a\"\ndisplay-name = \"A\"\nhow = \"x\"\n[a.defaults.llm]\nuses = [\"a.f\"]\n") ==
        "rules/python/library-clients/test.toml [a] defaults.llm: `keywords` is missing");
}

TEST_CASE("python library clients: configurations as a call's keywords, in a positional place, from a with block") {
  const auto table = qg::python::LibraryClientTable::from_text(R"toml(
[agents]
package = "agents"
display-name = "Agents"
config-gated = ["agents.Agent", "agents.Proxy", "agents.Manager"]
config-arguments = ["agents.Wrapper"]
config-contexts = ["agents.Config"]
config-keyword = "llm_config"
tracked-by = []
entry-tracked-by = ["http_client"]
how = "install"

[agents.config-signatures.agent]
names = ["agents.Agent"]
parameters = ["name", "system_message", "llm_config"]
context = true

[agents.config-signatures.proxy]
names = ["agents.Proxy"]
parameters = ["name", "llm_config", "grader_llm_config"]
more-configs = ["grader_llm_config", "critic_llm_config"]
)toml");
  const auto* agent = table.entry("agents.Agent");
  REQUIRE(agent);
  CHECK(agent->config_gated);
  CHECK_FALSE(agent->config_arguments);
  CHECK(agent->config_position == 2);
  CHECK(agent->config_context);
  const auto* proxy = table.entry("agents.Proxy");
  REQUIRE(proxy);
  CHECK(proxy->config_position == 1);
  CHECK_FALSE(proxy->config_context);  // (context defaults to false)
  // Each further configuration in its place among `parameters`, else keyword only.
  CHECK(proxy->more_configs ==
        std::vector<std::pair<std::string, int>>{{"grader_llm_config", 2}, {"critic_llm_config", -1}});
  CHECK(agent->more_configs.empty());
  const auto* manager = table.entry("agents.Manager");
  REQUIRE(manager);
  CHECK(manager->config_position == -1);  // in no signature: keyword only
  CHECK_FALSE(manager->config_context);
  const auto* wrapper = table.entry("agents.Wrapper");
  REQUIRE(wrapper);
  CHECK(wrapper->config_gated);
  CHECK(wrapper->config_arguments);
  CHECK(wrapper->library->config_contexts == std::vector<std::string>{"agents.Config"});
  CHECK(wrapper->library->entry_tracked_by == std::vector<std::string>{"http_client"});
  const std::string head =
      "[a]\npackage = \"a\"\ndisplay-name = \"A\"\nhow = \"x\"\nconfig-gated = [\"a.C\"]\nconfig-keyword = \"llm_config\"\n";
  CHECK(error_of((head + "[a.config-signatures.c]\nnames = [\"a.D\"]\nparameters = []\n").c_str()) ==
        "rules/python/library-clients/test.toml [a] config-signatures.c: `names` names a.D, which `config-gated` does not");
  CHECK(error_of((head + "[a.config-signatures.c]\nnames = [\"a.C\"]\nparameters = [\"name\"]\n").c_str()) ==
        "rules/python/library-clients/test.toml [a] config-signatures.c: `parameters` must name `config-keyword`");
  CHECK(error_of((head + "[a.config-signatures.c]\nnames = [\"a.C\"]\ncontext = \"yes\"\n").c_str()) ==
        "rules/python/library-clients/test.toml [a] config-signatures.c: `context` must be true or false");
}

TEST_CASE("python library clients: one file per library, read in the order of their ids; an id twice is an error") {
  const char* acme = "[acme]\npackage = \"acme\"\ndisplay-name = \"Acme\"\nconstructors = [\"acme.Chat\"]\nhow = \"x\"\n";
  const char* zeta = "[zeta]\npackage = \"zeta\"\ndisplay-name = \"Zeta\"\nconstructors = [\"zeta.Chat\"]\nhow = \"x\"\n";
  const auto table = qg::python::LibraryClientTable::from_texts(
      {{"python/library-clients/zeta.toml", zeta}, {"python/library-clients/acme.toml", acme}});
  REQUIRE(table.entry("acme.Chat"));
  REQUIRE(table.entry("zeta.Chat"));
  CHECK(table.entry("zeta.Chat")->library->display_name == "Zeta");
  CHECK(table.words() == std::vector<std::string>{"acme", "quotaguard", "zeta"});
  try {
    (void)qg::python::LibraryClientTable::from_texts(
        {{"python/library-clients/acme.toml", acme}, {"python/library-clients/again.toml", acme}});
    FAIL("a table id in two files was read");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()) ==
          "rules/python/library-clients/again.toml [acme]: the table is in rules/python/library-clients/acme.toml already");
  }
}

TEST_CASE("python library clients: the embedded tables are every file of rules/python/library-clients/") {
  const auto& table = qg::python::LibraryClientTable::get();
  for (const char* entry : {"langchain_openai.ChatOpenAI", "litellm.completion", "dspy.LM", "instructor.from_provider"})
    CHECK_MESSAGE(table.entry(entry) != nullptr, entry);
}

TEST_CASE("python library clients: offline-by names, per keyword, entries of the library's own") {
  const auto table = qg::python::LibraryClientTable::from_text(R"(
[acme]
package = "acme"
display-name = "Acme"
model-gated = ["acme.complete", "acme.speak"]
openai-models = ["gpt-"]
how = "x"
[acme.offline-by]
mock_response = ["acme.complete"]
)");
  CHECK(table.entry("acme.complete")->offline_by == std::vector<std::string>{"mock_response"});
  CHECK(table.entry("acme.speak")->offline_by.empty());
  CHECK(error_of("[a]\npackage = \"a\"\ndisplay-name = \"A\"\nhow = \"x\"\nconstructors = [\"a.C\"]\n"
                 "[a.offline-by]\nmock = [\"a.D\"]\n") ==
        "rules/python/library-clients/test.toml [a] offline-by: `mock` names a.D, which neither `constructors` nor "
        "`model-gated` does");
  CHECK(error_of("[a]\npackage = \"a\"\ndisplay-name = \"A\"\nhow = \"x\"\nconstructors = [\"a.C\"]\noffline-by = 3\n") ==
        "rules/python/library-clients/test.toml [a]: `offline-by` must be a table");
}

TEST_CASE("python library clients: a default model and where it is given one instead") {
  const auto table = qg::python::LibraryClientTable::from_text(R"(
[acme]
package = "acme"
display-name = "Acme"
model-gated = ["acme.Agent", "acme.Model"]
model-keyword = "model_id"
model-position = 0
openai-models = ["openai:"]
default-model = "openai:gpt-4o"
default-unless-in = ["members"]
tracked-by = []
how = "install"
)");
  const auto* agent = table.entry("acme.Agent");
  REQUIRE(agent);
  CHECK(agent->model_gated);
  CHECK(agent->library->model_position == 0);
  CHECK(agent->library->default_model == "openai:gpt-4o");
  CHECK(agent->library->default_unless_in == std::vector<std::string>{"members"});
  CHECK(agent->library->default_unless_first.empty());
  CHECK(agent->library->default_positionals == 0);
  CHECK(error_of("[a]\npackage = \"a\"\ndisplay-name = \"A\"\nhow = \"x\"\nmodel-gated = [\"a.f\"]\nopenai-models = [\"gpt-\"]\n"
                 "default-positionals = 1\n") ==
        "rules/python/library-clients/test.toml [a]: `default-positionals` is only read with `default-model`");
  CHECK(error_of("[a]\npackage = \"a\"\ndisplay-name = \"A\"\nhow = \"x\"\nmodel-gated = [\"a.f\"]\nopenai-models = [\"gpt-\"]\n"
                 "default-model = \"gpt-4o\"\ndefault-positionals = \"one\"\n") ==
        "rules/python/library-clients/test.toml [a]: `default-positionals` must be a whole number");
  CHECK(error_of("[a]\npackage = \"a\"\ndisplay-name = \"A\"\nhow = \"x\"\nmodel-gated = [\"a.f\"]\nopenai-models = [\"gpt-\"]\n"
                 "model-position = 0\n") ==
        "rules/python/library-clients/test.toml [a]: `model-position` is only read with `model-keyword`");
  CHECK(error_of("[a]\npackage = \"a\"\ndisplay-name = \"A\"\nhow = \"x\"\nconstructors = [\"a.C\"]\ndefault-model = \"gpt-4o\"\n") ==
        "rules/python/library-clients/test.toml [a]: `default-model` is only read for `model-gated`");
  CHECK(error_of("[a]\npackage = \"a\"\ndisplay-name = \"A\"\nhow = \"x\"\nmodel-gated = [\"a.f\"]\nopenai-models = [\"gpt-\"]\n"
                 "default-unless-in = [\"members\"]\n") ==
        "rules/python/library-clients/test.toml [a]: `default-unless-in` is only read with `default-model`");
}

TEST_CASE("python library clients: a model under a dict key, and keywords that make a call build at all") {
  const auto table = qg::python::LibraryClientTable::from_text(R"(
[acme]
package = "acme"
display-name = "Acme"
model-gated = ["acme.Crew"]
model-keyword = "embedder"
model-keys = ["provider", "llm.provider"]
default-model = "openai"
built-when = { memory = ["short", "entity"], sources = [] }
openai-models = ["openai"]
tracked-by = []
how = "install"
)");
  const auto* crew = table.entry("acme.Crew");
  REQUIRE(crew);
  CHECK(crew->library->model_keys == std::vector<std::string>{"provider", "llm.provider"});
  using When = std::vector<std::pair<std::string, std::vector<std::string>>>;
  CHECK(crew->library->built_when == When{{"memory", {"short", "entity"}}, {"sources", {}}});
  CHECK(error_of("[a]\npackage = \"a\"\ndisplay-name = \"A\"\nhow = \"x\"\nmodel-gated = [\"a.f\"]\nopenai-models = [\"gpt-\"]\n"
                 "model-keys = [\"provider\"]\n") ==
        "rules/python/library-clients/test.toml [a]: `model-keys` is only read with `model-keyword`");
  CHECK(error_of("[a]\npackage = \"a\"\ndisplay-name = \"A\"\nhow = \"x\"\nmodel-gated = [\"a.f\"]\nopenai-models = [\"gpt-\"]\n"
                 "built-when = { memory = true }\n") ==
        "rules/python/library-clients/test.toml [a] built-when: `memory` must be a list of strings");
  CHECK(error_of("[a]\npackage = \"a\"\ndisplay-name = \"A\"\nhow = \"x\"\nreturns-client = [\"a.f\"]\n"
                 "built-when = { memory = [] }\n") ==
        "rules/python/library-clients/test.toml [a]: `built-when` is only read for `constructors` and `model-gated`");
}

TEST_CASE("python library clients: a callable two tables name has an entry per table, the first table's first") {
  const auto table = qg::python::LibraryClientTable::from_text(R"(
[acme-crew]
package = "acme"
display-name = "Acme"
model-gated = ["acme.Crew"]
model-keyword = "embedder"
default-model = "openai"
built-when = { memory = [] }
openai-models = ["openai"]
tracked-by = []
how = "install"

[acme-crew-planning]
package = "acme"
display-name = "Acme"
model-gated = ["acme.Crew"]
model-keyword = "planning_llm"
default-model = "gpt-4o-mini"
built-when = { planning = [] }
openai-models = ["gpt-"]
constructors = ["acme.Planner"]
tracked-by = []
how = "install"
)");
  const auto* crew = table.entry("acme.Crew");
  REQUIRE(crew);
  CHECK(crew->library->id == "acme-crew");
  REQUIRE(crew->also);
  CHECK(crew->also->library->id == "acme-crew-planning");
  CHECK(crew->also->model_gated);
  CHECK_FALSE(crew->also->also);
  // Within one table a name is one entry (the last kind written).
  const auto* planner = table.entry("acme.Planner");
  REQUIRE(planner);
  CHECK_FALSE(planner->model_gated);
  CHECK_FALSE(planner->also);
}

TEST_CASE("python library clients: builds-each names the keywords handing each client over") {
  const auto table = qg::python::LibraryClientTable::from_text(R"(
[acme]
package = "acme"
display-name = "Acme"
constructors = ["acme.Graph"]
tracked-by = ["llm_client", "llm_runtime", "embedder"]
builds-each = { llm = ["llm_client", "llm_runtime"], embedder = ["embedder"] }
how = "install"
)");
  const auto* graph = table.entry("acme.Graph");
  REQUIRE(graph);
  CHECK(graph->library->builds_each == std::vector<std::vector<std::string>>{{"embedder"}, {"llm_client", "llm_runtime"}});  // by name
  CHECK(error_of("[a]\npackage = \"a\"\ndisplay-name = \"A\"\nhow = \"x\"\nconstructors = [\"a.G\"]\n"
                 "tracked-by = [\"llm\"]\nbuilds-each = { llm = [\"llm\"], embedder = [\"embedder\"] }\n") ==
        "rules/python/library-clients/test.toml [a]: `builds-each.embedder` names `embedder`, which `tracked-by` lacks");
  CHECK(error_of("[a]\npackage = \"a\"\ndisplay-name = \"A\"\nhow = \"x\"\nconstructors = [\"a.G\"]\n"
                 "tracked-by = []\nbuilds-each = { llm = [] }\n") ==
        "rules/python/library-clients/test.toml [a]: `builds-each.llm` must name the keywords handing it over");
}

TEST_CASE("python library clients: judges load evaluators by name; each configuration names a judged one") {
  const auto table = qg::python::LibraryClientTable::from_text(R"(
[acme]
package = "acme"
display-name = "Acme"
tracked-by = []
how = "x"
judged-enums = ["acme.Kind"]
[acme.judged]
qa = ["QA", "llm"]
distance = ["DISTANCE", "embeddings"]
relevance = ["RELEVANCE", "llm", "embeddings"]
[acme.judges.load]
names = ["acme.load"]
evaluator = "evaluator"
position = 0
[acme.judges.run]
names = ["acme.run"]
evaluator = "metrics"
position = 1
list = true
parameters = ["dataset", "metrics", "llm"]
defaults = ["relevance", "qa"]
[acme.judges.config]
names = ["acme.Config"]
evaluator = "evaluators"
list = true
takes = { llm = "eval_llm" }
configs = { QA = "qa" }
)");
  const auto* load = table.entry("acme.load");
  REQUIRE(load);
  REQUIRE(load->judge);
  CHECK(load->judge->position == 0);
  CHECK(!load->judge->list);
  CHECK(load->judge->takes_all);
  CHECK(load->library->judged.size() == 3);
  CHECK(load->library->judged[1].member == "QA");  // (in the order of their names)
  CHECK(load->library->judged[2].keywords == std::vector<std::string>{"llm", "embeddings"});
  CHECK(load->judge->defaults.empty());
  const auto* run = table.entry("acme.run");
  REQUIRE(run);
  REQUIRE(run->judge);
  CHECK(run->judge->parameters == std::vector<std::string>{"dataset", "metrics", "llm"});
  CHECK(run->judge->defaults == std::vector<std::string>{"relevance", "qa"});
  const auto* config = table.entry("acme.Config");
  REQUIRE(config);
  REQUIRE(config->judge);
  CHECK(config->judge->position == -1);
  CHECK(config->judge->list);
  CHECK(!config->judge->takes_all);
  CHECK(config->judge->takes.at("llm") == "eval_llm");
  CHECK(config->judge->configs.at("QA") == "qa");
  const char* head = "[a]\npackage = \"a\"\ndisplay-name = \"A\"\nhow = \"x\"\n";
  CHECK(error_of((std::string(head) + "[a.judges.j]\nnames = [\"a.j\"]\nevaluator = \"e\"\n").c_str()) ==
        "rules/python/library-clients/test.toml [a]: `judged` is needed by `judges`");
  CHECK(error_of((std::string(head) + "[a.judged]\nqa = [\"QA\"]\n").c_str()) ==
        "rules/python/library-clients/test.toml [a]: `judged.qa` must be [its enum member, the keywords handing it]");
  CHECK(error_of((std::string(head) +
                  "[a.judged]\nqa = [\"QA\", \"llm\"]\n[a.judges.j]\nnames = [\"a.j\"]\nevaluator = \"e\"\n"
                  "configs = { Exact = \"exact\" }\n")
                     .c_str()) == "rules/python/library-clients/test.toml [a] judges.j: `configs.Exact` names exact, "
                                  "which `judged` does not");
  CHECK(error_of((std::string(head) +
                  "[a.judged]\nqa = [\"QA\", \"llm\"]\n[a.judges.j]\nnames = [\"a.j\"]\nevaluator = \"e\"\n"
                  "defaults = [\"qa\", \"exact\"]\n")
                     .c_str()) == "rules/python/library-clients/test.toml [a] judges.j: `defaults` names exact, "
                                  "which `judged` does not");
  CHECK(error_of((std::string(head) +
                  "[a.judged]\nqa = [\"QA\", \"llm\"]\n[a.judges.j]\nnames = [\"a.j\"]\nevaluator = \"e\"\nposition = -1\n")
                     .c_str()) == "rules/python/library-clients/test.toml [a] judges.j: `position` must be a whole number");
}

TEST_CASE("python library clients: a model-config entry's key, read from block-style YAML") {
  using qg::python::yaml_entry_value;
  const char* text =
      "# agents\n"
      "researcher:\n"
      "  role: >\n"
      "    Senior llm: not a key\n"
      "  llm: openai/gpt-4o-mini\n"
      "analyst:\r\n"
      "  llm: 'gpt-4o'  # quoted\r\n"
      "  tools:\n"
      "    llm: nested\n"
      "nested:\n"
      "  tools:\n"
      "    llm: gpt-4o\n"
      "flow:\n"
      "  llm: {model: gpt-4o}\n"
      "alias:\n"
      "  llm: *shared\n"
      "inline: {llm: gpt-4o}\n";
  CHECK(yaml_entry_value(text, "researcher", "llm") == "openai/gpt-4o-mini");
  CHECK(yaml_entry_value(text, "analyst", "llm") == "gpt-4o");
  CHECK(yaml_entry_value(text, "nested", "llm").empty());  // one level in only
  CHECK(yaml_entry_value(text, "flow", "llm").empty());
  CHECK(yaml_entry_value(text, "alias", "llm").empty());
  CHECK(yaml_entry_value(text, "inline", "llm").empty());
  CHECK(yaml_entry_value(text, "missing", "llm").empty());
  CHECK(yaml_entry_value(text, "researcher", "role").empty());  // a block scalar
  CHECK(yaml_entry_value("", "researcher", "llm").empty());
  CHECK(yaml_entry_value(std::string("a:\n  llm: \xff\xfe\n"), "a", "llm") == "\xff\xfe");  // bytes, not text
}
