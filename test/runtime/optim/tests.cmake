# test/runtime/optim/tests.cmake - the GoogleTest sources of this area, appended
# to FGRT_TEST_SOURCES by test/runtime/CMakeLists.txt.
list(APPEND FGRT_TEST_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/adamw_sgd_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/adafactor_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/apollo_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/muon_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/multiopt_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/lr_scheduler_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/lr_reference_test.cpp
)
