// PyFormat.h - Python's format-spec mini-language (str.format / format()).
//
// Templates use "{:>10}".format(x) and the |format filter; the output must
// match CPython 3.11 character for character, including its error messages.
// Spec grammar: [[fill]align][sign][z][#][0][width][grouping][.precision][type]
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fgcc::py {

// format(str, spec).  Types: 's' or none.
std::string formatStr(std::string_view value, std::string_view spec);

// format(int, spec).  Types: d b o x X c n, none, and the float types
// e E f F g G % (the int is converted to float first, as Python does).
std::string formatInt(int64_t value, std::string_view spec);

// format(float, spec).  Types: e E f F g G n %, and none (repr-like).
std::string formatFloat(double value, std::string_view spec);

// Errors: std::invalid_argument carrying CPython's ValueError text, e.g.
// "Unknown format code 'd' for object of type 'str'"; 'c' out of range
// throws std::overflow_error("%c arg not in range(0x110000)").  Widths or
// precisions above 100000000 throw std::length_error (CPython would try to
// build the giant string).

}  // namespace fgcc::py
