// The static side of the dashboard: what the latest `quotaguard scan --format json` report says
// the code can bypass (serve --coverage FILE), read again on every request so that a CI job can
// replace the file while serve runs.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace qg::serve {

// The report's coverage and its untracked findings; throws Unavailable (state_source.h) when the file
// cannot be read or is not a scan report, saying why.
nlohmann::json coverage_body(const std::string& report_path);

}  // namespace qg::serve
