// The Python frontend: prefilter, parallel parse + collect, project-wide resolution in rounds,
// then the checks (see analyze in frontend.cpp); `quotaguard fix` plans with fix_planner.h.
#pragma once

#include "core/frontend.h"

namespace qg::python {

const Frontend& frontend();

}  // namespace qg::python
