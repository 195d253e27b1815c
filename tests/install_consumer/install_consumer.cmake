# Driver of the install_consumer test (cmake -P). Inputs: TFCKPT_BUILD_DIR,
# CONSUMER_SOURCE_DIR, WORK_DIR, GENERATOR, CXX_COMPILER, BUILD_TYPE, SANITIZE.
cmake_minimum_required(VERSION 3.25)

function(run)
  message(STATUS "install_consumer: ${ARGN}")
  execute_process(COMMAND ${ARGN} COMMAND_ERROR_IS_FATAL ANY)
endfunction()

set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})

run(${CMAKE_COMMAND} --install ${TFCKPT_BUILD_DIR} --prefix ${prefix})

# Static libraries built with sanitizers need the sanitizer runtime at link
# time, so the consumer of a sanitized build compiles the same way.
set(flags)
if(SANITIZE)
  set(flags "-DCMAKE_CXX_FLAGS=-fsanitize=address,undefined"
            "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined")
endif()
run(${CMAKE_COMMAND} -S ${CONSUMER_SOURCE_DIR} -B ${WORK_DIR}/build
    -G ${GENERATOR} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
    -DCMAKE_BUILD_TYPE=${BUILD_TYPE} -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF ${flags})

# It must have found the freshly installed package, not another copy.
file(STRINGS ${WORK_DIR}/build/CMakeCache.txt found_dir REGEX "^tfckpt_DIR:")
if(NOT found_dir MATCHES "=${prefix}/")
  message(FATAL_ERROR "consumer found tfckpt elsewhere: ${found_dir}")
endif()

run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/consumer ${WORK_DIR}/checkpoint/model)

# Passed: the installed copy of the project goes (hundreds of MB per build
# directory); a failure above stops the script first and leaves it to inspect.
file(REMOVE_RECURSE ${WORK_DIR})
