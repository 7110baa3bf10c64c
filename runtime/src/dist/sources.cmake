# runtime/src/dist/sources.cmake - the fgrt sources of this area, appended to
# FGRT_SOURCES by runtime/CMakeLists.txt (one fragment per area keeps the
# list next to the files it names). The schedule sources are plain C++17;
# fgcc compiles them too (fgcc_schedule in compiler/CMakeLists.txt).
list(APPEND FGRT_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/schedule.cpp
  ${CMAKE_CURRENT_LIST_DIR}/schedule_simulate.cpp
  ${CMAKE_CURRENT_LIST_DIR}/schedule_render.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stage_split.cpp
  ${CMAKE_CURRENT_LIST_DIR}/communicator.cpp
  ${CMAKE_CURRENT_LIST_DIR}/data_parallel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pipeline.cpp
)
