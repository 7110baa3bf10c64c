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
  ${CMAKE_CURRENT_LIST_DIR}/multiopt.cpp
  ${CMAKE_CURRENT_LIST_DIR}/lr_scheduler.cpp
  ${CMAKE_CURRENT_LIST_DIR}/infinite_lr_scheduler.cpp
  ${CMAKE_CURRENT_LIST_DIR}/warmup_schedulers.cpp
  ${CMAKE_CURRENT_LIST_DIR}/torch_schedulers.cpp
)
