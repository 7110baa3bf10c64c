# runtime/src/train/logging/sources.cmake - the fgrt sources of the training
# logs (trainer_logs.json, TensorBoard events, console lines, throughput
# metrics), appended to FGRT_SOURCES from runtime/src/train/sources.cmake.
list(APPEND FGRT_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/clock.cpp
  ${CMAKE_CURRENT_LIST_DIR}/console_log.cpp
  ${CMAKE_CURRENT_LIST_DIR}/crc32c.cpp
  ${CMAKE_CURRENT_LIST_DIR}/log_record.cpp
  ${CMAKE_CURRENT_LIST_DIR}/posix_file.cpp
  ${CMAKE_CURRENT_LIST_DIR}/progress_bar.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tensorboard_event.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tensorboard_writer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/throughput.cpp
  ${CMAKE_CURRENT_LIST_DIR}/trainer_log_file.cpp
)

# fgrt-tb-tool (bin/): writes a TensorBoard event file from a script, so the
# lit test test/runtime/train/logging/tensorboard-roundtrip.test can check it
# with the independent Python reader test/reference/tensorboard_events.py.
# Only in fgcc's own tree: the copy of fgrt vendored into generated projects
# has no tools/ directory and no use for the tool. It needs no
# <torch/torch.h>, hence no precompiled header.
set(FGRT_TB_TOOL_SOURCE ${CMAKE_CURRENT_LIST_DIR}/../../../tools/tb_tool.cpp)
if(PROJECT_NAME STREQUAL "fgcc" AND EXISTS ${FGRT_TB_TOOL_SOURCE} AND NOT TARGET fgrt-tb-tool)
  add_executable(fgrt-tb-tool ${FGRT_TB_TOOL_SOURCE})
  target_link_libraries(fgrt-tb-tool PRIVATE fgrt)
endif()
