#include "metrics.h"

#include <cstdio>

#include "budgets.h"
#include "endpoint.h"

namespace qg::serve {

namespace {

// The bucket boundaries the GenAI semantic conventions advise.
const std::vector<double> kTokenBounds = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304,
                                          16777216, 67108864};
const std::vector<double> kDurationBounds = {0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24,
                                             20.48, 40.96, 81.92};
constexpr const char* kStatuses[] = {"normal", "warning", "degraded", "critical", "rate_limited", "exhausted"};

std::string escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// gen_ai.operation.name from the tracker's endpoint ("POST /chat/completions" -> chat).
std::string operation_of(const std::string& endpoint) {
  const auto space = endpoint.find(' ');
  if (space == std::string::npos) return "other";
  const auto kind = tracker::classify(std::string_view(endpoint).substr(0, space), std::string_view(endpoint).substr(space + 1)).kind;
  switch (kind) {
    case tracker::UsageKind::chat:
    case tracker::UsageKind::responses: return "chat";
    case tracker::UsageKind::completions: return "text_completion";
    case tracker::UsageKind::embeddings: return "embeddings";
    default: return tracker::usage_kind_name(kind);
  }
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void sample(std::string& out, const std::string& name, const std::string& labels, double v) {
  out += name + (labels.empty() ? "" : "{" + labels + "}") + " " + num(v) + "\n";
}

}  // namespace

void Metrics::Histogram::observe(double v) {
  if (counts.empty()) counts.assign(bounds.size() + 1, 0);
  std::size_t i = 0;
  while (i < bounds.size() && v > bounds[i]) ++i;
  ++counts[i];
  sum += v;
  ++count;
}

void Metrics::absorb_new_calls() {
  for (auto batch = source_.calls_after(cursor_, 10000); !batch.empty(); batch = source_.calls_after(cursor_, 10000)) {
    for (const CallRecord& c : batch) {
      if (c.blocked) continue;  // never sent: no operation
      const std::string base = "gen_ai_operation_name=\"" + escape(operation_of(c.endpoint)) +
                               "\",gen_ai_provider_name=\"openai\",gen_ai_request_model=\"" + escape(c.model) + "\"";
      const bool failed = c.http_status == 0 || c.http_status >= 400;
      std::string dl = base;
      if (failed) dl += ",error_type=\"" + escape(c.error_code.empty() ? std::to_string(c.http_status) : c.error_code) + "\"";
      Histogram& d = duration_[dl];
      d.bounds = kDurationBounds;
      d.observe(c.latency_ms / 1000.0);
      if (failed) continue;  // no tokens were used
      for (auto [type, n] : {std::pair{"input", c.input_tokens}, std::pair{"output", c.output_tokens}}) {
        Histogram& t = tokens_[base + ",gen_ai_token_type=\"" + type + "\""];
        t.bounds = kTokenBounds;
        t.observe(static_cast<double>(n));
      }
    }
    cursor_ = batch.back().id;
  }
}

std::string Metrics::render(int64_t now_ms) {
  std::lock_guard lock(mu_);
  absorb_new_calls();
  std::string out;
  auto histograms = [&](const char* name, const char* help, const std::map<std::string, Histogram>& hs) {
    header(out, name, "histogram", help);
    for (const auto& [labels, h] : hs) {
      uint64_t cumulative = 0;
      for (std::size_t i = 0; i <= h.bounds.size(); ++i) {
        cumulative += h.counts[i];
        sample(out, std::string(name) + "_bucket", labels + ",le=\"" + (i < h.bounds.size() ? num(h.bounds[i]) : "+Inf") + "\"",
               static_cast<double>(cumulative));
      }
      sample(out, std::string(name) + "_sum", labels, h.sum);
      sample(out, std::string(name) + "_count", labels, static_cast<double>(h.count));
    }
  };
  histograms("gen_ai_client_token_usage", "Tokens used per call (gen_ai.client.token.usage), from the tracker's ledger.", tokens_);
  histograms("gen_ai_client_operation_duration_seconds",
             "Duration of each call (gen_ai.client.operation.duration), from the tracker's ledger.", duration_);

  const std::vector<UsageRow> usage = source_.usage(UsageKey::workspace, 0, now_ms);
  struct Counter {
    const char* name;
    const char* help;
    double UsageTotals::*field;
  };
  const Counter counters[] = {
      {"quotaguard_requests_total", "HTTP requests sent to the API, per workspace (the history).", &UsageTotals::requests},
      {"quotaguard_errors_total", "Requests the API answered with an error, per workspace.", &UsageTotals::errors},
      {"quotaguard_input_tokens_total", "Input tokens billed, per workspace.", &UsageTotals::input_tokens},
      {"quotaguard_output_tokens_total", "Output tokens billed, per workspace.", &UsageTotals::output_tokens},
      {"quotaguard_cost_usd_total", "Cost in US dollars at the tracker's price table, per workspace.", &UsageTotals::cost_usd}};
  for (const Counter& c : counters) {
    header(out, c.name, "counter", c.help);
    for (const UsageRow& r : usage) sample(out, c.name, "workspace=\"" + escape(r.key) + "\"", r.totals.*c.field);
  }

  header(out, "quotaguard_status", "gauge", "1 for the status each workspace is in (\"*\": all), 0 for the others.");
  for (const WorkspaceStatus& s : source_.statuses())
    for (const char* st : kStatuses)
      sample(out, "quotaguard_status", "workspace=\"" + escape(s.workspace) + "\",status=\"" + st + "\"", s.status == st ? 1 : 0);

  const nlohmann::json budgets = budget_json(budget_uses(cfg_, source_, fleet_, now_ms), now_ms);
  for (auto [name, field, help] : {std::tuple{"quotaguard_budget_limit", "limit", "A configured budget."},
                                   std::tuple{"quotaguard_budget_used", "used", "What the budget's period has used."},
                                   std::tuple{"quotaguard_budget_remaining", "remaining", "What the budget has left."}}) {
    header(out, name, "gauge", help);
    for (const auto& b : budgets)
      sample(out, name,
             "workspace=\"" + escape(b["workspace"].get<std::string>()) + "\",period=\"" + b["period"].get<std::string>() +
                 "\",metric=\"" + b["metric"].get<std::string>() + "\"",
             b[field].get<double>());
  }
  if (fleet_) {
    const FleetHealth f = fleet_->health();
    header(out, "quotaguard_fleet_reachable", "gauge", "1 while the fleet's Redis can be read, 0 while it cannot.");
    sample(out, "quotaguard_fleet_reachable", "address=\"" + escape(f.address) + "\",namespace=\"" + escape(f.ns) + "\"",
           f.reachable ? 1 : 0);
  }
  if (reconciler_) render_reconciliation(out, reconciler_->latest());
  return out;
}

void Metrics::render_reconciliation(std::string& out, const Reconciliation& r) {
  header(out, "quotaguard_reconciliation_last_success_timestamp_seconds", "gauge",
         "When the organization Usage API was last read (0: never).");
  sample(out, "quotaguard_reconciliation_last_success_timestamp_seconds", "", static_cast<double>(r.polled_ms) / 1000);
  header(out, "quotaguard_reconciliation_up", "gauge", "1 when the last poll of the Usage API succeeded, 0 when it failed.");
  sample(out, "quotaguard_reconciliation_up", "", r.error.empty() && r.polled_ms ? 1 : 0);
  if (!r.polled_ms) return;
  std::map<std::string, std::pair<int64_t, int64_t>> by_model;  // billed, covered
  for (const HourOfModel& h : r.hours) {
    by_model[h.model].first += h.billed_tokens;
    by_model[h.model].second += std::min(h.billed_tokens, h.tracked_tokens);
  }
  for (auto [name, help, billed] :
       {std::tuple{"quotaguard_billed_tokens", "Tokens OpenAI billed over the reconciliation window, per model.", true},
        std::tuple{"quotaguard_untracked_tokens", "Billed tokens no tracked client sent (dark traffic), per model.", false}}) {
    header(out, name, "gauge", help);
    for (const auto& [model, t] : by_model)
      sample(out, name, "model=\"" + escape(model) + "\"", static_cast<double>(billed ? t.first : t.first - t.second));
  }
  header(out, "quotaguard_runtime_coverage_ratio", "gauge", "Tracked over billed tokens in the reconciliation window.");
  if (r.billed_tokens() > 0)
    sample(out, "quotaguard_runtime_coverage_ratio", "", static_cast<double>(r.covered_tokens()) / static_cast<double>(r.billed_tokens()));
}

}  // namespace qg::serve
