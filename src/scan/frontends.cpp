#include "scan/frontends.h"

#include <array>
#include <stdexcept>

#include "cpp/frontend.h"
#include "python/frontend.h"

namespace qg {

std::span<const Frontend* const> frontends() {
  static const std::array<const Frontend*, 2> kFrontends{
      &python::frontend(),
      &cpp::frontend(),
  };
  return kFrontends;
}

const Frontend& frontend(Language language) {
  for (const Frontend* f : frontends())
    if (f->language == language) return *f;
  throw std::logic_error("no frontend for " + std::string(to_string(language)));
}

}  // namespace qg
