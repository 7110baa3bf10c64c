// PyText.h - Python-exact text semantics for the template renderer.
//
// Rendered configs must be byte-identical to what Python's Jinja2 produces, so
// everything that turns values into text (float/str repr), classifies
// characters (str.isspace, re's \w, str.isprintable) or implements a str
// method must follow CPython, not C/C++ conventions.  All strings are UTF-8;
// "character" always means a Unicode code point, as in Python's str.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fgcc::py {

// ---------------------------------------------------------------- repr ----

// Python 3 repr(float): shortest round-trip digits, fixed notation for
// 1e-4 <= |x| < 1e16, else "d[.ddd]e[+-]XX"; "inf", "-inf", "nan".
std::string floatRepr(double x);

// Python 3 repr(str) of a valid UTF-8 string, including the quote choice.
std::string strRepr(std::string_view utf8);

// Appends the escape Python's repr (and YAML's double-quoted style, with
// upperHex) uses for a character: \xNN up to U+00FF, \uNNNN up to U+FFFF,
// else \UNNNNNNNN.
void appendHexEscape(std::string& out, char32_t c, bool upperHex = false);

// Decimal digits of a non-negative double: value = 0.DIGITS x 10^decpt.
// Trailing zeros are stripped; zero is {"0", 1} (what CPython's dtoa gives).
struct DecimalDigits {
    std::string digits;
    int decpt = 0;
};

// Shortest digits that round-trip (dtoa mode 0, the digits of repr).
DecimalDigits shortestDigits(double nonNegative);
// Digits correctly rounded to `significant` (>= 1) significant digits.
DecimalDigits roundedDigits(double nonNegative, int significant);

// How CPython's format_float_short lays out a digit string.  `code` is
// 'r' (repr), 'g' or 'e'; `precision` is the significant-digit count used
// for 'g' (and 'e', where it is 1 + digits after the point).
struct DigitLayout {
    char code = 'r';
    int precision = 0;
    bool alternate = false;   // '#': keep the point / trailing zeros
    bool addDotZero = false;  // integral fixed results get ".0"
    bool upper = false;       // 'E' instead of 'e'
};
std::string layoutDigits(const DecimalDigits& d, const DigitLayout& how);

// --------------------------------------------------------------- UTF-8 ----

// Decodes the code point at s[pos] and advances pos past it.  Input is
// expected to be valid; an invalid byte decodes as U+FFFD and advances one
// byte so that callers never loop forever on bad data.
char32_t decodeUtf8(std::string_view s, size_t& pos);

// Appends the UTF-8 encoding of cp (which must be <= U+10FFFF).
void appendUtf8(std::string& out, char32_t cp);

// Byte offset of the first invalid sequence (overlong forms, surrogates,
// values above U+10FFFF, stray continuation bytes, truncation), if any.
std::optional<size_t> findInvalidUtf8(std::string_view s);

// Python len(): the number of code points.
size_t length(std::string_view s);

// ------------------------------------------------------ character classes ----

// str.isspace() for one character.
bool isSpace(char32_t c);
// Python re's \w for str patterns (approximate outside ASCII, see .cpp).
bool isWordChar(char32_t c);
// str.isprintable() for one character (approximate, see .cpp).
bool isPrintable(char32_t c);

// ---------------------------------------------------------- str methods ----

// str.strip() / lstrip() / rstrip() without arguments: Unicode whitespace.
std::string strip(std::string_view s);
std::string lstrip(std::string_view s);
std::string rstrip(std::string_view s);
// str.strip(chars): `chars` is a set of code points.
std::string strip(std::string_view s, std::string_view chars);
std::string lstrip(std::string_view s, std::string_view chars);
std::string rstrip(std::string_view s, std::string_view chars);

// str.split() / str.split(None, maxsplit): runs of whitespace separate,
// no empty fields.  maxsplit < 0 means unlimited.
std::vector<std::string> split(std::string_view s, int maxsplit = -1);
// str.split(sep, maxsplit).  Throws std::invalid_argument("empty separator").
std::vector<std::string> split(std::string_view s, std::string_view sep,
                               int maxsplit = -1);
// str.rsplit(): as split, but maxsplit counts from the right.
std::vector<std::string> rsplit(std::string_view s, int maxsplit = -1);
std::vector<std::string> rsplit(std::string_view s, std::string_view sep,
                                int maxsplit = -1);

// str.upper() / str.lower() for ASCII letters; other characters unchanged.
std::string upper(std::string_view s);
std::string lower(std::string_view s);

// str.replace(old, new, count).  An empty `old` inserts `repl` before every
// character and at the end (at most `count` times); count < 0 = unlimited.
std::string replace(std::string_view s, std::string_view old,
                    std::string_view repl, long count = -1);

}  // namespace fgcc::py
