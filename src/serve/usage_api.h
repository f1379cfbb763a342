// What OpenAI billed, read with an admin key from the organization Usage and Costs API
// (GET /v1/organization/usage/{completions,embeddings} and /v1/organization/costs): the other side
// of the reconciliation (reconciler.h). Over http or https, following `next_page`.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace httplib {
class Client;
}

namespace qg::serve {

// Tokens of one model on one API key in one hour bucket (the Usage API's 1 h buckets, grouped by
// model and API key id; completions and embeddings together).
struct BilledTokens {
  int64_t hour_s = 0;  // the bucket's start, Unix seconds
  std::string model, api_key_id;
  int64_t input = 0, output = 0, requests = 0;
};

// An API key as the organization lists it (GET /organization/projects/{id}/api_keys): the name
// a person gave it and its redacted value, never the key.
struct KeyName {
  std::string name, redacted_value, project_id;
};

// Dollars of one day bucket (the Costs API has 1 d buckets only).
struct BilledCost {
  int64_t day_s = 0;
  double usd = 0;
};

// The API answered with an error, something that is not its shape, or not at all: says which
// endpoint and why (the API's own message); never the key.
struct UsageApiError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class UsageApi {
 public:
  // base_url as the SDK takes it ("https://api.openai.com/v1").
  UsageApi(const std::string& base_url, std::string admin_key, int timeout_s = 30);
  ~UsageApi();
  UsageApi(const UsageApi&) = delete;
  UsageApi& operator=(const UsageApi&) = delete;

  // Every bucket in [start_s, end_s) of the token-billed families; throws UsageApiError.
  std::vector<BilledTokens> hourly_tokens(int64_t start_s, int64_t end_s);
  std::vector<BilledCost> daily_costs(int64_t start_s, int64_t end_s);
  // Every project's API keys, by key id (the Usage API's api_key_id); throws UsageApiError.
  std::map<std::string, KeyName> key_names();

 private:
  // The buckets of one endpoint, page after page: calls `bucket(start_s, results)` for each.
  template <class OnBucket>
  void pages(const std::string& endpoint, const std::string& query, OnBucket bucket);
  // The items of an Administration API list, page after page (`after` the last id).
  template <class OnItem>
  void list(const std::string& endpoint, OnItem item);
  // GET prefix_ + target as JSON; throws UsageApiError with the API's message when not 200.
  nlohmann::json get(const std::string& endpoint, const std::string& target);

  std::unique_ptr<httplib::Client> client_;
  std::string prefix_;  // the base URL's path ("/v1")
  std::string admin_key_;
};

}  // namespace qg::serve
