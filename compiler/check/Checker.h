//===- Checker.h - Phase "check": config mistakes before anything runs ----===//
//
// With every call resolved to a component signature, the checker finds what
// a Python framework would only find an hour into a job: unknown keyword
// arguments (with the closest name), missing required arguments, too many
// positional arguments, values of the wrong type (a string where an integer
// is needed; an integer where a float is needed is fine; lists for
// vectors and expanding arrays), arguments given twice, and partials whose
// remaining arguments do not fit the std::function the receiving parameter
// will call them as. (Reference
// cycles cannot reach this phase: the graph builder rejects a node that
// contains an alias of itself.) Every error of the config is reported, each
// at the template line that wrote the offending key.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "resolve/Resolver.h"

namespace fgcc::check {

/// Checks every component call of `typed` against its manifest signature;
/// each mistake is reported into `diags` (nothing is thrown), located
/// through `where` at the template line that wrote it.
void checkTypedGraph(const resolve::TypedGraph &typed, const yaml::PpLocator &where, DiagnosticEngine &diags);

/// Whether a config value fits a parameter category; on a mismatch, sets
/// `why` to "expected X, got Y".
bool valueFits(const graph::Node &value, const resolve::Param &param, std::string &why);

} // namespace fgcc::check
