#include <iostream>

#include "command.h"
#include "core/config.h"
#include "gate/baseline.h"
#include "scan/scanner.h"

namespace qg::cli {

int run_reporting_errors(const std::function<int()>& body) {
  try {
    return body();
  } catch (const ConfigError& e) {
    std::cerr << "quotaguard: config error: " << e.what() << '\n';
  } catch (const gate::BaselineError& e) {
    std::cerr << "quotaguard: baseline error: " << e.what() << '\n';
  } catch (const std::runtime_error& e) {  // UsageError, I/O failures
    std::cerr << "quotaguard: error: " << e.what() << '\n';
  }
  return kUsage;
}

}  // namespace qg::cli
