# runtime/src/train/logging/sources.cmake - the fgrt sources of the training
# logs (trainer_logs.json, TensorBoard events, console lines, throughput
# metrics), appended to FGRT_SOURCES from runtime/src/train/sources.cmake.
list(APPEND FGRT_SOURCES
)
