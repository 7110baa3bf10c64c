//===- error_text.hpp - The part of an error message a user reads --------===//
//
// Private to the training runtime: shared by the program's error report and
// the callbacks that turn a failure into one console line.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>

namespace fgrt::train {

/// The first line of an exception message: LibTorch's errors carry their
/// context and a C++ backtrace below it.
inline std::string first_line(const std::string &message) { return message.substr(0, message.find('\n')); }

} // namespace fgrt::train
