# Helpers that declare every tfckpt target the same way.

set(TFCKPT_WARNINGS
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Woverloaded-virtual -Wimplicit-fallthrough -Wformat=2 -Wconversion
    -Wsign-conversion
    # C++17 removed trigraphs; glob patterns like "-?????-of-" are plain text.
    -Wno-trigraphs)

set(TFCKPT_SANITIZER "address" CACHE STRING
    "What TFCKPT_SANITIZE turns on: address (ASan + UBSan) or thread (TSan)")
set_property(CACHE TFCKPT_SANITIZER PROPERTY STRINGS address thread)

# With TFCKPT_SANITIZE, compiles and links everything defined after the call
# with the sanitizers TFCKPT_SANITIZER names. TSan cannot be combined with
# ASan, hence one choice per build directory.
macro(tfckpt_enable_sanitizers)
  if(TFCKPT_SANITIZE)
    if(TFCKPT_SANITIZER STREQUAL "address")
      add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                          -fno-omit-frame-pointer)
      add_link_options(-fsanitize=address,undefined)
    elseif(TFCKPT_SANITIZER STREQUAL "thread")
      add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
      add_link_options(-fsanitize=thread)
    else()
      message(FATAL_ERROR "TFCKPT_SANITIZER must be address or thread, "
                          "got '${TFCKPT_SANITIZER}'")
    endif()
  endif()
endmacro()

# Keeps the ~80 test and tool binaries small: each links the whole library,
# which with its debug info and (under ASan) relocations fills gigabytes per
# build directory. Debug sections are zlib-compressed (gdb and the
# sanitizers' symbolizer read them), and relative relocations are packed
# (DT_RELR: a linker ignores it where the C library cannot load it).
option(TFCKPT_COMPACT_BINARIES "Compress debug sections and pack relocations" ON)
macro(tfckpt_compact_binaries)
  if(TFCKPT_COMPACT_BINARIES)
    include(CheckCXXCompilerFlag)
    include(CheckLinkerFlag)
    check_cxx_compiler_flag(-gz TFCKPT_COMPILER_HAS_GZ)
    check_linker_flag(CXX -gz TFCKPT_LINKER_HAS_GZ)
    if(TFCKPT_COMPILER_HAS_GZ AND TFCKPT_LINKER_HAS_GZ)
      add_compile_options(-gz)
      add_link_options(-gz)
    endif()
    check_linker_flag(CXX -Wl,-z,pack-relative-relocs TFCKPT_LINKER_HAS_RELR)
    if(TFCKPT_LINKER_HAS_RELR)
      add_link_options(-Wl,-z,pack-relative-relocs)
    endif()
  endif()
endmacro()

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

set(TFCKPT_PYTHON "${PROJECT_SOURCE_DIR}/.venv/bin/python" CACHE FILEPATH
    "Python with tests/interop/requirements.txt installed (made by `make test`)")

# tfckpt_add_pytests(LABEL label ENV "VAR=value;...")
# Registers every test_*.py of the current source directory as one CTest
# test run by TFCKPT_PYTHON. The interpreter is checked when the test runs
# (the venv may be created after configuring): a missing one is a failure
# with instructions, never a skip.
function(tfckpt_add_pytests)
  cmake_parse_arguments(ARG "" "LABEL" "ENV" ${ARGN})
  # No ';' in the script: CMake would split the argument there.
  set(run_pytest [=[
if [ ! -x "$0" ]
then
  echo "TFCKPT_PYTHON=$0 does not exist. Run 'make test', or create it with" >&2
  echo "  python3 -m venv .venv && .venv/bin/pip install -r tests/interop/requirements.txt" >&2
  exit 1
fi
exec "$0" -m pytest "$@"
]=])
  file(GLOB test_files CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/test_*.py)
  foreach(test_file IN LISTS test_files)
    get_filename_component(test_name ${test_file} NAME_WE)
    set(name ${ARG_LABEL}_${test_name})
    add_test(NAME ${name}
             COMMAND sh -c "${run_pytest}" ${TFCKPT_PYTHON} ${test_file}
                     -q -p no:cacheprovider
             WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR})
    set_tests_properties(${name} PROPERTIES
        LABELS "interop"
        TIMEOUT 900
        ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1;TF_CPP_MIN_LOG_LEVEL=2;${ARG_ENV}")
  endforeach()
endfunction()
