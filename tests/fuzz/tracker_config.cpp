// Fuzz target: the tracker's config (budgets, thresholds, alerts, policy), as the TOML file
// quotaguard-tracker.toml or as the JSON the Python package hands over.
// Input: JSON when it starts with '{', else the TOML file's text.
// Invariants: no crash or sanitizer report (an out-of-range number included); a config that is
// refused says why; one that is accepted has thresholds 0 < warning <= critical <= 1 and the
// documented floors of its intervals.
#include "tracker_config.h"
#include "support/harness.h"

using namespace qg::tracker;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = qg::fuzz::as_text(data, size);
  Config config;
  std::string error;
  bool ok;
  if (!text.empty() && text[0] == '{') {
    ok = parse_config_json(std::string(text), config, error);
  } else {
    static const std::string file = (qg::fuzz::scratch() / "quotaguard-tracker.toml").string();
    qg::fuzz::write_file(file, text);
    ok = load_config_file(file, config, error);
  }
  if (!ok && error.empty()) qg::fuzz::fail("a config refused without a reason");
  if (ok && !(config.warning > 0 && config.warning <= config.critical && config.critical <= 1.0))
    qg::fuzz::fail("accepted thresholds warning " + std::to_string(config.warning) + ", critical " + std::to_string(config.critical));
  if (ok && (config.flush_interval_ms < 10 || config.tick_ms < 2)) qg::fuzz::fail("accepted an interval below its floor");
  return 0;
}
