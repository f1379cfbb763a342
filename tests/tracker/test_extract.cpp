#include <doctest/doctest.h>

#include <random>
#include <string>

#include <quotaguard/tracker.hpp>

#include "extract.h"
#include "json_scan.h"

using namespace qg::tracker;

namespace {
const char* kChat = R"({"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion","created":1741570283,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"role":"assistant","content":"The image shows a wooden boardwalk \"path\" \u00e9 through\nmeadows.","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":1117,"completion_tokens":46,"total_tokens":1163,"prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":12,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_fc9f1d7035"})";
const char* kResponses = R"({"id":"resp_67ccd2bed1ec8190","object":"response","created_at":1741476542,"status":"completed","model":"gpt-4.1-2025-04-14","output":[{"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[{"type":"output_text","text":"In a peaceful grove...","annotations":[]}]}],"usage":{"input_tokens":36,"input_tokens_details":{"cached_tokens":0},"output_tokens":87,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":123}})";
}  // namespace

TEST_CASE("extract: chat completion JSON") {
  auto u = extract_response(UsageKind::chat, "application/json", kChat);
  CHECK(u.has_usage);
  CHECK(u.model == "gpt-4o-2024-08-06");
  CHECK(u.input == 1117);
  CHECK(u.output == 46);
  CHECK(u.cached == 1024);
  CHECK(u.reasoning == 12);
  CHECK_FALSE(u.malformed);
}

TEST_CASE("extract: responses, embeddings, images, audio, runs, batches") {
  auto r = extract_response(UsageKind::responses, "application/json", kResponses);
  CHECK(r.input == 36);
  CHECK(r.output == 87);
  CHECK(r.model == "gpt-4.1-2025-04-14");
  CHECK(r.id == "resp_67ccd2bed1ec8190");
  CHECK(r.status == "completed");

  auto e = extract_response(UsageKind::embeddings, "application/json",
      R"({"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.0023064255,-0.009327292,-1e-5]}],"model":"text-embedding-3-small","usage":{"prompt_tokens":8,"total_tokens":8}})");
  CHECK(e.input == 8);
  CHECK(e.output == 0);

  auto img = extract_response(UsageKind::images, "application/json",
      R"({"created":1713833628,"data":[{"b64_json":"aGVsbG8="},{"b64_json":"aGVsbG8="}],"usage":{"total_tokens":100,"input_tokens":50,"output_tokens":50,"input_tokens_details":{"text_tokens":10,"image_tokens":40}}})");
  CHECK(img.images == 2);
  CHECK(img.input == 50);
  auto dalle = extract_response(UsageKind::images, "application/json", R"({"created":1,"data":[{"url":"https://x/y.png","revised_prompt":"a cat"}]})");
  CHECK(dalle.images == 1);
  CHECK_FALSE(dalle.has_usage);

  auto tok = extract_response(UsageKind::audio_transcriptions, "application/json",
      R"({"text":"Imagine the wildest idea.","usage":{"type":"tokens","input_tokens":14,"input_token_details":{"text_tokens":0,"audio_tokens":14},"output_tokens":45,"total_tokens":59}})");
  CHECK(tok.input == 14);
  CHECK(tok.output == 45);
  auto dur = extract_response(UsageKind::audio_transcriptions, "application/json",
      R"({"text":"hello","usage":{"type":"duration","seconds":9}})");
  CHECK(dur.audio_ms == 9000);
  auto verbose = extract_response(UsageKind::audio_transcriptions, "application/json",
      R"({"task":"transcribe","language":"english","duration":8.470000267028809,"text":"The beach","segments":[]})");
  CHECK(verbose.audio_ms == 8470);

  auto run = extract_response(UsageKind::runs, "application/json",
      R"({"id":"run_abc123","object":"thread.run","status":"completed","model":"gpt-4o","usage":{"prompt_tokens":123,"completion_tokens":456,"total_tokens":579}})");
  CHECK(run.input == 123);
  CHECK(run.output == 456);
  auto queued = extract_response(UsageKind::runs, "application/json", R"({"id":"run_1","object":"thread.run","status":"queued","usage":null})");
  CHECK_FALSE(queued.has_usage);

  auto batch = extract_response(UsageKind::batches, "application/json",
      R"({"id":"batch_1","object":"batch","status":"completed","usage":{"input_tokens":1000,"input_tokens_details":{"cached_tokens":100},"output_tokens":500,"output_tokens_details":{"reasoning_tokens":50},"total_tokens":1500}})");
  CHECK(batch.input == 1000);
  CHECK(batch.cached == 100);
  CHECK(batch.reasoning == 50);
}

TEST_CASE("extract: 429 bodies of both kinds") {
  auto q = extract_response(UsageKind::chat, "application/json",
      R"({"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}})");
  CHECK(q.error_type == "insufficient_quota");
  CHECK(q.error_code == "insufficient_quota");
  auto old = extract_response(UsageKind::chat, "application/json",
      R"({"error":{"message":"You exceeded your current quota","type":"insufficient_quota","param":null,"code":null}})");
  CHECK(old.error_type == "insufficient_quota");
  CHECK(old.error_code.empty());
  auto rl = extract_response(UsageKind::chat, "application/json",
      R"({"error":{"message":"Rate limit reached for gpt-4 on tokens per min (TPM): Limit 10000.","type":"tokens","param":null,"code":"rate_limit_exceeded"}})");
  CHECK(rl.error_code == "rate_limit_exceeded");
}

TEST_CASE("extract: SSE streams") {
  std::string chat =
      "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}],\"usage\":null}\n\n"
      "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}],\"usage\":null}\n\n"
      "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}\n\n"
      "data: [DONE]\n\n";
  auto u = extract_response(UsageKind::chat, "text/event-stream", chat);
  CHECK(u.complete);
  CHECK(u.has_usage);
  CHECK(u.input == 9);
  CHECK(u.output == 2);
  CHECK(u.model == "gpt-4o-mini");

  std::string no_usage =
      "data: {\"id\":\"c1\",\"model\":\"gpt-4o\",\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n"
      "data: {\"id\":\"c1\",\"model\":\"gpt-4o\",\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\n\n"
      "data: [DONE]\n\n";
  auto n = extract_response(UsageKind::chat, "text/event-stream", no_usage);
  CHECK_FALSE(n.has_usage);
  CHECK(n.complete);
  CHECK(n.deltas == 2);

  // Framed as the API frames it: the role chunk and the finish chunk carry no token.
  std::string framed =
      "data: {\"id\":\"c1\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"finish_reason\":null}]}\n\n"
      "data: {\"id\":\"c1\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\": {\"content\": \"Hel\"},\"finish_reason\":null}]}\n\n"
      "data: {\"id\":\"c1\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"a\"}}]},\"finish_reason\":null}]}\n\n"
      "data: {\"id\":\"c1\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
      "data: [DONE]\n\n";
  CHECK(extract_response(UsageKind::chat, "text/event-stream", framed).deltas == 2);

  std::string resp =
      "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\",\"status\":\"in_progress\",\"model\":\"o3\",\"usage\":null}}\n\n"
      "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"Hel\"}\n\n"
      "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\",\"status\":\"completed\",\"model\":\"o3\",\"usage\":{\"input_tokens\":20,\"input_tokens_details\":{\"cached_tokens\":5},\"output_tokens\":30,\"output_tokens_details\":{\"reasoning_tokens\":10},\"total_tokens\":50}}}\n\n";
  auto r = extract_response(UsageKind::responses, "text/event-stream", resp);
  CHECK(r.complete);
  CHECK(r.input == 20);
  CHECK(r.cached == 5);
  CHECK(r.output == 30);
  CHECK(r.reasoning == 10);
  CHECK(r.model == "o3");

  auto cut = extract_response(UsageKind::responses, "text/event-stream", resp.substr(0, resp.find("event: response.completed")));
  CHECK_FALSE(cut.complete);
  CHECK_FALSE(cut.has_usage);
  CHECK(cut.deltas == 1);

  std::string incomplete = "data: {\"type\":\"response.incomplete\",\"response\":{\"id\":\"r\",\"status\":\"incomplete\",\"usage\":{\"input_tokens\":3,\"output_tokens\":4}}}\n\n";
  auto inc = extract_response(UsageKind::responses, "text/event-stream", incomplete);
  CHECK(inc.complete);
  CHECK(inc.output == 4);
}

TEST_CASE("extract: request bodies") {
  auto r = extract_request(UsageKind::chat, "application/json",
      R"({"messages":[{"role":"user","content":"hi"}],"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true}})");
  CHECK(r.model == "gpt-4o");
  CHECK(r.stream);
  CHECK(r.include_usage);
  CHECK((r.text_chars == 2 && r.messages == 1));
  // The prompt text an estimate reads: contents and text parts, never roles, types, urls or ids.
  auto parts = extract_request(UsageKind::chat, "application/json",
      R"({"model":"gpt-4o","messages":[{"role":"system","content":"be brief"},)"
      R"({"role":"user","content":[{"type":"text","text":"what is this?"},{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]})");
  CHECK((parts.text_chars == 8 + 13 && parts.messages == 2));
  auto responses = extract_request(UsageKind::responses, "application/json",
      R"({"model":"o3","instructions":"terse","input":[{"role":"user","content":[{"type":"input_text","text":"hello"}]}]})");
  CHECK((responses.text_chars == 5 + 5 && responses.messages == 0));
  auto embed = extract_request(UsageKind::embeddings, "application/json", R"({"model":"e","input":["ab","cde"]})");
  CHECK(embed.text_chars == 5);
  auto s = extract_request(UsageKind::audio_speech, "application/json", R"({"model":"tts-1","input":"h\u00e9llo\n w\u00f6rld \ud83d\ude00","voice":"alloy"})");
  CHECK(s.model == "tts-1");
  CHECK(s.characters == 14);
  std::string mp =
      "--b0undary\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n"
      "--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp3\"\r\nContent-Type: audio/mpeg\r\n\r\n"
      + std::string(1000, 'x') + "\r\n--b0undary--\r\n";
  auto m = extract_request(UsageKind::audio_transcriptions, "multipart/form-data; boundary=b0undary", mp);
  CHECK(m.model == "whisper-1");
  CHECK(m.upload_bytes == 1000);
}

TEST_CASE("extract: malformed, truncated and hostile input never crashes") {
  std::string body = kChat;
  for (std::size_t cut = 0; cut < body.size(); ++cut) {
    auto u = extract_response(UsageKind::chat, "application/json", body.substr(0, cut));
    CHECK((u.malformed || cut == 0));
  }
  std::string deep(100000, '[');
  CHECK(extract_response(UsageKind::chat, "application/json", deep).malformed);
  std::string deep_obj;
  for (int i = 0; i < 10000; ++i) deep_obj += "{\"a\":";
  CHECK(extract_response(UsageKind::chat, "application/json", deep_obj).malformed);
  CHECK(extract_response(UsageKind::chat, "application/json", "{\"usage\":{\"prompt_tokens\":99999999999999999999999}}").input == 0);
  CHECK(extract_response(UsageKind::chat, "application/json", "{\"usage\":{\"prompt_tokens\":-5}}").input == 0);
  CHECK(extract_response(UsageKind::chat, "application/json", "{\"a\":\"x}").malformed);
  CHECK(extract_response(UsageKind::chat, "application/json", "{\"usage\":{\"prompt_tokens\":1}} x").malformed);
  CHECK(extract_response(UsageKind::chat, "application/octet-stream", std::string("\xff\xd8\x00\x01", 4)).has_usage == false);
  std::mt19937 rng(42);
  for (int i = 0; i < 20000; ++i) {  // random mutations of real bodies (the fuzz target's seed corpus)
    std::string m = (i % 2) ? body : std::string(kResponses);
    for (int k = 0; k < 4; ++k) m[rng() % m.size()] = static_cast<char>(rng());
    auto u = extract_response(i % 3 ? UsageKind::chat : UsageKind::responses, i % 5 ? "application/json" : "text/event-stream", m);
    CHECK(u.cached <= u.input);
  }
}

TEST_CASE("extract: go durations") {
  CHECK(parse_go_duration_ms("6m0s") == 360000);
  CHECK(parse_go_duration_ms("1s") == 1000);
  CHECK(parse_go_duration_ms("12ms") == 12);
  CHECK(parse_go_duration_ms("1.5s") == 1500);
  CHECK(parse_go_duration_ms("1h2m3s") == 3723000);
  CHECK(parse_go_duration_ms("abc") == -1);
  CHECK(parse_go_duration_ms("") == -1);
}

TEST_CASE("extract: usage numbers that are not counts are flagged, never read as other numbers") {
  auto body = [](const char* in, const char* out) {
    return std::string(R"({"id":"c","model":"gpt-4o","usage":{"prompt_tokens":)") + in + R"(,"completion_tokens":)" + out + "}}";
  };
  auto ok = extract_response(UsageKind::chat, "application/json", body("12", "34"));
  CHECK((ok.has_usage && !ok.absurd && ok.input == 12 && ok.output == 34));
  for (auto [in, out] : {std::pair{"12", "1e30"}, {"18446744073709551615", "3"}, {"-5", "-7"}, {"12", "3.5"},
                         {"\"12\"", "3"}, {"12", "100000000001"}, {"99999999999999999999999", "1"}}) {
    CAPTURE(in);
    CAPTURE(out);
    auto u = extract_response(UsageKind::chat, "application/json", body(in, out));
    CHECK(u.absurd);
    CHECK(u.input <= 12);  // never the wrapped or truncated value (1e30 was read as 1, 2^64-1 as 0)
    CHECK(u.output <= 3);
  }
  auto null_usage = extract_response(UsageKind::runs, "application/json", R"({"id":"r","status":"queued","usage":null})");
  CHECK_FALSE(null_usage.absurd);
  CHECK_FALSE(null_usage.has_usage);
  CHECK_FALSE(extract_response(UsageKind::chat, "application/json", body("100000000000", "1")).absurd);  // 1e11: the largest count
  CHECK(extract_response(UsageKind::chat, "application/json", body("100000000001", "1")).absurd);
}

TEST_CASE("extract: names are decoded JSON text, valid UTF-8, bounded") {
  auto u = extract_response(UsageKind::chat, "application/json",
                            "{\"model\":\"gpt-\\u00e9\\ud83d\\ude00\\\"x\\\\\",\"usage\":{\"prompt_tokens\":1}}");
  CHECK(u.model.view() == "gpt-\xc3\xa9\xf0\x9f\x98\x80\"x\\");
  auto bad = extract_response(UsageKind::chat, "application/json", "{\"model\":\"gpt\xff\xfe-4o\\udc00\",\"usage\":{\"prompt_tokens\":1}}");
  CHECK(bad.model.view() == "gpt?" "?-4o?");  // (split: "??-" is a trigraph)
  CHECK(bad.input == 1);  // an invalid byte in a name costs the name, not the usage
  std::string long_model = "{\"model\":\"" + std::string(70, 'a') + "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}";
  auto cut = extract_response(UsageKind::chat, "application/json", long_model);
  char out[7];
  CHECK(json_unescape("abc\\u00e9\\u00e9", out, sizeof out) == 5);  // "abcé": the second é and the NUL would not fit
  CHECK(std::string_view(out) == "abc\xc3\xa9");
  CHECK(cut.model.n < 80);
  CHECK(cut.model.view().back() != '\xc3');  // cut on a code point
}

TEST_CASE("extract: an SSE stream read in pieces of any size gives what the whole stream gives") {
  const std::string stream =
      "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\",\"status\":\"in_progress\",\"model\":\"o3\",\"usage\":null}}\n\n"
      "event: response.output_text.delta\r\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"Hel\"}\r\n\r\n"
      "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"lo\"}\n\n"
      "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\",\"status\":\"completed\",\"model\":\"o3\",\"usage\":{\"input_tokens\":20,\"input_tokens_details\":{\"cached_tokens\":5},\"output_tokens\":30,\"output_tokens_details\":{\"reasoning_tokens\":10},\"total_tokens\":50}}}\n\n";
  const ResponseUsage whole = extract_response(UsageKind::responses, "text/event-stream", stream);
  CHECK(whole.complete);
  CHECK((whole.input == 20 && whole.cached == 5 && whole.output == 30 && whole.reasoning == 10));
  for (std::size_t size = 1; size <= stream.size(); ++size) {
    SseReader r(UsageKind::responses);
    for (std::size_t at = 0; at < stream.size(); at += size) r.feed(std::string_view(stream).substr(at, size));
    const ResponseUsage& u = r.finish();
    CAPTURE(size);
    CHECK((u.complete && u.input == 20 && u.cached == 5 && u.output == 30 && u.reasoning == 10));
    CHECK((u.deltas == 2 && u.events == 4 && u.model.view() == "o3" && u.id.view() == "resp_1"));
  }
  SseReader cut(UsageKind::responses);
  cut.feed(stream.substr(0, stream.find("event: response.completed") + 60));  // mid-event
  CHECK_FALSE(cut.finish().complete);
  CHECK_FALSE(cut.usage().has_usage);
}

TEST_CASE("extract: the terminal events of every stream kind carry their usage") {
  struct Case {
    UsageKind kind;
    const char* stream;
    uint64_t input, output, images;
  };
  const Case cases[] = {
      {UsageKind::responses,
       "event: response.failed\ndata: {\"type\":\"response.failed\",\"response\":{\"id\":\"r\",\"status\":\"failed\",\"model\":\"o3\",\"error\":{\"code\":\"server_error\"},\"usage\":{\"input_tokens\":21,\"output_tokens\":13}}}\n\n",
       21, 13, 0},
      {UsageKind::runs,
       "event: thread.run.created\ndata: {\"id\":\"run_1\",\"object\":\"thread.run\",\"status\":\"queued\",\"usage\":null}\n\n"
       "event: thread.run.completed\ndata: {\"id\":\"run_1\",\"object\":\"thread.run\",\"status\":\"completed\",\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":123,\"completion_tokens\":45,\"total_tokens\":168}}\n\n"
       "event: done\ndata: [DONE]\n\n",
       123, 45, 0},
      // The run's terminal event completes it by itself (a reader that stops there; no [DONE]).
      {UsageKind::runs,
       "event: thread.run.in_progress\ndata: {\"id\":\"run_2\",\"object\":\"thread.run\",\"status\":\"in_progress\",\"usage\":null}\n\n"
       "event: thread.run.completed\ndata: {\"id\":\"run_2\",\"object\":\"thread.run\",\"status\":\"completed\",\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2,\"total_tokens\":9}}\n\n",
       7, 2, 0},
      {UsageKind::audio_transcriptions,
       "data: {\"type\":\"transcript.text.delta\",\"delta\":\"hello\"}\n\n"
       "data: {\"type\":\"transcript.text.done\",\"text\":\"hello\",\"usage\":{\"type\":\"tokens\",\"input_tokens\":14,\"output_tokens\":45,\"total_tokens\":59}}\n\n",
       14, 45, 0},
      {UsageKind::images,
       "event: image_generation.partial_image\ndata: {\"type\":\"image_generation.partial_image\",\"b64_json\":\"aGk=\"}\n\n"
       "event: image_generation.completed\ndata: {\"type\":\"image_generation.completed\",\"b64_json\":\"aGVsbG8=\",\"usage\":{\"input_tokens\":50,\"output_tokens\":4160,\"total_tokens\":4210}}\n\n",
       50, 4160, 1},
  };
  for (const Case& c : cases) {
    const std::string stream = c.stream;  // (a const char* is captured as its address)
    CAPTURE(stream);
    auto u = extract_response(c.kind, "text/event-stream", c.stream);
    CHECK(u.complete);
    CHECK((u.input == c.input && u.output == c.output && u.images == c.images));
  }
}

TEST_CASE("extract: realtime response.done over WebSocket (one frame, usage spelled input_token_details)") {
  auto u = extract_response(UsageKind::realtime, "application/json",
      R"({"type":"response.done","event_id":"event_1","response":{"object":"realtime.response","id":"resp_1","status":"completed","output":[],"usage":{"total_tokens":599,"input_tokens":412,"output_tokens":187,"input_token_details":{"cached_tokens":256,"text_tokens":112,"audio_tokens":300,"cached_tokens_details":{"text_tokens":56,"audio_tokens":200}},"output_token_details":{"text_tokens":37,"audio_tokens":150}}}})");
  CHECK(u.has_usage);
  CHECK(u.input == 412);
  CHECK(u.output == 187);
  CHECK(u.cached == 256);
  CHECK(u.status == "completed");
}

TEST_CASE("extract: header names compare case-insensitively; a name known lowercase is used as it is") {
  quotaguard::Exchange x;
  CHECK(quotaguard::read_response_header("X-RateLimit-Remaining-Requests", "7", x));
  CHECK(quotaguard::read_response_header("x-ratelimit-reset-tokens", "1.5s", x, true));
  CHECK(quotaguard::read_response_header("Retry-After", "2", x));
  CHECK(quotaguard::read_response_header("CONTENT-TYPE", "application/json", x));
  CHECK(x.rl_remaining_requests == 7);
  CHECK(x.rl_reset_tokens_ms == 1500);
  CHECK(x.retry_after_ms == 2000);
  CHECK(x.response_content_type == "application/json");
  CHECK(quotaguard::read_request_header("X-Stainless-Retry-Count", "2", x));
  CHECK(quotaguard::read_request_header("content-length", "123", x, true));
  CHECK(x.retry_count == 2);
  CHECK(x.request_bytes == 123);
  // Not a header the tracker reads: longer than any it reads, a prefix of one, or another name.
  CHECK_FALSE(quotaguard::read_response_header(std::string(40, 'X') + "-ratelimit-limit-requests", "1", x));
  CHECK_FALSE(quotaguard::read_response_header("retry-afte", "1", x));
  CHECK_FALSE(quotaguard::read_response_header("server", "fake", x, true));
  CHECK_FALSE(quotaguard::read_request_header("content-type-x", "a", x));
}
