# test/runtime/data/tests.cmake - the GoogleTest sources of this area, appended
# to FGRT_TEST_SOURCES by test/runtime/CMakeLists.txt.
list(APPEND FGRT_TEST_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/random_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/corpus_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/synthetic_stories_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/packing_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/collator_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/loader_test.cpp
)
