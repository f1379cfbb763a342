# tree-sitter runtime and grammars, compiled from the C sources npm installs under
# third_party/node_modules (pinned by third_party/package-lock.json; no build scripts run).
set(QG_NODE_MODULES ${CMAKE_SOURCE_DIR}/third_party/node_modules)
set(QG_TS_RUNTIME ${QG_NODE_MODULES}/ts-runtime/vendor/tree-sitter/lib)
if(NOT EXISTS ${QG_TS_RUNTIME}/src/lib.c)
  # A clean clone (pip install from a checkout, a pre-commit hook environment): fetch them as
  # scripts/setup does, C sources only.
  find_program(QG_NPM npm)
  if(QG_NPM)
    message(STATUS "tree-sitter sources: npm ci --ignore-scripts in third_party/")
    execute_process(COMMAND ${QG_NPM} ci --ignore-scripts --no-audit --no-fund --loglevel=error
                    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/third_party RESULT_VARIABLE npm_result)
  endif()
  if(NOT EXISTS ${QG_TS_RUNTIME}/src/lib.c)
    message(FATAL_ERROR "tree-sitter sources missing: install npm, or run scripts/setup (npm ci in third_party/)")
  endif()
endif()

add_library(ts_runtime STATIC ${QG_TS_RUNTIME}/src/lib.c)
target_include_directories(ts_runtime PUBLIC ${QG_TS_RUNTIME}/include PRIVATE ${QG_TS_RUNTIME}/src)
target_compile_options(ts_runtime PRIVATE -O2 -w)
if(QG_FUZZ)
  # Sanitized, but no coverage feedback from the parser's table lookups: they would drown the
  # fuzzer's signal (and a third of its time) in parser states.
  target_compile_options(ts_runtime PRIVATE -fno-sanitize=fuzzer-no-link)
endif()
set_target_properties(ts_runtime PROPERTIES POSITION_INDEPENDENT_CODE ON C_STANDARD 11)

function(qg_grammar target dir)
  set(sources ${dir}/src/parser.c)
  if(EXISTS ${dir}/src/scanner.c)
    list(APPEND sources ${dir}/src/scanner.c)
  endif()
  add_library(${target} STATIC ${sources})
  target_include_directories(${target} PRIVATE ${dir}/src)
  # Grammar tables are generated code: always optimise them, never instrument them.
  target_compile_options(${target} PRIVATE -O2 -w -fno-sanitize=all)
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON C_STANDARD 11)
endfunction()

qg_grammar(ts_python ${QG_NODE_MODULES}/tree-sitter-python)
qg_grammar(ts_cpp ${QG_NODE_MODULES}/tree-sitter-cpp)
