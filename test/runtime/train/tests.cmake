# test/runtime/train/tests.cmake - the GoogleTest sources of this area, appended
# to FGRT_TEST_SOURCES by test/runtime/CMakeLists.txt.
list(APPEND FGRT_TEST_SOURCES
)
include(${CMAKE_CURRENT_LIST_DIR}/logging/tests.cmake)
