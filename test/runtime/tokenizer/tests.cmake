# test/runtime/tokenizer/tests.cmake - the GoogleTest sources of this area, appended
# to FGRT_TEST_SOURCES by test/runtime/CMakeLists.txt.
list(APPEND FGRT_TEST_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/decode_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/encode_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/json_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/trainer_test.cpp
)
