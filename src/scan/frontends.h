// Every language frontend in one table, the way report.cpp lists its formats: a language is its
// folder under src/ (a Frontend, core/frontend.h), a Language in core/language.{h,cpp} and a row here.
#pragma once

#include <span>

#include "core/frontend.h"

namespace qg {

std::span<const Frontend* const> frontends();
const Frontend& frontend(Language language);

}  // namespace qg
