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

// A Prometheus label name from an attribute name.
std::string label_name(std::string name) {
  for (char& c : name)
    if (c == '.') c = '_';
  return name;
}

std::string labels_of(const Attributes& a, const std::string& extra = {}) {
  std::string out;
  for (const auto& [k, v] : a) out += (out.empty() ? "" : ",") + label_name(k) + "=\"" + escape(v) + "\"";
  if (!extra.empty()) out += (out.empty() ? "" : ",") + extra;
  return out;
}

void header(std::string& out, const std::string& name, const char* type, const std::string& help) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void sample(std::string& out, const std::string& name, const std::string& labels, double v) {
  out += name + (labels.empty() ? "" : "{" + labels + "}") + " " + num(v) + "\n";
}

MetricFamily family(MetricFamily::Kind kind, std::string prom, std::string otel, std::string unit, std::string help) {
  return {kind, std::move(prom), std::move(otel), std::move(unit), std::move(help), {}, {}};
}

}  // namespace

void Histogram::observe(double v) {
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
      const Attributes base = {{"gen_ai.operation.name", operation_of(c.endpoint)},
                               {"gen_ai.provider.name", "openai"},
                               {"gen_ai.request.model", c.model}};
      const bool failed = c.http_status == 0 || c.http_status >= 400;
      Attributes dl = base;
      if (failed) dl.emplace_back("error.type", c.error_code.empty() ? std::to_string(c.http_status) : c.error_code);
      Histogram& d = duration_[dl];
      d.bounds = kDurationBounds;
      d.observe(c.latency_ms / 1000.0);
      if (failed) continue;  // no tokens were used
      for (auto [type, n] : {std::pair{"input", c.input_tokens}, std::pair{"output", c.output_tokens}}) {
        Attributes tl = base;
        tl.emplace_back("gen_ai.token.type", type);
        Histogram& t = tokens_[tl];
        t.bounds = kTokenBounds;
        t.observe(static_cast<double>(n));
      }
    }
    cursor_ = batch.back().id;
  }
}

std::vector<MetricFamily> Metrics::collect(int64_t now_ms) {
  using Kind = MetricFamily::Kind;
  std::lock_guard lock(mu_);
  absorb_new_calls();
  std::vector<MetricFamily> out;
  out.push_back(family(Kind::histogram, "gen_ai_client_token_usage", "gen_ai.client.token.usage", "{token}",
                       "Tokens used per call (gen_ai.client.token.usage), from the tracker's ledger."));
  out.back().histograms.assign(tokens_.begin(), tokens_.end());
  out.push_back(family(Kind::histogram, "gen_ai_client_operation_duration_seconds", "gen_ai.client.operation.duration", "s",
                       "Duration of each call (gen_ai.client.operation.duration), from the tracker's ledger."));
  out.back().histograms.assign(duration_.begin(), duration_.end());

  const std::vector<UsageRow> usage = source_.usage(UsageKey::workspace, 0, now_ms);
  struct Counter {
    const char* prom;
    const char* otel;
    const char* unit;
    const char* help;
    double UsageTotals::*field;
  };
  const Counter counters[] = {
      {"quotaguard_requests_total", "quotaguard.requests", "{request}", "HTTP requests sent to the API, per workspace (the history).", &UsageTotals::requests},
      {"quotaguard_errors_total", "quotaguard.errors", "{request}", "Requests the API answered with an error, per workspace.", &UsageTotals::errors},
      {"quotaguard_input_tokens_total", "quotaguard.input_tokens", "{token}", "Input tokens billed, per workspace.", &UsageTotals::input_tokens},
      {"quotaguard_output_tokens_total", "quotaguard.output_tokens", "{token}", "Output tokens billed, per workspace.", &UsageTotals::output_tokens},
      {"quotaguard_cost_usd_total", "quotaguard.cost", "USD", "Cost in US dollars at the tracker's price table, per workspace.", &UsageTotals::cost_usd}};
  for (const Counter& c : counters) {
    out.push_back(family(Kind::counter, c.prom, c.otel, c.unit, c.help));
    for (const UsageRow& r : usage) out.back().points.push_back({{{"workspace", r.key}}, r.totals.*c.field});
  }

  out.push_back(family(Kind::gauge, "quotaguard_status", "quotaguard.status", "1",
                       "1 for the status each workspace is in (\"*\": all), 0 for the others."));
  for (const WorkspaceStatus& s : source_.statuses())
    for (const char* st : kStatuses) out.back().points.push_back({{{"workspace", s.workspace}, {"status", st}}, s.status == st ? 1.0 : 0.0});

  const nlohmann::json budgets = budget_json(budget_uses(cfg_, source_, fleet_, now_ms), now_ms);
  for (auto [prom, otel, field, help] : {std::tuple{"quotaguard_budget_limit", "quotaguard.budget.limit", "limit", "A configured budget."},
                                         std::tuple{"quotaguard_budget_used", "quotaguard.budget.used", "used", "What the budget's period has used."},
                                         std::tuple{"quotaguard_budget_remaining", "quotaguard.budget.remaining", "remaining", "What the budget has left."}}) {
    out.push_back(family(Kind::gauge, prom, otel, "1", help));
    for (const auto& b : budgets)
      out.back().points.push_back({{{"workspace", b["workspace"].get<std::string>()}, {"period", b["period"].get<std::string>()},
                                    {"metric", b["metric"].get<std::string>()}},
                                   b[field].get<double>()});
  }
  if (fleet_) {
    const FleetHealth f = fleet_->health();
    out.push_back(family(Kind::gauge, "quotaguard_fleet_reachable", "quotaguard.fleet.reachable", "1",
                         "1 while the fleet's Redis can be read, 0 while it cannot."));
    out.back().points.push_back({{{"address", f.address}, {"namespace", f.ns}}, f.reachable ? 1.0 : 0.0});
  }
  if (reconciler_) collect_reconciliation(out, reconciler_->latest());
  return out;
}

void Metrics::collect_reconciliation(std::vector<MetricFamily>& out, const Reconciliation& r) {
  using Kind = MetricFamily::Kind;
  out.push_back(family(Kind::gauge, "quotaguard_reconciliation_last_success_timestamp_seconds",
                       "quotaguard.reconciliation.last_success", "s", "When the organization Usage API was last read (0: never)."));
  out.back().points.push_back({{}, static_cast<double>(r.polled_ms) / 1000});
  out.push_back(family(Kind::gauge, "quotaguard_reconciliation_up", "quotaguard.reconciliation.up", "1",
                       "1 when the last poll of the Usage API succeeded, 0 when it failed."));
  out.back().points.push_back({{}, r.error.empty() && r.polled_ms ? 1.0 : 0.0});
  if (!r.polled_ms) return;
  std::map<std::string, std::pair<int64_t, int64_t>> by_model;  // billed, covered
  for (const HourOfModel& h : r.hours) {
    by_model[h.model].first += h.billed_tokens;
    by_model[h.model].second += std::min(h.billed_tokens, h.tracked_tokens);
  }
  for (auto [prom, otel, help, billed] :
       {std::tuple{"quotaguard_billed_tokens", "quotaguard.billed_tokens", "Tokens OpenAI billed over the reconciliation window, per model.", true},
        std::tuple{"quotaguard_untracked_tokens", "quotaguard.untracked_tokens", "Billed tokens no tracked client sent (dark traffic), per model.", false}}) {
    out.push_back(family(Kind::gauge, prom, otel, "{token}", help));
    for (const auto& [model, t] : by_model)
      out.back().points.push_back({{{"model", model}}, static_cast<double>(billed ? t.first : t.first - t.second)});
  }
  out.push_back(family(Kind::gauge, "quotaguard_runtime_coverage_ratio", "quotaguard.runtime_coverage", "1",
                       "Tracked over billed tokens in the reconciliation window."));
  if (r.billed_tokens() > 0)
    out.back().points.push_back({{}, static_cast<double>(r.covered_tokens()) / static_cast<double>(r.billed_tokens())});
}

std::string Metrics::render(int64_t now_ms) { return prometheus_text(collect(now_ms)); }

std::string prometheus_text(const std::vector<MetricFamily>& families) {
  static constexpr const char* kTypes[] = {"counter", "gauge", "histogram"};
  std::string out;
  for (const MetricFamily& f : families) {
    header(out, f.prom_name, kTypes[static_cast<int>(f.kind)], f.help);
    for (const auto& [attributes, v] : f.points) sample(out, f.prom_name, labels_of(attributes), v);
    for (const auto& [attributes, h] : f.histograms) {
      uint64_t cumulative = 0;
      for (std::size_t i = 0; i <= h.bounds.size(); ++i) {
        cumulative += h.counts[i];
        sample(out, f.prom_name + "_bucket",
               labels_of(attributes, "le=\"" + (i < h.bounds.size() ? num(h.bounds[i]) : std::string("+Inf")) + "\""),
               static_cast<double>(cumulative));
      }
      sample(out, f.prom_name + "_sum", labels_of(attributes), h.sum);
      sample(out, f.prom_name + "_count", labels_of(attributes), static_cast<double>(h.count));
    }
  }
  return out;
}

}  // namespace qg::serve
