# test/runtime/tokenizer/tests.cmake - the GoogleTest sources of this area, appended
# to FGRT_TEST_SOURCES by test/runtime/CMakeLists.txt.
list(APPEND FGRT_TEST_SOURCES
)
