//===- DynamicArgs.h - A config's own command-line options ----------------===//
//
// A config may declare a `dynamic_args` target: a list of option
// descriptions ({names, type, help, choices, action, default}). Those become
// command-line options of fgcc; the values given are passed to the template
// as render arguments (spec section 10.6).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "driver/Session.h"

#include <string>
#include <vector>

namespace fgcc {

/// One declared option, as the reference hands it to argparse (spec
/// section 10.6); `default` is not kept, since the reference drops it too.
struct DynamicArg {
  std::vector<std::string> names; ///< "--max-steps", "-m"
  std::string dest;               ///< max_steps
  std::string type = "str";       ///< int, str, float, bool, path
  std::string action;             ///< "store_true", "store_false" or empty
  std::string help;
  std::vector<std::string> choices;
};

/// Reads the `dynamic_args` target of a rendered config (empty if none).
std::vector<DynamicArg> readDynamicArgs(const std::string &ppText);

/// Parses `args` against the declared options and returns the render
/// arguments (store_true options always present, others when given) in
/// declaration order. Throws FatalError for unknown options or bad values.
std::vector<std::pair<std::string, render::Value>> parseDynamicArgs(const std::vector<DynamicArg> &declared,
                                                                    const std::vector<std::string> &args);

} // namespace fgcc
