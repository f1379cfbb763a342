// The Python frontend's library model (rules/python/libraries.toml, startup.toml): a library that
// builds its own client is data, and malformed data is an error naming the file and key.
#include <doctest/doctest.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "python/library_model.h"

namespace {

constexpr const char* kStartup = "app-constructors = [\"FastAPI\"]\ntest-paths = [\"tests\", \"test_*.py\"]\n";

constexpr const char* kAcme = R"(
[acme]
package = "acme"
display-name = "Acme agents"
family = "acme"
parameters = ["crew", "task"]
agent = "crew"
fix-setter = "acme:use_client"
installers = ["quotaguard.acme.install"]
[acme.entry-points]
"acme.Crew.kickoff" = "acme.kickoff"
[[acme.default-setters]]
names = ["acme.use_client"]
argument = 0
[acme.holders.crew]
role = "agent"
names = ["acme.Crew"]
model = "llm"
links = []
copies = ["copy", "with_llm"]
)";

std::string error_of(const char* libraries) {
  try {
    (void)qg::python::LibraryModel::from_texts(libraries, kStartup);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("python library model: another library is a table, its copy methods data") {
  const auto m = qg::python::LibraryModel::from_texts(kAcme, kStartup);
  const auto [lib, api] = m.entry_point("acme.Crew.kickoff");
  REQUIRE(lib);
  CHECK(*api == "acme.kickoff");
  CHECK(m.library_of_api("acme.kickoff") == lib);
  CHECK(m.default_setter("acme.use_client").first == lib);
  CHECK(m.installer("quotaguard.acme.install") == lib);
  CHECK(m.is_class("acme.Crew"));
  CHECK(m.is_copy_method("acme.Crew.with_llm"));
  CHECK_FALSE(m.is_copy_method("acme.Crew.kickoff"));
  CHECK_FALSE(m.is_copy_method("acme.Other.copy"));
  CHECK_FALSE(m.is_copy_method("copy"));
  CHECK(m.entry_point_members().contains("kickoff"));
  CHECK(m.is_test_path("pkg/tests/x.py"));
  CHECK(m.is_test_path("test_app.py"));
  CHECK_FALSE(m.is_test_path("app/main.py"));
}

TEST_CASE("python library model: malformed data names the file and key") {
  const std::string acme = kAcme;
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = acme;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  CHECK(error_of(with("copies = [\"copy\", \"with_llm\"]", "copies = \"copy\"").c_str()).find("holders.crew: `copies`") !=
        std::string::npos);
  CHECK(error_of(with("role = \"agent\"", "role = \"boss\"").c_str()).find("`role`") != std::string::npos);
  CHECK(error_of(with("fix-setter = \"acme:use_client\"", "fix-setter = \"use_client\"").c_str()).find("`fix-setter`") !=
        std::string::npos);
  CHECK(error_of(with("role = \"agent\"", "role = \"agent\"\nroutes-by-prefix = \"yes\"").c_str()).find("`routes-by-prefix`") !=
        std::string::npos);
  CHECK(error_of("[acme\n").find("rules/python/libraries.toml:") == 0);
}

TEST_CASE("python library model: the shipped rules know the Agents SDK") {
  const auto& m = qg::python::LibraryModel::get();
  CHECK(m.entry_point("agents.Runner.run_streamed").first);
  CHECK(m.default_setter("agents.set_default_openai_client").first);
  CHECK(m.installer("quotaguard.agents.install"));
  CHECK(m.is_copy_method("agents.Agent.clone"));
  CHECK(m.holder("agents.OpenAIProvider").second->role == qg::python::Holder::Role::Provider);
  CHECK_FALSE(m.holder("agents.OpenAIProvider").second->routes_by_prefix);
  CHECK(m.holder("agents.MultiProvider").second->routes_by_prefix);
  const auto& prefixes = m.entry_point("agents.Runner.run").first->other_library_prefixes;
  CHECK(std::find(prefixes.begin(), prefixes.end(), "litellm/") != prefixes.end());
}

TEST_CASE("python library model: a holder may name the attribute it keeps its client as") {
  std::string acme = kAcme;
  acme += "[acme.holders.model]\nrole = \"model\"\nnames = [\"acme.Model\"]\nparameters = [\"name\", \"client\"]\n"
          "client = \"client\"\nclient-attribute = \"client\"\n";
  const auto m = qg::python::LibraryModel::from_texts(acme, kStartup);
  const auto* h = m.holder("acme.Model").second;
  REQUIRE(h);
  CHECK(h->client_attribute == "client");
  CHECK(m.holder("acme.Crew").second->client_attribute.empty());
  const std::string without_client = std::string(kAcme) + "[acme.holders.model]\nrole = \"model\"\nnames = [\"acme.Model\"]\n"
                                                          "client-attribute = \"client\"\n";
  CHECK(error_of(without_client.c_str()).find("holders.model: `client-attribute` needs `client`") != std::string::npos);
}
