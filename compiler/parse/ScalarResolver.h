//===- ScalarResolver.h - YAML 1.1 implicit typing of plain scalars -------===//
//
// PyYAML (YAML 1.1) decides the type of an unquoted scalar by regular
// expressions: `1e-5` is a string, `1.0e-5` a float, `yes` a boolean, `017`
// octal, `1:30` sexagesimal (spec section 6.3). Configs depend on these rules,
// so fgcc reproduces them exactly, with hand-written matchers (no regex
// engine: this runs for every scalar of every config).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fgcc::yaml11 {

/// The implicit tags of spec section 6.3. Merge is the `<<` key (section
/// 6.4); Timestamp and Value exist so such scalars fail as in the reference
/// (a `=` value at construction, a timestamp in the graph check, 8.3).
enum class ScalarType { Null, Bool, Int, Float, Merge, Timestamp, Value, Str };

/// A plain scalar's type and, for Bool/Int/Float, its constructed value.
struct ResolvedScalar {
  ScalarType type = ScalarType::Str;
  bool boolValue = false;
  int64_t intValue = 0;
  double floatValue = 0;
  /// Int scalars too large for 64 bits (PyYAML would make a bignum).
  bool overflow = false;
};

/// Types a plain scalar the way PyYAML's SafeLoader does.
ResolvedScalar resolvePlain(std::string_view text);

} // namespace fgcc::yaml11
