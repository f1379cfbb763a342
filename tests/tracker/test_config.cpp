// The tracker config: TOML file and JSON overrides, every key and type checked, errors that
// say where and suggest the key that was meant.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tracker_config.h"

using namespace qg::tracker;

namespace {
struct TempFile {
  std::string path;
  explicit TempFile(const std::string& text) {
    path = (std::filesystem::temp_directory_path() / ("qg_cfg_" + std::to_string(::getpid()) + ".toml")).string();
    std::ofstream(path) << text;
  }
  ~TempFile() { std::filesystem::remove(path); }
};

std::string load_error(const std::string& toml, const std::string& overrides = "") {
  TempFile f(toml);
  Config c;
  std::string effective, err;
  CHECK_FALSE(load_config(f.path, overrides, c, effective, err));
  return err.substr(0, f.path.size()) == f.path ? "FILE" + err.substr(f.path.size()) : err;
}
}  // namespace

TEST_CASE("config: JSON shape, per-workspace budgets, accounts") {
  Config c;
  std::string err;
  REQUIRE(parse_config_json(R"({"tracker":{"db":"x.db","quota_scope":"workspace"},
      "budgets":{"global":{"usd_per_month":100},"workspace":{"requests_per_minute":60},
                 "workspaces":{"acme":{"tokens_per_day":5000}}},
      "thresholds":{"warning":0.5,"critical":0.9},"alerts":{"webhook":"http://127.0.0.1:1/h"}})", c, err));
  CHECK(c.db_path == "x.db");
  CHECK_FALSE(c.quota_scope_global);
  CHECK(c.global.usd[kMonth] == 100);
  CHECK(c.default_workspace.requests[kMinute] == 60);
  CHECK(c.limits_for("acme").tokens[kDay] == 5000);
  CHECK(c.limits_for("other").requests[kMinute] == 60);
  CHECK(c.warning == 0.5);
  Config f;
  REQUIRE(parse_config_json(R"({"policy":{"on_exhausted":"failover","accounts":[{"name":"b","api_key_env":"K"}]}})", f, err));
  CHECK(f.accounts == std::vector<std::string>{"b"});
}

TEST_CASE("config: errors name the place, the key and what was meant") {
  CHECK(load_error("[tracker]\ndb = \"h.db\"\n\n[budgets.global]\nusd_per_dya = 5\n") ==
        "FILE:5: unknown key 'usd_per_dya' in [budgets.global]; did you mean 'usd_per_day'?");
  CHECK(load_error("[budgets.workspaces.acme]\nrequests_per_minut = 2\n") ==
        "FILE:2: unknown key 'requests_per_minut' in [budgets.workspaces.acme]; did you mean 'requests_per_minute'?");
  CHECK(load_error("[polcy]\non_exhausted = \"raise\"\n") == "FILE:1: unknown table 'polcy'; did you mean 'policy'?");
  CHECK(load_error("[tracker]\nzzz = 1\n") == "FILE:2: unknown key 'zzz' in [tracker]");
  CHECK(load_error("[budgets.global]\nusd_per_day = \"fifty\"\n") ==
        "FILE:2: budgets.global.usd_per_day must be a number, not a string");
  CHECK(load_error("[tracker]\nflush_interval_ms = 1.5\n") == "FILE:2: tracker.flush_interval_ms must be an integer, not a number");
  CHECK(load_error("[policy]\non_exhausted = \"pray\"\n") ==
        "FILE:2: policy.on_exhausted must be \"raise\", \"failover\" or \"allow\"");
  CHECK(load_error("[policy]\non_exhausted = \"failover\"\n") ==
        "FILE:2: policy.on_exhausted = \"failover\" needs policy.accounts to fail over to");
  CHECK(load_error("[tracker\n").rfind("FILE:1: ", 0) == 0);  // TOML syntax
  CHECK(load_error("", R"({"budgets":{"global":{"usd_per_dya":1}}})") ==
        "configure(budgets=...): unknown key 'usd_per_dya' in [budgets.global]; did you mean 'usd_per_day'?");
  CHECK(load_error("", R"({"policy":{"on_exhausted":"fallback"}})").find("policy.fallback_model") != std::string::npos);
  Config c;
  std::string err;
  CHECK_FALSE(parse_config_json("not json", c, err));
  CHECK(err.rfind("configure()", 0) == 0);
}

TEST_CASE("config: relative paths are relative to the file; overrides win") {
  TempFile f("[tracker]\ndb = \"hist.db\"\n[alerts]\njsonl = \"/abs/a.jsonl\"\n[budgets.global]\nusd_per_day = 5\n");
  Config c;
  std::string effective, err;
  REQUIRE(load_config(f.path, R"({"budgets":{"global":{"usd_per_day":7}}})", c, effective, err));
  CHECK(c.db_path == (std::filesystem::path(f.path).parent_path() / "hist.db").string());
  CHECK(c.alerts_jsonl == "/abs/a.jsonl");
  CHECK(c.global.usd[kDay] == 7);
  CHECK(effective.find("\"usd_per_day\":7") != std::string::npos);
}
