#include "usage_api.h"

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <set>

#include "http_url.h"

namespace qg::serve {

namespace {

constexpr int kMaxPages = 1000;  // a cursor that never ends is the API's defect, not a reason to spin

int64_t count(const nlohmann::json& result, const char* name) {
  const auto it = result.find(name);
  if (it == result.end() || it->is_null()) return 0;
  if (!it->is_number_integer() || it->get<int64_t>() < 0)
    throw UsageApiError(std::string("the result's '") + name + "' is not a count: " + it->dump());
  return it->get<int64_t>();
}

std::string text(const nlohmann::json& result, const char* name) {
  const auto it = result.find(name);
  return it != result.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

UsageApi::UsageApi(const std::string& base_url, std::string admin_key, int timeout_s) : admin_key_(std::move(admin_key)) {
  const auto url = split_http_url(base_url);
  if (!url) throw UsageApiError("the API's base URL '" + base_url + "' has no scheme (https://...)");
  client_ = std::make_unique<httplib::Client>(url->origin);
  if (!client_->is_valid()) throw UsageApiError("the API's base URL '" + base_url + "' is not http(s)://host[:port]/path");
  prefix_ = url->path;
  client_->set_connection_timeout(timeout_s, 0);
  client_->set_read_timeout(timeout_s, 0);
  client_->set_write_timeout(timeout_s, 0);
  client_->set_keep_alive(true);
  client_->set_bearer_token_auth(admin_key_);
  client_->set_default_headers({{"Accept", "application/json"}, {"User-Agent", "quotaguard-serve"}});
}

UsageApi::~UsageApi() = default;

nlohmann::json UsageApi::get(const std::string& path, const std::string& target) {
  const httplib::Result r = client_->Get(target);
  if (!r) throw UsageApiError("GET " + path + ": " + httplib::to_string(r.error()));
  nlohmann::json body = nlohmann::json::parse(r->body, nullptr, false);
  if (r->status != 200) {
    std::string why = "HTTP " + std::to_string(r->status);
    if (body.is_object() && body.contains("error") && body["error"].is_object() && body["error"].contains("message") &&
        body["error"]["message"].is_string())
      why += ": " + body["error"]["message"].get<std::string>();
    throw UsageApiError("GET " + path + ": " + why);
  }
  return body;
}

template <class OnBucket>
void UsageApi::pages(const std::string& endpoint, const std::string& query, OnBucket bucket) {
  const std::string path = prefix_ + endpoint;
  std::set<std::string> cursors;
  std::string page;
  for (int n = 0; n < kMaxPages; ++n) {
    const std::string target = path + "?" + query + (page.empty() ? "" : "&page=" + httplib::detail::encode_query_param(page));
    nlohmann::json body = get(path, target);
    if (!body.is_object() || !body.contains("data") || !body["data"].is_array())
      throw UsageApiError("GET " + path + ": the answer is not a page of buckets");
    for (const nlohmann::json& b : body["data"]) {
      if (!b.is_object() || !b.contains("start_time") || !b["start_time"].is_number_integer() || !b.contains("results") ||
          !b["results"].is_array())
        throw UsageApiError("GET " + path + ": a bucket without start_time or results");
      for (const nlohmann::json& result : b["results"])
        if (!result.is_object()) throw UsageApiError("GET " + path + ": a result that is not an object");
      bucket(b["start_time"].get<int64_t>(), b["results"]);
    }
    const bool more = body.value("has_more", false);
    if (!more) return;
    const auto next = body.find("next_page");
    if (next == body.end() || !next->is_string() || next->get<std::string>().empty())
      throw UsageApiError("GET " + path + ": has_more without a next_page");
    page = next->get<std::string>();
    if (!cursors.insert(page).second) throw UsageApiError("GET " + path + ": next_page '" + page + "' repeats");
  }
  throw UsageApiError("GET " + path + ": more than " + std::to_string(kMaxPages) + " pages");
}

std::vector<BilledTokens> UsageApi::hourly_tokens(int64_t start_s, int64_t end_s) {
  std::vector<BilledTokens> out;
  const std::string query = "start_time=" + std::to_string(start_s) + "&end_time=" + std::to_string(end_s) +
                            "&bucket_width=1h&group_by=model&group_by=api_key_id&limit=168";
  for (const char* family : {"completions", "embeddings"})
    pages(std::string("/organization/usage/") + family, query, [&](int64_t start, const nlohmann::json& results) {
      for (const nlohmann::json& r : results)
        out.push_back({start, text(r, "model"), text(r, "api_key_id"), count(r, "input_tokens"), count(r, "output_tokens"),
                       count(r, "num_model_requests")});
    });
  return out;
}

std::vector<BilledCost> UsageApi::daily_costs(int64_t start_s, int64_t end_s) {
  std::vector<BilledCost> out;
  const std::string query = "start_time=" + std::to_string(start_s) + "&end_time=" + std::to_string(end_s) + "&bucket_width=1d&limit=31";
  pages("/organization/costs", query, [&](int64_t start, const nlohmann::json& results) {
    BilledCost day{start, 0};
    for (const nlohmann::json& r : results) {
      const auto amount = r.find("amount");
      if (amount == r.end() || amount->is_null()) continue;
      if (!amount->is_object() || !amount->contains("value") || !(*amount)["value"].is_number())
        throw UsageApiError("GET /organization/costs: an amount without a value: " + amount->dump());
      const std::string currency = amount->value("currency", "usd");
      if (currency != "usd") throw UsageApiError("GET /organization/costs: an amount in " + currency + ", not usd");
      day.usd += (*amount)["value"].get<double>();
    }
    out.push_back(day);
  });
  return out;
}

template <class OnItem>
void UsageApi::list(const std::string& endpoint, OnItem item) {
  const std::string path = prefix_ + endpoint;
  std::set<std::string> seen;
  std::string after;
  for (int n = 0; n < kMaxPages; ++n) {
    const nlohmann::json body =
        get(path, path + "?limit=100" + (after.empty() ? "" : "&after=" + httplib::detail::encode_query_param(after)));
    if (!body.is_object() || !body.contains("data") || !body["data"].is_array())
      throw UsageApiError("GET " + path + ": the answer is not a list");
    for (const nlohmann::json& x : body["data"]) {
      if (!x.is_object() || text(x, "id").empty()) throw UsageApiError("GET " + path + ": an item without an id");
      item(x);
    }
    if (!body.value("has_more", false)) return;
    after = body["data"].empty() ? std::string() : text(body["data"].back(), "id");
    if (after.empty() || !seen.insert(after).second) throw UsageApiError("GET " + path + ": has_more without a new last id");
  }
  throw UsageApiError("GET " + path + ": more than " + std::to_string(kMaxPages) + " pages");
}

std::map<std::string, KeyName> UsageApi::key_names() {
  std::vector<std::string> projects;
  list("/organization/projects", [&](const nlohmann::json& p) { projects.push_back(text(p, "id")); });
  std::map<std::string, KeyName> out;
  for (const std::string& project : projects)
    list("/organization/projects/" + httplib::detail::encode_query_param(project) + "/api_keys", [&](const nlohmann::json& k) {
      out[text(k, "id")] = {text(k, "name"), text(k, "redacted_value"), project};
    });
  return out;
}

}  // namespace qg::serve
