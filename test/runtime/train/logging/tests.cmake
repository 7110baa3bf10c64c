# test/runtime/train/logging/tests.cmake - the GoogleTest sources of the
# training logs, appended to FGRT_TEST_SOURCES from test/runtime/train/tests.cmake.
list(APPEND FGRT_TEST_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/console_log_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tensorboard_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/throughput_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/trainer_log_file_test.cpp
)
