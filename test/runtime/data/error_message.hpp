// error_message.hpp - a helper shared by the data area's unit tests.
//
// Many tests pin the exact text of a std::runtime_error, because the message
// (file, line, field, value) is the user's only guide to a bad input.
#pragma once

#include <stdexcept>
#include <string>

namespace fgrt::data::testing {

/// The message of the std::runtime_error that `action` throws, or "" when
/// it throws none.
template <typename Action> std::string error_of(Action action) {
  try {
    action();
  } catch (const std::runtime_error &e) {
    return e.what();
  }
  return "";
}

} // namespace fgrt::data::testing
