# test/runtime/dist/tests.cmake - the GoogleTest sources of this area, appended
# to FGRT_TEST_SOURCES by test/runtime/CMakeLists.txt. The pipeline schedules
# need no LibTorch, so their tests live in fgcc_unit_tests
# (test/unit/schedule_test.cpp), which builds without it.
list(APPEND FGRT_TEST_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/data_parallel_test.cpp
)
