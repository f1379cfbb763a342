# qg_raw_string_literal(OUT FILE DELIMITER): OUT = the contents of FILE as a C++ raw string
# literal, R"DELIMITER(...)DELIMITER". Files compiled into the binary (rules/, the dashboard)
# go through here; one that contains the closing delimiter is an error, not a truncated string.
# Usable from a CMakeLists.txt and from a `cmake -P` script alike.
function(qg_raw_string_literal out file delimiter)
  file(READ "${file}" text)
  string(FIND "${text}" ")${delimiter}\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${file} contains the raw-string delimiter )${delimiter}\"")
  endif()
  set(${out} "R\"${delimiter}(${text})${delimiter}\"" PARENT_SCOPE)
endfunction()
