#include "cpp/fix_edits.h"

#include <fmt/format.h>

namespace qg::cpp {

Edit declaration_rewrite(TSNode declaration, TSNode type, std::string_view name, std::string_view factory,
                         uint32_t bom_length) {
  Edit e;
  e.start_byte = ts_node_start_byte(type) + bom_length;
  e.end_byte = ts_node_end_byte(declaration) + bom_length;
  e.replacement = fmt::format("auto& {} = {};", name, factory);
  return e;
}

}  // namespace qg::cpp
