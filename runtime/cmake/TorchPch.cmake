# TorchPch.cmake - one precompiled <torch/torch.h> shared by LibTorch targets.
#
# Parsing <torch/torch.h> is ~8 s of the ~10 s a clang++-14 TU takes; with a
# shared clang PCH a TU takes ~3 s.  The PCH is built once, by an object
# library, and every other target reuses it (REUSE_FROM) instead of building
# its own 125 MB copy.
#
# Usage, from any CMakeLists.txt, before or after runtime/ is added:
#
#   include(${CMAKE_SOURCE_DIR}/runtime/cmake/TorchPch.cmake)
#   add_executable(my_tool main.cpp)
#   target_link_libraries(my_tool PRIVATE ${TORCH_LIBRARIES})
#   fgrt_use_torch_pch(my_tool)
#
# The reusing target must be compiled with the flags the PCH was built with,
# or clang refuses the PCH: link ${TORCH_LIBRARIES} (its -D and -isystem
# flags), C++17, the same build type, and no -D definitions of its own that
# change what torch.h sees.  Shared and module libraries (-fPIC) get a second,
# PIC flavour of the PCH automatically.  -DFGRT_TORCH_PCH=OFF turns sharing
# off (fgrt_use_torch_pch then does nothing), e.g. to measure its effect.
include_guard(GLOBAL)

option(FGRT_TORCH_PCH "Compile LibTorch targets with a shared precompiled <torch/torch.h>" ON)

# The target that owns the PCH for <pic> code, created on first use so that
# whichever directory asks first (modelsrc/ comes before runtime/) gets it.
function(_fgrt_torch_pch_owner pic out)
  if(pic)
    set(owner fgrt_torch_pch_pic)
  else()
    set(owner fgrt_torch_pch)
  endif()
  if(NOT TARGET ${owner})
    add_library(${owner} OBJECT ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/torch_pch.cpp)
    target_link_libraries(${owner} PRIVATE ${TORCH_LIBRARIES})
    target_compile_features(${owner} PRIVATE cxx_std_17)
    set_target_properties(${owner} PROPERTIES POSITION_INDEPENDENT_CODE ${pic})
    target_precompile_headers(${owner} PRIVATE <torch/torch.h>)
  endif()
  set(${out} ${owner} PARENT_SCOPE)
endfunction()

# fgrt_use_torch_pch(<target>): compile <target> with the shared PCH.
function(fgrt_use_torch_pch target)
  if(NOT FGRT_TORCH_PCH)
    return()
  endif()
  get_target_property(type ${target} TYPE)
  get_target_property(pic ${target} POSITION_INDEPENDENT_CODE)
  if(type STREQUAL "SHARED_LIBRARY" OR type STREQUAL "MODULE_LIBRARY" OR pic)
    _fgrt_torch_pch_owner(ON owner)
  else()
    _fgrt_torch_pch_owner(OFF owner)
  endif()
  target_precompile_headers(${target} REUSE_FROM ${owner})
endfunction()
