# qg_library(NAME DIR [EXTRA_SOURCES...]): the static library of src/DIR/*.cpp. Its headers are
# included as "DIR/x.h" by whoever links it, and by nobody else: its PUBLIC include root is a
# directory of the build tree holding one link, DIR -> src/DIR, instead of all of src/. Layering
# (core <- python, cpp <- scan <- fix, git) is then checked by the build, not kept by convention.
function(qg_library name dir)
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/${dir}/*.cpp)
  add_library(${name} STATIC ${sources} ${ARGN})
  set(root ${CMAKE_BINARY_DIR}/include/${name})
  file(MAKE_DIRECTORY ${root})
  if(NOT EXISTS ${root}/${dir})
    file(CREATE_LINK ${CMAKE_SOURCE_DIR}/src/${dir} ${root}/${dir} SYMBOLIC)
  endif()
  target_include_directories(${name} PUBLIC ${root})
  target_compile_options(${name} PRIVATE ${QG_WARNINGS})
endfunction()
