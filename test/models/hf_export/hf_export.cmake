# fgcc-hf-export: the checks of stdlib-templates/modelsrc/hf_llama.hpp (HF
# llama/mistral/qwen3 export and import), run by test/models/hf-export.test.
# Its own executable, outside test/models/*.cpp, which the numerics harness
# globs: it needs no JSON test configs and has a main() of its own.
add_executable(fgcc-hf-export ${CMAKE_SOURCE_DIR}/test/models/hf_export/hf_export.cpp)
target_link_libraries(fgcc-hf-export PRIVATE fgcc_models fgrt)
fgrt_use_torch_pch(fgcc-hf-export)
