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

Output analyze(std::vector<Input>& inputs, const Config& config, unsigned jobs);

}  // namespace qg::python
