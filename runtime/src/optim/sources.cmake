# runtime/src/optim/sources.cmake - the fgrt sources of this area, appended to
# FGRT_SOURCES by runtime/CMakeLists.txt (one fragment per area keeps the
# list next to the files it names).
list(APPEND FGRT_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/optimizer_support.cpp
  ${CMAKE_CURRENT_LIST_DIR}/adamw.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sgd.cpp
  ${CMAKE_CURRENT_LIST_DIR}/adafactor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/muon.cpp
  ${CMAKE_CURRENT_LIST_DIR}/subspace_projector.cpp
  ${CMAKE_CURRENT_LIST_DIR}/apollo.cpp
)
# The LR scheduler base class (the trainer steps every scheduler through it).
list(APPEND FGRT_SOURCES ${CMAKE_CURRENT_LIST_DIR}/lr_scheduler.cpp)
