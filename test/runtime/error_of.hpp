// error_of.hpp - a helper shared by the runtime's unit tests.
//
// Many tests pin the exact text of an exception, because the message (file,
// line, field, value) is the user's only guide to a bad input.
#pragma once

#include <exception>
#include <string>

namespace fgrt::testing {

/// The message of the exception `action` throws, or "" when it throws none.
template <typename Action> std::string error_of(Action &&action) {
  try {
    action();
  } catch (const std::exception &e) {
    return e.what();
  }
  return "";
}

} // namespace fgrt::testing
