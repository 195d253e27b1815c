# CTest smoke run of micro_bench at tiny sizes, with TMPDIR an empty
# directory: the run must succeed and leave that directory empty (at full
# size its scratch bundles take a gigabyte). -DMICRO_BENCH=... -DWORK_DIR=...
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} -E env TMPDIR=${WORK_DIR}
                        ${MICRO_BENCH} --smoke --benchmark_min_time=0.001
                RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "micro_bench --smoke failed (${result})")
endif()
file(GLOB left_behind ${WORK_DIR}/*)
if(left_behind)
  message(FATAL_ERROR "micro_bench left its scratch files behind: ${left_behind}")
endif()
