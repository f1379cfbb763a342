// The Python frontend: prefilter, parallel parse + collect, project-wide resolution in rounds,
// then the checks. Input is every discovered Python file with its text already read.
#pragma once

#include <vector>

#include "core/config.h"
#include "core/discovery.h"
#include "core/frontend_io.h"

namespace qg::python {

using Input = FrontendInput;
using Output = FrontendOutput;

// `keep_until_exit`: hand the parsed modules to a process-lifetime holder instead of freeing
// them (freeing thousands of syntax trees costs more than parsing a few files; a CLI about to
// exit need not pay it — clang's -disable-free does the same).
Output analyze(std::vector<Input>& inputs, const Config& config, unsigned jobs, bool keep_until_exit = false);

}  // namespace qg::python
