# FgccGenerateModel.cmake - a config's generated model, made at build time.
#
#   fgcc_generate_model(TARGET <exe> PROJECT <project dir> CONFIG <config name>
#                       OUTPUT <dir> SOURCES <extra sources...>)
#
# Runs `fgcc -p PROJECT -t CONFIG --emit-model -o OUTPUT` whenever fgcc, the
# manifests or a template changes, and builds the executable TARGET from the
# generated model.cpp and SOURCES against the model library fgcc_models (the
# sources the generated components/ folder copies), with the shared torch PCH.
# Inside SOURCES, `#include "model.hpp"` finds the generated header.
include_guard(GLOBAL)
include(${CMAKE_SOURCE_DIR}/runtime/cmake/TorchPch.cmake)

file(GLOB_RECURSE FGCC_GENERATE_MODEL_TEMPLATES CONFIGURE_DEPENDS
  ${CMAKE_SOURCE_DIR}/examples/*.yaml ${CMAKE_SOURCE_DIR}/stdlib-templates/*.yaml
  ${CMAKE_SOURCE_DIR}/stdlib-templates/*.jinja)

function(fgcc_generate_model)
  cmake_parse_arguments(GEN "" "TARGET;PROJECT;CONFIG;OUTPUT" "SOURCES" ${ARGN})
  set(model ${GEN_OUTPUT}/model)
  add_custom_command(
    OUTPUT ${model}/model.cpp ${model}/model.hpp ${model}/model_smoke.cpp ${model}/config.json
    COMMAND fgcc -p ${GEN_PROJECT} -t ${GEN_CONFIG} --emit-model -o ${GEN_OUTPUT}
    # fgcc leaves unchanged files alone; touch them so the outputs are newer
    # than their inputs and the command does not rerun on every build.
    COMMAND ${CMAKE_COMMAND} -E touch ${model}/model.cpp ${model}/model.hpp ${model}/model_smoke.cpp
            ${model}/config.json
    DEPENDS fgcc fgcc-models-manifest fgcc-torch-manifest ${FGCC_GENERATE_MODEL_TEMPLATES}
    COMMENT "Generating the model of ${GEN_CONFIG}"
    VERBATIM)
  add_executable(${GEN_TARGET} ${model}/model.cpp ${GEN_SOURCES})
  target_include_directories(${GEN_TARGET} PRIVATE ${model})
  target_link_libraries(${GEN_TARGET} PRIVATE fgcc_models fgrt)
  fgrt_use_torch_pch(${GEN_TARGET})
endfunction()

# fgcc_generate_train(TARGET <exe> PROJECT <project dir> CONFIG <config name>
#                     OUTPUT <dir> [STAGES <n>])
#
# The whole project of a training config (`fgcc -p PROJECT -t CONFIG -o
# OUTPUT`), with its `train` program compiled here from the generated
# train/main.cpp and model/model.cpp against the in-tree model library and
# fgrt (the sources the project vendors), so a test pays two translation
# units instead of the project's seventy. A pipeline config also has its
# STAGES sources, model/stages/stage_<k>.cpp.
function(fgcc_generate_train)
  cmake_parse_arguments(GEN "" "TARGET;PROJECT;CONFIG;OUTPUT;STAGES" "" ${ARGN})
  set(outputs ${GEN_OUTPUT}/train/main.cpp ${GEN_OUTPUT}/model/model.cpp ${GEN_OUTPUT}/model/model.hpp)
  set(stage_sources)
  if(GEN_STAGES)
    math(EXPR last "${GEN_STAGES} - 1")
    foreach(k RANGE ${last})
      list(APPEND stage_sources ${GEN_OUTPUT}/model/stages/stage_${k}.cpp)
    endforeach()
    list(APPEND outputs ${stage_sources})
  endif()
  file(GLOB_RECURSE runtime_headers CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/runtime/include/*.hpp)
  add_custom_command(
    OUTPUT ${outputs}
    COMMAND fgcc -p ${GEN_PROJECT} -t ${GEN_CONFIG} -o ${GEN_OUTPUT}
    COMMAND ${CMAKE_COMMAND} -E touch ${outputs}
    DEPENDS fgcc fgcc-models-manifest fgcc-torch-manifest fgcc-runtime-manifest ${FGCC_GENERATE_MODEL_TEMPLATES}
            ${runtime_headers}
    COMMENT "Generating the training project of ${GEN_CONFIG}"
    VERBATIM)
  add_executable(${GEN_TARGET} ${GEN_OUTPUT}/train/main.cpp ${GEN_OUTPUT}/model/model.cpp ${stage_sources})
  target_include_directories(${GEN_TARGET} PRIVATE ${GEN_OUTPUT}/model)
  target_link_libraries(${GEN_TARGET} PRIVATE fgcc_models fgrt)
  fgrt_use_torch_pch(${GEN_TARGET})
  # bin/: the project has a train/ directory of its own.
  set_target_properties(${GEN_TARGET} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${GEN_OUTPUT}/bin OUTPUT_NAME train)
endfunction()
