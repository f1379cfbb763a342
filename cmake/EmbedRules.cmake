# The rule catalogue lives in rules/ as data; it is compiled into the binary so that
# quotaguard runs from anywhere without a data directory.
file(GLOB_RECURSE QG_RULE_FILES CONFIGURE_DEPENDS
     ${CMAKE_SOURCE_DIR}/rules/*.toml ${CMAKE_SOURCE_DIR}/rules/*.tsv)
set(QG_RULES_CPP ${CMAKE_BINARY_DIR}/generated/embedded_rules.cpp)
add_custom_command(
  OUTPUT ${QG_RULES_CPP}
  COMMAND ${CMAKE_COMMAND} -DOUT=${QG_RULES_CPP} -DROOT=${CMAKE_SOURCE_DIR}/rules
          -P ${CMAKE_SOURCE_DIR}/cmake/embed_rules_script.cmake
  DEPENDS ${QG_RULE_FILES} ${CMAKE_SOURCE_DIR}/cmake/embed_rules_script.cmake ${CMAKE_SOURCE_DIR}/cmake/RawStringLiteral.cmake
  COMMENT "Embedding rules/ into the binary")
