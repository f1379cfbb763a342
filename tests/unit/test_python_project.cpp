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
