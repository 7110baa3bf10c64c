//===- ScalarResolver.cpp - YAML 1.1 implicit typing of plain scalars -----===//
#include "parse/ScalarResolver.h"

#include <cmath>
#include <cstdlib>
#include <limits>

namespace fgcc::yaml11 {

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

/// Consumes characters of a class at `i`; returns how many.
template <typename Pred> size_t run(std::string_view s, size_t &i, Pred p) {
  size_t begin = i;
  while (i < s.size() && p(s[i]))
    ++i;
  return i - begin;
}

/// Exact, case-sensitive membership: PyYAML lists each accepted spelling
/// (`true`, `True`, `TRUE`), so `tRue` stays a string.
bool oneOf(std::string_view s, std::initializer_list<std::string_view> options) {
  for (std::string_view o : options)
    if (s == o)
      return true;
  return false;
}

/// Length of an optional leading `-` or `+` (0 or 1).
size_t skipSign(std::string_view s) { return !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0; }

/// `(?::[0-5]?[0-9])+` starting at i.
bool sexagesimalTail(std::string_view s, size_t &i) {
  size_t groups = 0;
  while (i < s.size() && s[i] == ':') {
    size_t j = i + 1;
    if (j + 1 < s.size() && s[j] >= '0' && s[j] <= '5' && isDigit(s[j + 1]))
      j += 2;
    else if (j < s.size() && isDigit(s[j]))
      j += 1;
    else
      return false;
    i = j;
    ++groups;
  }
  return groups > 0;
}

/// `(?:[eE][-+][0-9]+)?` at i.
bool optionalExponent(std::string_view s, size_t &i) {
  if (i >= s.size() || (s[i] != 'e' && s[i] != 'E'))
    return true;
  if (i + 1 >= s.size() || (s[i + 1] != '-' && s[i + 1] != '+'))
    return false;
  i += 2;
  return run(s, i, isDigit) > 0;
}

/// PyYAML 6.0's float resolver (spec section 6.3). An exponent needs both a
/// `.` in the mantissa and a sign, so `1e-5` and `1.0e5` are not floats.
bool isFloat(std::string_view s) {
  auto digitOrUnderscore = [](char c) { return isDigit(c) || c == '_'; };
  size_t sign = skipSign(s);
  std::string_view body = s.substr(sign);
  if (oneOf(body, {".inf", ".Inf", ".INF"}))
    return true;
  // Unlike .inf, NaN takes no sign in the reference's regex.
  if (sign == 0 && oneOf(s, {".nan", ".NaN", ".NAN"}))
    return true;
  // \.[0-9][0-9_]*(?:[eE][-+][0-9]+)?  (no sign; PyYAML 6.0's form)
  if (sign == 0 && !s.empty() && s[0] == '.') {
    size_t i = 1;
    if (i >= s.size() || !isDigit(s[i]))
      return false;
    run(s, i, digitOrUnderscore);
    return optionalExponent(s, i) && i == s.size();
  }
  size_t i = sign;
  if (i >= s.size() || !isDigit(s[i]))
    return false;
  run(s, i, digitOrUnderscore);
  if (i < s.size() && s[i] == ':') {
    // [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    if (!sexagesimalTail(s, i) || i >= s.size() || s[i] != '.')
      return false;
    ++i;
    run(s, i, digitOrUnderscore);
    return i == s.size();
  }
  // [-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?
  if (i >= s.size() || s[i] != '.')
    return false;
  ++i;
  run(s, i, digitOrUnderscore);
  return optionalExponent(s, i) && i == s.size();
}

/// PyYAML's int resolver: binary, octal (a leading 0; `0o17` is a string),
/// decimal, hex and sexagesimal (`1:30` = 90), `_` allowed as a separator.
bool isInt(std::string_view s) {
  size_t i = skipSign(s);
  std::string_view b = s.substr(i);
  auto all = [](std::string_view t, auto pred) {
    if (t.empty())
      return false;
    for (char c : t)
      if (!pred(c))
        return false;
    return true;
  };
  if (b.size() > 2 && b[0] == '0' && b[1] == 'b')
    return all(b.substr(2), [](char c) { return c == '0' || c == '1' || c == '_'; });
  if (b.size() > 2 && b[0] == '0' && b[1] == 'x')
    return all(b.substr(2), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == '_'; });
  if (b.size() > 1 && b[0] == '0')
    return all(b.substr(1), [](char c) { return (c >= '0' && c <= '7') || c == '_'; });
  if (b == "0")
    return true;
  if (b.empty() || b[0] < '1' || b[0] > '9')
    return false;
  size_t j = 1;
  run(b, j, [](char c) { return isDigit(c) || c == '_'; });
  if (j == b.size())
    return true;
  return sexagesimalTail(b, j) && j == b.size();
}

/// PyYAML's timestamp resolver. Such scalars load in the reference but are
/// then rejected by its graph check (spec sections 6.3, 8.3).
bool isTimestamp(std::string_view s) {
  // YYYY-MM-DD, or a date-time; both start with the date.
  if (s.size() < 8 || !isDigit(s[0]) || !isDigit(s[1]) || !isDigit(s[2]) || !isDigit(s[3]) || s[4] != '-')
    return false;
  size_t i = 5;
  size_t month = run(s, i, isDigit);
  if (month < 1 || month > 2 || i >= s.size() || s[i] != '-')
    return false;
  ++i;
  size_t day = run(s, i, isDigit);
  if (i == s.size())
    return month == 2 && day == 2; // the date-only form needs two digits each
  if (day < 1 || day > 2)
    return false;
  // [Tt]|[ \t]+ then HH:MM:SS(.frac)?(([ \t]*)Z|[-+]HH(:MM)?)?
  if (s[i] == 'T' || s[i] == 't')
    ++i;
  else if (run(s, i, [](char c) { return c == ' ' || c == '\t'; }) == 0)
    return false;
  size_t hh = run(s, i, isDigit);
  if (hh < 1 || hh > 2 || i >= s.size() || s[i] != ':')
    return false;
  ++i;
  if (run(s, i, isDigit) != 2 || i >= s.size() || s[i] != ':')
    return false;
  ++i;
  if (run(s, i, isDigit) != 2)
    return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    run(s, i, isDigit);
  }
  run(s, i, [](char c) { return c == ' ' || c == '\t'; });
  if (i == s.size())
    return true;
  if (s[i] == 'Z')
    return i + 1 == s.size();
  if (s[i] != '-' && s[i] != '+')
    return false;
  ++i;
  size_t tzh = run(s, i, isDigit);
  if (tzh < 1 || tzh > 2)
    return false;
  if (i < s.size() && s[i] == ':') {
    ++i;
    if (run(s, i, isDigit) != 2)
      return false;
  }
  return i == s.size();
}

/// PyYAML's constructors drop every `_` before converting the digits.
std::string withoutUnderscores(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != '_')
      out += c;
  return out;
}

/// Base-60 value of "a:b:c" (PyYAML: digits reversed, base *= 60).
long double sexagesimal(const std::string &s) {
  long double value = 0;
  size_t begin = 0;
  while (true) {
    size_t end = s.find(':', begin);
    value = value * 60 + std::strtold(s.substr(begin, end - begin).c_str(), nullptr);
    if (end == std::string::npos)
      break;
    begin = end + 1;
  }
  return value;
}

/// PyYAML's int constructor. The magnitude is computed in long double so a
/// value beyond int64 is detected (and flagged as overflow) rather than
/// wrapped.
void constructInt(std::string_view text, ResolvedScalar &r) {
  std::string v = withoutUnderscores(text);
  int sign = 1;
  if (!v.empty() && (v[0] == '-' || v[0] == '+')) {
    sign = v[0] == '-' ? -1 : 1;
    v.erase(0, 1);
  }
  long double magnitude;
  if (v == "0")
    magnitude = 0;
  else if (v.compare(0, 2, "0b") == 0)
    magnitude = static_cast<long double>(std::strtoull(v.c_str() + 2, nullptr, 2));
  else if (v.compare(0, 2, "0x") == 0)
    magnitude = static_cast<long double>(std::strtoull(v.c_str() + 2, nullptr, 16));
  else if (v[0] == '0')
    magnitude = static_cast<long double>(std::strtoull(v.c_str(), nullptr, 8));
  else if (v.find(':') != std::string::npos)
    magnitude = sexagesimal(v);
  else
    magnitude = std::strtold(v.c_str(), nullptr);
  long double value = sign * magnitude;
  if (value > static_cast<long double>(std::numeric_limits<int64_t>::max()) ||
      value < static_cast<long double>(std::numeric_limits<int64_t>::min()) || v.size() > 19) {
    // Re-check exactly for long decimal strings close to the limit.
    errno = 0;
    long long exact = std::strtoll((sign < 0 ? "-" + v : v).c_str(), nullptr, 10);
    if (v.find_first_not_of("0123456789") == std::string::npos && v[0] != '0' && errno == 0) {
      r.intValue = exact;
      return;
    }
    r.overflow = true;
    return;
  }
  r.intValue = static_cast<int64_t>(value);
}

/// PyYAML's float constructor: underscores dropped, case-folded for
/// `.inf`/`.nan`, base 60 for sexagesimal forms.
void constructFloat(std::string_view text, ResolvedScalar &r) {
  std::string v = withoutUnderscores(text);
  for (char &c : v)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  double sign = 1;
  if (!v.empty() && (v[0] == '-' || v[0] == '+')) {
    sign = v[0] == '-' ? -1 : 1;
    v.erase(0, 1);
  }
  if (v == ".inf")
    r.floatValue = sign * std::numeric_limits<double>::infinity();
  else if (v == ".nan")
    r.floatValue = std::numeric_limits<double>::quiet_NaN();
  else if (v.find(':') != std::string::npos)
    r.floatValue = sign * static_cast<double>(sexagesimal(v));
  else
    r.floatValue = sign * std::strtod(v.c_str(), nullptr);
}

} // namespace

/// Tests the resolvers of spec section 6.3; their accepted sets are
/// disjoint, so the order of the tests does not change the result.
/// Anything no resolver accepts is a string.
ResolvedScalar resolvePlain(std::string_view s) {
  ResolvedScalar r;
  if (oneOf(s, {"", "~", "null", "Null", "NULL"})) {
    r.type = ScalarType::Null;
  } else if (oneOf(s, {"yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})) {
    r.type = ScalarType::Bool;
    r.boolValue = true;
  } else if (oneOf(s, {"no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"})) {
    r.type = ScalarType::Bool;
  } else if (isFloat(s)) {
    r.type = ScalarType::Float;
    constructFloat(s, r);
  } else if (isInt(s)) {
    r.type = ScalarType::Int;
    constructInt(s, r);
  } else if (s == "<<") {
    r.type = ScalarType::Merge;
  } else if (isTimestamp(s)) {
    r.type = ScalarType::Timestamp;
  } else if (s == "=") {
    r.type = ScalarType::Value;
  }
  return r;
}

} // namespace fgcc::yaml11
