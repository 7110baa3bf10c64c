# test/runtime/train/tests.cmake - the GoogleTest sources of this area, appended
# to FGRT_TEST_SOURCES by test/runtime/CMakeLists.txt.
list(APPEND FGRT_TEST_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/checkpoint_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/named_optimizer_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/textgen_callback_test.cpp
)
include(${CMAKE_CURRENT_LIST_DIR}/logging/tests.cmake)
