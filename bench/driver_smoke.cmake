# CTest smoke run of tfckpt_bench_driver at a tiny size: every command must
# succeed and print its JSON line. -DDRIVER=... -DWORK_DIR=...
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
file(WRITE ${WORK_DIR}/spec.txt
     "dense/kernel float32 64,32\nbias bfloat16 32\nstep int64 -\nvocab string 10\n")
foreach(command
    "save;${WORK_DIR}/spec.txt;${WORK_DIR}/ckpt;--runs;2"
    "save;${WORK_DIR}/spec.txt;${WORK_DIR}/ckpt;--runs;1;--sync"
    "restore;${WORK_DIR}/ckpt;--runs;2"
    "restore;${WORK_DIR}/ckpt;--runs;1;--threads;1"
    "restore;${WORK_DIR}/ckpt;--runs;1;--map"
    "open;${WORK_DIR}/ckpt;--runs;2"
    "memcpy;65536;--runs;2;--threads;2"
    "readfiles;${WORK_DIR}/ckpt.data-00000-of-00001;--runs;2;--threads;2")
  execute_process(COMMAND ${DRIVER} ${command}
                  RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT result EQUAL 0 OR NOT out MATCHES "^{\"times\": \\[")
    message(FATAL_ERROR "tfckpt_bench_driver ${command} failed (${result}): ${out}${err}")
  endif()
  message(STATUS "${command}: ${out}")
endforeach()
