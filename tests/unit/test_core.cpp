// Unit tests for the small core pieces the analysers rely on.
#include <doctest/doctest.h>

#include "core/catalogue.h"
#include "core/line_index.h"
#include "core/rule_selection.h"
#include "core/scan_result.h"
#include "core/source_text.h"
#include "core/suppression.h"
#include "core/text_search.h"

using namespace qg;

TEST_CASE("suppression comments") {
  auto s = parse_suppression("# quotaguard: ignore[QG001, QG004] migrating in Q3");
  REQUIRE(s);
  CHECK_FALSE(s->all);
  CHECK(s->covers("QG001"));
  CHECK(s->covers("QG004"));
  CHECK_FALSE(s->covers("QG002"));
  auto bare = parse_suppression("// quotaguard: ignore");
  REQUIRE(bare);
  CHECK(bare->all);
  CHECK(parse_suppression("# quotaguard: ignore - test double")->all);
  CHECK_FALSE(parse_suppression("# quotaguard: ignored"));
  CHECK_FALSE(parse_suppression("# noqa: QG001"));
  CHECK_FALSE(parse_suppression("# quotaguard: ignore[QG001"));

  SuppressionMap map;
  map.add(3, *parse_suppression("# quotaguard: ignore[QG001]"));
  Finding f;
  f.rule = "QG001";
  f.range.line = 1;
  f.range.end_line = 3;  // a multi-line construction: the comment may sit on its last line
  CHECK(map.suppresses(f));
  f.rule = "QG004";
  CHECK_FALSE(map.suppresses(f));
}

TEST_CASE("UTF-8 validation") {
  CHECK(find_invalid_utf8("plain ascii") == std::string_view::npos);
  CHECK(find_invalid_utf8("caf\xc3\xa9 \xf0\x9f\x98\x80") == std::string_view::npos);
  CHECK(find_invalid_utf8("caf\xe9") == 3);
  CHECK(find_invalid_utf8("\xc0\xaf") == 0);          // overlong
  CHECK(find_invalid_utf8("\xed\xa0\x80") == 0);      // surrogate
  CHECK(find_invalid_utf8("ok\xf4\x90\x80\x80") == 2);  // > U+10FFFF
  CHECK(find_invalid_utf8("\xe2\x82") == 0);          // truncated
}

TEST_CASE("source text classification") {
  CHECK(make_source("x = 1\n", 100).ok());
  CHECK(make_source(std::string("a\0b", 3), 100).skip_reason.starts_with("binary"));
  CHECK(make_source(std::string(200, 'x'), 100).skip_reason.starts_with("file too large"));
  auto bom = make_source("\xEF\xBB\xBFimport openai\n", 100);
  CHECK(bom.ok());
  CHECK(bom.bom_length == 3);
  CHECK(bom.code() == "import openai\n");
}

TEST_CASE("line index counts code points") {
  LineIndex idx("ab\nc\xc3\xa9z\n");
  CHECK(idx.line_of(0) == 1);
  CHECK(idx.line_of(3) == 2);
  CHECK(idx.column_of(6) == 3);  // 'z' after a two-byte 'é'
  auto r = idx.range(3, 7);
  CHECK(r.line == 2);
  CHECK(r.end_column == 4);
  CHECK(idx.line_text(2) == "c\xc3\xa9z");
}

TEST_CASE("whole-word search") {
  CHECK(contains_word("import openai\n", "openai"));
  CHECK(contains_word("https://api.openai.com/v1", "openai"));
  CHECK_FALSE(contains_word("from langchain_openai import x", "openai"));
  CHECK_FALSE(contains_word("openai_client_factory", "openai"));
  CHECK(contains_word("x = openai", "openai"));
}

TEST_CASE("rule selection") {
  RuleSelection all({}, {});
  CHECK(all.enabled("QG001"));
  RuleSelection some({"QG00"}, {"QG007"});
  CHECK(some.enabled("QG004"));
  CHECK_FALSE(some.enabled("QG007"));
  CHECK(is_rule_selector("QG001"));
  CHECK(is_rule_selector("QG"));
  CHECK_FALSE(is_rule_selector("QG9"));
  CHECK_FALSE(is_rule_selector("E501"));
}

TEST_CASE("coverage arithmetic keeps unresolved apart") {
  std::vector<CallSite> calls{{"a.py", {}, "chat.completions.create", CallStatus::Tracked, Provenance::Factory},
                              {"a.py", {}, "embeddings.create", CallStatus::Untracked, Provenance::Direct},
                              {"b/c.py", {}, "embeddings.create", CallStatus::Unresolved, Provenance::Unknown}};
  auto cov = compute_coverage(calls, {});
  CHECK(cov.calls.tracked == 1);
  CHECK(cov.calls.untracked == 1);
  CHECK(cov.calls.unresolved == 1);
  CHECK(*cov.calls.percent() == doctest::Approx(50.0));
  CHECK(*cov.calls.percent(Unresolved::Untracked) == doctest::Approx(100.0 / 3));
  CHECK(cov.by_folder.size() == 2);
  CHECK(cov.by_family.size() == 2);
}

TEST_CASE("a percentage with nothing under it has no value, never 100") {
  CHECK_FALSE(CoverageCounts{}.percent());
  CHECK_FALSE(ClientCounts{}.percent());
  CHECK(percent_text(CoverageCounts{}.percent()) == "n/a");
  // Only unresolved sites: nothing tracked or untracked to divide by; counted as untracked, 0%.
  const CoverageCounts unresolved_only{0, 0, 2};
  CHECK_FALSE(unresolved_only.percent());
  CHECK(percent_text(unresolved_only.percent(Unresolved::Untracked)) == "0.0%");
  std::vector<CallSite> calls{{"a.py", {}, "embeddings.create", CallStatus::Unresolved, Provenance::Unknown}};
  std::vector<ClientSite> clients{{"b.py", {}, Provenance::Direct, ClientKind::Sync}};
  const auto cov = compute_coverage(calls, clients);
  for (const auto& row : cov.by_file) {
    INFO(row.key);
    CHECK_FALSE(row.calls.percent());  // a.py: unresolved only; b.py: no call at all
  }
  CHECK(percent_text(cov.by_file[1].clients.percent()) == "0.0%");
  CHECK_FALSE(cov.by_file[0].clients.percent());
}

TEST_CASE("catalogue integrity") {
  const auto& cat = Catalogue::get();
  CHECK(cat.rules().size() == 10);
  for (const auto& r : cat.rules()) {
    INFO(r.id);
    CHECK_FALSE(r.summary.empty());
    CHECK_FALSE(r.what.empty());
    CHECK_FALSE(r.fix.empty());
  }
  CHECK(cat.api_methods().size() >= 300);
  for (auto api : {"chat.completions.create", "embeddings.create", "images.generate", "audio.transcriptions.create",
                   "beta.assistants.create", "beta.threads.create", "beta.threads.runs.create", "files.create",
                   "vector_stores.create", "vector_stores.files.upload_and_poll", "moderations.create"})
    CHECK_MESSAGE(cat.api_method(api), api);
  CHECK(cat.is_resource("beta"));
  CHECK(cat.is_resource("beta.threads.runs"));
  // The 1.x surface is there too (openai 1.21-1.65 had vector stores under beta).
  CHECK(cat.api_method("beta.vector_stores.files.create"));
  CHECK(cat.api_method("beta.assistants.files.list"));
  CHECK(cat.api_method("fine_tunes.create"));
  CHECK(cat.is_client_member("with_options"));
  CHECK(cat.is_client_member("_client"));
  CHECK_FALSE(cat.is_client_member("chat"));
  CHECK(cat.is_resource_call("chat.completions.create"));
  CHECK(cat.is_resource_call("beta.new_resource.create"));
  CHECK_FALSE(cat.is_resource_call("close"));
  CHECK_FALSE(cat.is_resource_call("base_url.copy_with"));
  CHECK_FALSE(cat.is_resource_call("webhooks.unwrap"));
  CHECK_FALSE(cat.is_resource_call("files._client.get"));
  CHECK_FALSE(cat.is_resource_call("completions._client._configure_realtime"));
  CHECK(cat.client_class("openai.lib.azure.AsyncAzureOpenAI")->kind == ClientKind::AsyncAzure);
  CHECK(cat.legacy_method("ChatCompletion.acreate")->v1_api == "chat.completions.create");
  CHECK(cat.legacy_method("Image.create_edit")->v1_api == "images.edit");
  CHECK(cat.api_for_url("https://api.openai.com/v1/chat/completions") == "chat.completions.create");
  CHECK(cat.api_for_url("https://x.openai.azure.com/openai/deployments/gpt4/embeddings?api-version=1") ==
        "embeddings.create");
  CHECK(cat.api_for_url("https://api.openai.com/v1/").empty());
}
