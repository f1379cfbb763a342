// Module naming and factory matching: how imports find project modules and factories.
#include <doctest/doctest.h>

#include "python/evaluator.h"
#include "python/project.h"

using namespace qg;
using namespace qg::python;

TEST_CASE("module names follow the import roots") {
  bool pkg = false;
  CHECK(module_name_for("backend/utils/openai_client_factory.py", {"backend"}) == "utils.openai_client_factory");
  CHECK(module_name_for("backend/utils/__init__.py", {"backend"}, &pkg) == "utils");
  CHECK(pkg);
  CHECK(module_name_for("scripts/tool.py", {"backend"}) == "scripts.tool");  // outside every root
  CHECK(module_name_for("src/pkg/a.py", {".", "src"}) == "pkg.a");           // longest root wins
  CHECK(module_name_for("x/y.pyi", {"./x/"}) == "y");                        // "./x/" is the root x
  CHECK(module_name_for("__init__.py", {"."}, &pkg).empty());
  CHECK(pkg);
}

TEST_CASE("dotted suffix matching between configured and imported module names") {
  CHECK(dotted_suffix_match("backend.utils.factory", "utils.factory"));
  CHECK(dotted_suffix_match("utils.factory", "backend.utils.factory"));
  CHECK(dotted_suffix_match("a.b", "a.b"));
  CHECK_FALSE(dotted_suffix_match("myutils.factory", "utils.factory"));
  CHECK_FALSE(dotted_suffix_match("a.b", ""));
}

TEST_CASE("factories: configured ones and the shipped package") {
  Config config;
  config.factory.sync = {FactoryFunction{"utils.openai_client_factory", "get_openai_client"},
                         FactoryFunction{"utils.enhanced", "get_client"}};
  config.factory.modules = {"backend/legacy/*.py", "clients.wrapper"};
  Project project(config);
  CHECK(project.factory("utils.openai_client_factory", "get_openai_client") == ClientKind::Sync);
  CHECK(project.factory("backend.utils.openai_client_factory.get_openai_client") == ClientKind::Sync);
  CHECK_FALSE(project.factory("utils.openai_client_factory", "get_async_openai_client"));
  CHECK(project.factory("utils.enhanced.get_client") == ClientKind::Sync);
  CHECK(project.factory("quotaguard.async_azure_openai_client") == ClientKind::AsyncAzure);
  CHECK(project.is_factory_module("utils.openai_client_factory", "utils/openai_client_factory.py"));
  CHECK(project.is_factory_module("legacy.old", "backend/legacy/old.py"));
  CHECK(project.is_factory_module("clients.wrapper", "clients/wrapper.py"));
  CHECK_FALSE(project.is_factory_module("app.views", "app/views.py"));
}

TEST_CASE("response wrappers are not part of the API name") {
  CHECK(strip_response_wrappers("chat.completions.with_raw_response.create") == "chat.completions.create");
  CHECK(strip_response_wrappers("with_streaming_response.post") == "post");
  CHECK(strip_response_wrappers("embeddings.create") == "embeddings.create");
}

TEST_CASE("import roots found without configuration: the first root that has the module wins") {
  Config config;  // src = ["."]
  Project project(config);
  const char* files[] = {
      "src/acme/__init__.py",   "src/acme/clients.py",  // src/ layout
      "src/ns/part.py",                                 // a namespace package in src/
      "pkg_slim/pkg/__init__.py", "pkg_slim/pkg/x.py",  // a package in a sub-folder
      "a/near/pkg/__init__.py", "a/near/pkg/x.py",      // another `pkg`, nearer a/app.py
      "scripts/helper.py",      "scripts/run.py",       // a script and its helper
      "helper2.py",             "tools/helper2.py",     // the scan root wins over a script's folder
      "examples/openai.py",     "src/openai/__init__.py",  // never the openai package
      "vendor_like/lib/__init__.py",
  };
  for (const char* f : files) {
    bool pkg = false;
    const std::string name = module_name_for(f, config.src, &pkg);
    project.add_module_name(name);
    project.add_file(f, name, pkg, std::string_view(f).starts_with("vendor_like/"));
  }
  project.index_roots();
  CHECK(project.resolve("tests/test_a.py", "acme.clients") == "src.acme.clients");
  CHECK(project.resolve("tests/test_a.py", "acme") == "src.acme");
  CHECK(project.resolve("tests/test_a.py", "ns.part") == "src.ns.part");
  CHECK(project.resolve("tests/test_a.py", "ns") == "src.ns");
  CHECK(project.resolve("app/main.py", "pkg.x") == "pkg_slim.pkg.x");
  CHECK(project.resolve("a/app.py", "pkg.x") == "a.near.pkg.x");  // most folders in common
  CHECK(project.resolve("scripts/run.py", "helper") == "scripts.helper");
  CHECK(project.resolve("other/run.py", "helper").empty());  // not that script's folder
  CHECK(project.resolve("tools/run.py", "helper2") == "helper2");
  CHECK(project.resolve("pkg_slim/pkg/x.py", "pkg") == "pkg_slim.pkg");
  CHECK(project.resolve("examples/demo.py", "openai").empty());
  CHECK(project.resolve("app/main.py", "openai").empty());
  CHECK(project.resolve("app/main.py", "lib").empty());  // vendored: no root
  CHECK(project.resolve("app/main.py", "requests").empty());
  CHECK(project.resolve("app/main.py", "src.acme") == "src.acme");  // as before
}

TEST_CASE("a project package named like a modelled library is the project's where it is no copy of it") {
  Config config;  // src = ["."]
  Project project(config);
  const char* files[] = {
      // agentops' app/e2e/sdk-api/src/agents/: another package named `agents`
      "e2e/src/agents/__init__.py", "e2e/src/agents/multi.py", "e2e/src/agents/solo.py", "e2e/src/test_multi.py",
      // the Agents SDK's own source: it holds modules the model knows (agents.run, agents.models...)
      "sdk/src/agents/__init__.py", "sdk/src/agents/run.py", "sdk/src/agents/multi.py", "sdk/src/use.py",
      // never the openai package, even with a submodule the catalogue does not know
      "e2e/src/openai/__init__.py", "e2e/src/openai/helpers.py",
  };
  for (const char* f : files) {
    bool pkg = false;
    const std::string name = module_name_for(f, config.src, &pkg);
    project.add_module_name(name);
    project.add_file(f, name, pkg, false);
  }
  project.index_roots();
  CHECK(project.resolve("e2e/src/test_multi.py", "agents.multi") == "e2e.src.agents.multi");
  CHECK(project.resolve("e2e/src/test_multi.py", "agents").empty());      // the package itself: the SDK
  CHECK(project.resolve("e2e/src/test_multi.py", "agents.run").empty());  // none here: not the SDK's either
  CHECK(project.resolve("sdk/src/use.py", "agents.multi").empty());       // the SDK's own source
  CHECK(project.resolve("sdk/src/agents/run.py", "agents.multi").empty());
  CHECK(project.resolve("tests/test_x.py", "agents.solo") == "e2e.src.agents.solo");  // only there
  CHECK(project.resolve("e2e/test_x.py", "agents.multi") == "e2e.src.agents.multi");  // nearest
  CHECK(project.resolve("sdk/test_x.py", "agents.multi").empty());  // nearest is the SDK's
  CHECK(project.resolve("e2e/src/test_multi.py", "openai.helpers").empty());
}
