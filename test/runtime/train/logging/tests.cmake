# test/runtime/train/logging/tests.cmake - the GoogleTest sources of the
# training logs, appended to FGRT_TEST_SOURCES from test/runtime/train/tests.cmake.
list(APPEND FGRT_TEST_SOURCES
)
