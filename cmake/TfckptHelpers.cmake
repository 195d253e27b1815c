# Helpers that declare every tfckpt target the same way.

set(TFCKPT_WARNINGS
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Woverloaded-virtual -Wimplicit-fallthrough -Wformat=2 -Wconversion
    -Wsign-conversion)

# Applies the project's warning set to one target.
function(tfckpt_set_warnings target)
  target_compile_options(${target} PRIVATE ${TFCKPT_WARNINGS})
  if(TFCKPT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# tfckpt_cc_library(name SRCS ... [DEPS ...] [PRIVATE_DEPS ...])
function(tfckpt_cc_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SRCS})
  target_include_directories(${name}
      PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
             $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>
             $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
      PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  tfckpt_set_warnings(${name})
endfunction()

# tfckpt_cc_test(name SRCS ... [DEPS ...]): a GoogleTest binary whose cases
# CTest discovers one by one.
function(tfckpt_cc_test name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} tfckpt_testing
                        GTest::gmock GTest::gtest_main)
  tfckpt_set_warnings(${name})
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
      PROPERTIES ENVIRONMENT "TFCKPT_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()
