// What the config names in Python, checked against the project before a scan: a `[factory]`
// `module:function` that no module of the project defines is an error, not a factory that
// silently never matches (and a coverage headline that counts its clients as direct).
#pragma once

#include "core/config.h"

namespace qg::python {

// Throws ConfigError: `quotaguard.toml:4: `factory.sync` names `utils.g:get_client`, but
// utils/g.py defines no `get_client``. The shipped quotaguard package's factories need no module.
void check_config(const Config& config);

}  // namespace qg::python
