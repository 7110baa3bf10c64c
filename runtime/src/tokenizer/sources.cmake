# runtime/src/tokenizer/sources.cmake - the fgrt sources of this area, appended to
# FGRT_SOURCES by runtime/CMakeLists.txt (one fragment per area keeps the
# list next to the files it names).
list(APPEND FGRT_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/added_tokens.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bpe_model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bpe_trainer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/byte_level.cpp
  ${CMAKE_CURRENT_LIST_DIR}/definition_json.cpp
  ${CMAKE_CURRENT_LIST_DIR}/file_io.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pre_tokenizer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/regex.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tokenizer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tokenizer_files.cpp
  ${CMAKE_CURRENT_LIST_DIR}/unicode.cpp
)
