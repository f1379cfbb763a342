# The wheel build (scikit-build-core, see pyproject.toml): one wheel holding the `quotaguard`
# package, its pybind11 core, and the CLI binary in the scripts directory (on PATH once
# installed, the way ruff ships its binary).

# ccache, with paths made relative to the source tree: the wheel is built in
# <source>/build-wheel, so a pre-commit clone, a `pip install` from a copy and scripts/setup's
# build/ hash to the same objects and a second build mostly links.
# Precompiled headers are off here: a .gch holds absolute paths, so every object compiled
# with one would miss the cache in each new source directory.
find_program(QG_CCACHE ccache)
set(CMAKE_DISABLE_PRECOMPILE_HEADERS ON)
if(QG_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(QG_LAUNCHER ${CMAKE_COMMAND} -E env CCACHE_BASEDIR=${CMAKE_SOURCE_DIR} CCACHE_NOHASHDIR=1 ${QG_CCACHE})
  set(CMAKE_C_COMPILER_LAUNCHER ${QG_LAUNCHER})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${QG_LAUNCHER})
endif()

function(qg_wheel_install)
  install(TARGETS quotaguard RUNTIME DESTINATION ${SKBUILD_SCRIPTS_DIR})
  install(TARGETS quotaguard_core LIBRARY DESTINATION quotaguard)
  # QUOTAGUARD_AUTO=1: quotaguard.install() at interpreter start (site-packages' .pth lines
  # starting with `import` run then); without the variable it costs one environment look-up.
  install(FILES ${CMAKE_SOURCE_DIR}/python/quotaguard-auto.pth DESTINATION .)
endfunction()
