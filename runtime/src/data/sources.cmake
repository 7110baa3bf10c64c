# runtime/src/data/sources.cmake - the fgrt sources of this area, appended to
# FGRT_SOURCES by runtime/CMakeLists.txt (one fragment per area keeps the
# list next to the files it names).
list(APPEND FGRT_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/random.cpp
  ${CMAKE_CURRENT_LIST_DIR}/corpus.cpp
  ${CMAKE_CURRENT_LIST_DIR}/synthetic_stories.cpp
  ${CMAKE_CURRENT_LIST_DIR}/packing.cpp
  ${CMAKE_CURRENT_LIST_DIR}/collator.cpp
  ${CMAKE_CURRENT_LIST_DIR}/loader.cpp
)
