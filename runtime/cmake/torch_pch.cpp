// torch_pch.cpp - the one source of the fgrt_torch_pch object library.
//
// CMake builds a target's precompiled header only for a target with sources;
// this file gives the PCH owner one.  Its object is never linked anywhere.
namespace fgrt::detail {
int torchPchAnchor() { return 0; }
}  // namespace fgrt::detail
