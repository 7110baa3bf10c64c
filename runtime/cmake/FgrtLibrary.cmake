# FgrtLibrary.cmake - the fgrt library target, for fgcc's tree and for the
# copy vendored into every generated project (one definition of its sources
# and dependencies for both).
#
#   include(<runtime>/cmake/FgrtLibrary.cmake)
#   fgrt_add_library(<directory holding safetensors.hpp/.cpp>)
#
# Needs LibTorch found first (TORCH_LIBRARIES).
include_guard(GLOBAL)
include(${CMAKE_CURRENT_LIST_DIR}/TorchPch.cmake)

set(FGRT_ROOT ${CMAKE_CURRENT_LIST_DIR}/..)

function(fgrt_add_library modelsrc_dir)
  # One source list per area (src/<area>/sources.cmake), in the order data
  # flows through a training run.
  set(FGRT_SOURCES ${modelsrc_dir}/safetensors.cpp)
  foreach(area data tokenizer optim train dist)
    include(${FGRT_ROOT}/src/${area}/sources.cmake)
  endforeach()

  # PCRE2 (8-bit code units, UTF-8 mode) runs the tokenizers' pre-tokenizer
  # regexes, which need Unicode classes (\p{L}, \p{N}) std::regex lacks.
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(FGRT_PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
  # JSON files of a run (tokenizer.json, checkpoint indexes, trainer_logs.json).
  find_package(nlohmann_json 3 REQUIRED)

  add_library(fgrt STATIC ${FGRT_SOURCES})
  target_include_directories(fgrt PUBLIC ${FGRT_ROOT}/include ${modelsrc_dir})
  target_link_libraries(fgrt PUBLIC ${TORCH_LIBRARIES} PRIVATE PkgConfig::FGRT_PCRE2 utf8proc nlohmann_json::nlohmann_json)
  target_compile_features(fgrt PUBLIC cxx_std_17)
  fgrt_use_torch_pch(fgrt)
endfunction()
