# runtime/src/tokenizer/sources.cmake - the fgrt sources of this area, appended to
# FGRT_SOURCES by runtime/CMakeLists.txt (one fragment per area keeps the
# list next to the files it names).
list(APPEND FGRT_SOURCES
)
