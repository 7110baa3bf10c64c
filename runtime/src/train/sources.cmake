# runtime/src/train/sources.cmake - the fgrt sources of this area, appended to
# FGRT_SOURCES by runtime/CMakeLists.txt (one fragment per area keeps the
# list next to the files it names).
list(APPEND FGRT_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/dataset.cpp
  ${CMAKE_CURRENT_LIST_DIR}/checkpoint.cpp
  ${CMAKE_CURRENT_LIST_DIR}/trainer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pipeline_trainer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/callbacks.cpp
  ${CMAKE_CURRENT_LIST_DIR}/textgen_callback.cpp
  ${CMAKE_CURRENT_LIST_DIR}/program.cpp
)
include(${CMAKE_CURRENT_LIST_DIR}/logging/sources.cmake)
