// PyFormat.cpp - CPython 3.11's format-spec mini-language (see PyFormat.h).
//
// The structure follows CPython's Python/formatter_unicode.c: parse the spec
// once, validate it per value type, produce the bare digits, then lay out
// <padding><sign><prefix><padding><grouped digits><remainder><padding>.
#include "support/PyFormat.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <stdexcept>

#include "support/PyText.h"

namespace fgcc::py {

namespace {

// Widths and precisions beyond this would only build absurd strings.
constexpr int64_t kMaxFieldSize = 100000000;

struct Spec {
    char32_t fill = ' ';
    char32_t align = 0;  // '<' '>' '^' '=' after defaulting
    bool fillGiven = false;
    char32_t sign = 0;   // '+' '-' ' ' or 0
    bool noNegZero = false;
    bool alternate = false;
    int64_t width = -1;
    char32_t grouping = 0;  // ',' '_' or 0
    int groupSize = 3;
    int64_t precision = -1;
    char32_t type = 0;
};

[[noreturn]] void fail(const std::string& message) {
    throw std::invalid_argument(message);
}

bool isAlign(char32_t c) { return c == '<' || c == '>' || c == '^' || c == '='; }
bool isDigit(char32_t c) { return c >= '0' && c <= '9'; }

// CPython quotes a type code as the character when printable ASCII, else
// as '\x<hex>' without zero padding.
std::string codeText(char32_t c) {
    if (c > 32 && c < 128) return std::string(1, static_cast<char>(c));
    char buf[16];
    auto res = std::to_chars(buf, buf + sizeof buf, static_cast<uint32_t>(c), 16);
    return "\\x" + std::string(buf, res.ptr);
}

[[noreturn]] void failUnknownType(char32_t type, const char* typeName) {
    fail("Unknown format code '" + codeText(type) + "' for object of type '" +
         typeName + "'");
}

// Reads a run of decimal digits into `out`; returns false if there is none.
bool readNumber(const std::u32string& s, size_t& pos, int64_t& out) {
    const size_t start = pos;
    int64_t value = 0;
    for (; pos < s.size() && isDigit(s[pos]); ++pos) {
        const int digit = static_cast<int>(s[pos] - '0');
        if (value > (INT64_MAX - digit) / 10)
            fail("Too many decimal digits in format string");
        value = value * 10 + digit;
    }
    if (pos == start) return false;
    if (value > kMaxFieldSize) throw std::length_error("format field too large");
    out = value;
    return true;
}

void parseGrouping(const std::u32string& s, size_t& pos, Spec& spec) {
    if (pos < s.size() && s[pos] == ',') {
        spec.grouping = ',';
        ++pos;
    }
    if (pos < s.size() && s[pos] == '_') {
        if (spec.grouping) fail("Cannot specify both ',' and '_'.");
        spec.grouping = '_';
        ++pos;
    }
    if (pos < s.size() && s[pos] == ',' && spec.grouping == '_')
        fail("Cannot specify both ',' and '_'.");
}

// Grouping is only meaningful for some presentation types (PEP 378/515);
// '_' groups binary/octal/hex digits in fours.
void validateGrouping(Spec& spec) {
    if (!spec.grouping) return;
    switch (spec.type) {
        case 'd': case 'e': case 'f': case 'g': case 'E': case 'G':
        case '%': case 'F': case 0:
            return;
        case 'b': case 'o': case 'x': case 'X':
            if (spec.grouping == '_') {
                spec.groupSize = 4;
                return;
            }
            break;
        default:
            break;
    }
    fail(std::string("Cannot specify '") + static_cast<char>(spec.grouping) +
         "' with '" + codeText(spec.type) + "'.");
}

// Parses [[fill]align][sign][z][#][0][width][grouping][.precision][type].
// `defaultAlign` and `defaultType` are per value type, as in CPython.
Spec parseSpec(std::string_view text, char defaultAlign, char defaultType,
               const char* typeName) {
    std::u32string s;
    for (size_t i = 0; i < text.size();) s.push_back(decodeUtf8(text, i));
    Spec spec;
    spec.type = static_cast<char32_t>(defaultType);
    size_t pos = 0;
    if (s.size() >= 2 && isAlign(s[1])) {
        spec.fill = s[0];
        spec.fillGiven = true;
        spec.align = s[1];
        pos = 2;
    } else if (!s.empty() && isAlign(s[0])) {
        spec.align = s[0];
        pos = 1;
    }
    if (pos < s.size() && (s[pos] == '+' || s[pos] == '-' || s[pos] == ' '))
        spec.sign = s[pos++];
    if (pos < s.size() && s[pos] == 'z') {
        spec.noNegZero = true;
        ++pos;
    }
    if (pos < s.size() && s[pos] == '#') {
        spec.alternate = true;
        ++pos;
    }
    // Legacy zero padding: "0" before the width means fill '0' and, for
    // numbers without an explicit alignment, pad between sign and digits.
    if (!spec.fillGiven && pos < s.size() && s[pos] == '0') {
        spec.fill = '0';
        if (!spec.align && defaultAlign == '>') spec.align = '=';
        ++pos;
    }
    readNumber(s, pos, spec.width);
    parseGrouping(s, pos, spec);
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        if (!readNumber(s, pos, spec.precision))
            fail("Format specifier missing precision");
    }
    if (s.size() - pos > 1)
        fail("Invalid format specifier '" + std::string(text) +
             "' for object of type '" + typeName + "'");
    if (pos < s.size()) spec.type = s[pos];
    if (!spec.align) spec.align = static_cast<char32_t>(defaultAlign);
    validateGrouping(spec);
    return spec;
}

// `n` copies of a fill character (any code point).
std::string repeat(char32_t c, int64_t n) {
    std::string unit;
    appendUtf8(unit, c);
    std::string out;
    for (int64_t i = 0; i < n; ++i) out += unit;
    return out;
}

// CPython's _PyUnicode_InsertThousandsGrouping: groups are taken from the
// right; when zero padding asks for `minWidth` characters, zeros (and
// separators between them) extend the number until it is wide enough.
std::string groupDigits(const std::string& digits, int64_t minWidth,
                        char32_t separator, int groupSize) {
    std::string out;  // built reversed
    int64_t remaining = static_cast<int64_t>(digits.size());
    if (!separator) {
        const int64_t total = std::max<int64_t>({remaining, minWidth, 1});
        return std::string(static_cast<size_t>(total - remaining), '0') + digits;
    }
    while (true) {
        const int64_t take =
            std::min<int64_t>(groupSize, std::max<int64_t>({remaining, minWidth, 1}));
        for (int64_t i = 0; i < take; ++i)
            out += i < remaining ? digits[static_cast<size_t>(remaining - 1 - i)] : '0';
        remaining = std::max<int64_t>(0, remaining - take);
        minWidth -= take;
        if (remaining <= 0 && minWidth <= 0) break;
        out += static_cast<char>(separator);
        minWidth -= 1;
    }
    return std::string(out.rbegin(), out.rend());
}

// '+' shows a sign on every number, ' ' a space for non-negative ones; the
// default '-' (or none) marks only negative values.
std::string signText(const Spec& spec, bool negative) {
    if (negative) return "-";
    if (spec.sign == '+') return "+";
    if (spec.sign == ' ') return " ";
    return "";
}

// Lays out a number: `digits` are the leading decimal digits (grouped and
// zero-padded), `remainder` is copied verbatim after them (".5e+07", "%",
// "inf", or the character of a 'c' format).
std::string renderNumber(const Spec& spec, bool negative, std::string_view prefix,
                         const std::string& digits, std::string_view remainder) {
    const std::string sign = signText(spec, negative);
    const int64_t fixedWidth = static_cast<int64_t>(
        sign.size() + prefix.size() + length(remainder));
    const int64_t minWidth =
        spec.fill == '0' && spec.align == '=' ? spec.width - fixedWidth : 0;
    // CPython skips grouping entirely when there are no digits ('c', inf).
    const std::string grouped =
        digits.empty() ? std::string()
                       : groupDigits(digits, minWidth, spec.grouping, spec.groupSize);
    const int64_t padding =
        std::max<int64_t>(0, spec.width - fixedWidth - static_cast<int64_t>(grouped.size()));
    // Centring puts the smaller half on the left; '=' pads after the sign
    // and prefix, which is where zero padding goes.
    int64_t left = 0, inner = 0, right = 0;
    switch (spec.align) {
        case '<': right = padding; break;
        case '^': left = padding / 2; right = padding - left; break;
        case '=': inner = padding; break;
        default: left = padding; break;
    }
    std::string out = repeat(spec.fill, left) + sign;
    out.append(prefix);
    out += repeat(spec.fill, inner) + grouped;
    out.append(remainder);
    return out + repeat(spec.fill, right);
}

// Splits formatted float text into its leading digits and the rest.
std::string renderSplitNumber(const Spec& spec, bool negative, const std::string& body) {
    size_t cut = 0;
    while (cut < body.size() && isDigit(static_cast<unsigned char>(body[cut]))) ++cut;
    return renderNumber(spec, negative, "", body.substr(0, cut),
                        std::string_view(body).substr(cut));
}

// ---------------------------------------------------------------- floats ----

std::string fixedText(double absValue, int64_t precision, bool alternate) {
    // Up to 309 integer digits, the point and `precision` fraction digits.
    std::string buf(static_cast<size_t>(precision) + 330, '\0');
    auto res = std::to_chars(buf.data(), buf.data() + buf.size(), absValue,
                             std::chars_format::fixed, static_cast<int>(precision));
    buf.resize(static_cast<size_t>(res.ptr - buf.data()));
    if (alternate && precision == 0) buf += '.';
    return buf;
}

// Text of a finite, non-negative value for CPython's PyOS_double_to_string
// codes 'f', 'e', 'g' and 'r' (repr digits).
std::string finiteText(double absValue, char code, int64_t precision,
                       const Spec& spec, bool addDotZero, bool upper) {
    if (code == 'f') return fixedText(absValue, precision, spec.alternate);
    DigitLayout how;
    how.code = code;
    how.alternate = spec.alternate;
    how.addDotZero = addDotZero;
    how.upper = upper;
    if (code == 'r') return layoutDigits(shortestDigits(absValue), how);
    // 'e' shows precision+1 digits; 'g' treats precision 0 as 1.
    how.precision = static_cast<int>(code == 'e' ? precision + 1
                                                 : std::max<int64_t>(precision, 1));
    return layoutDigits(roundedDigits(absValue, how.precision), how);
}

// True when the digits before any exponent are all zero, i.e. the value
// rounded to zero; 'z' then drops the sign of a negative zero result.
bool allZeroMantissa(const std::string& text) {
    for (char ch : text) {
        if (ch == 'e' || ch == 'E') break;
        if (ch != '0' && ch != '.') return false;
    }
    return true;
}

// CPython's format_float_internal for an already validated spec.
std::string renderFloat(double value, const Spec& spec) {
    char32_t type = spec.type;
    bool addDotZero = false;
    int64_t precision = spec.precision < 0 ? 6 : spec.precision;
    if (type == 0) {
        // No type: repr() without a precision, else 'g' that keeps a ".0".
        addDotZero = true;
        type = spec.precision < 0 ? 'r' : 'g';
        if (spec.precision < 0) precision = 0;
    }
    if (type == 'n') type = 'g';
    const bool percent = type == '%';
    if (percent) {
        type = 'f';
        value *= 100;
    }
    const bool upper = type == 'E' || type == 'F' || type == 'G';
    const char code = static_cast<char>(upper ? type - 'A' + 'a' : type);
    bool negative = !std::isnan(value) && std::signbit(value);
    std::string body;
    if (std::isnan(value)) {
        body = upper ? "NAN" : "nan";
    } else if (std::isinf(value)) {
        body = upper ? "INF" : "inf";
    } else {
        body = finiteText(std::fabs(value), code, precision, spec, addDotZero, upper);
        if (negative && spec.noNegZero && allZeroMantissa(body)) negative = false;
    }
    if (percent) body += '%';
    return renderSplitNumber(spec, negative, body);
}

// Float presentation types that an int is converted to float for.
bool isFloatType(char32_t t) {
    return t == 'e' || t == 'E' || t == 'f' || t == 'F' || t == 'g' ||
           t == 'G' || t == '%';
}

// -------------------------------------------------------------- integers ----

// Digits of `magnitude` in base 2, 8, 10 or 16 (most significant first).
std::string toBase(uint64_t magnitude, unsigned base, bool upper) {
    const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    std::string out;
    do {
        out += digits[magnitude % base];
        magnitude /= base;
    } while (magnitude);
    return std::string(out.rbegin(), out.rend());
}

std::string renderChar(int64_t value, const Spec& spec) {
    if (spec.sign) fail("Sign not allowed with integer format specifier 'c'");
    if (spec.alternate)
        fail("Alternate form (#) not allowed with integer format specifier 'c'");
    if (value < 0 || value > 0x10FFFF)
        throw std::overflow_error("%c arg not in range(0x110000)");
    std::string ch;
    appendUtf8(ch, static_cast<char32_t>(value));
    // CPython treats the character as "remainder", never as digits.
    return renderNumber(spec, false, "", "", ch);
}

// CPython's format_long_internal.
std::string renderInteger(int64_t value, const Spec& spec) {
    if (spec.precision != -1) fail("Precision not allowed in integer format specifier");
    if (spec.noNegZero)
        fail("Negative zero coercion (z) not allowed in integer format specifier");
    if (spec.type == 'c') return renderChar(value, spec);
    unsigned base = 10;
    const char* prefix = "";
    switch (spec.type) {
        case 'b': base = 2; prefix = "0b"; break;
        case 'o': base = 8; prefix = "0o"; break;
        case 'x': base = 16; prefix = "0x"; break;
        case 'X': base = 16; prefix = "0X"; break;
        default: break;
    }
    // Negate in unsigned arithmetic so INT64_MIN is representable.
    const uint64_t magnitude =
        value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
    return renderNumber(spec, value < 0, spec.alternate ? prefix : "",
                        toBase(magnitude, base, spec.type == 'X'), "");
}

}  // namespace

// CPython's format_string_internal: strings accept only fill, alignment,
// width and precision, and report the first offending option.
std::string formatStr(std::string_view value, std::string_view specText) {
    const Spec spec = parseSpec(specText, '<', 's', "str");
    if (spec.type != 's') failUnknownType(spec.type, "str");
    if (spec.sign == ' ') fail("Space not allowed in string format specifier");
    if (spec.sign) fail("Sign not allowed in string format specifier");
    if (spec.noNegZero)
        fail("Negative zero coercion (z) not allowed in string format specifier");
    if (spec.alternate) fail("Alternate form (#) not allowed in string format specifier");
    if (spec.align == '=') fail("'=' alignment not allowed in string format specifier");
    // Precision truncates to that many characters (code points).
    size_t end = value.size();
    if (spec.precision >= 0) {
        end = 0;
        for (int64_t n = 0; n < spec.precision && end < value.size(); ++n)
            decodeUtf8(value, end);
    }
    const std::string_view shown = value.substr(0, end);
    const int64_t padding =
        std::max<int64_t>(0, spec.width - static_cast<int64_t>(length(shown)));
    int64_t left = 0;
    if (spec.align == '>') left = padding;
    if (spec.align == '^') left = padding / 2;
    std::string out = repeat(spec.fill, left);
    out.append(shown);
    return out + repeat(spec.fill, padding - left);
}

// Integers default to 'd' and right alignment; float presentation types
// convert the value first, exactly like int.__format__.
std::string formatInt(int64_t value, std::string_view specText) {
    const Spec spec = parseSpec(specText, '>', 'd', "int");
    switch (spec.type) {
        case 'b': case 'c': case 'd': case 'o': case 'x': case 'X': case 'n':
            return renderInteger(value, spec);
        default:
            if (isFloatType(spec.type)) return renderFloat(static_cast<double>(value), spec);
            failUnknownType(spec.type, "int");
    }
}

// Floats have no default type ('\0' selects the repr-like form).
std::string formatFloat(double value, std::string_view specText) {
    const Spec spec = parseSpec(specText, '>', 0, "float");
    if (!isFloatType(spec.type) && spec.type != 'n' && spec.type != 0)
        failUnknownType(spec.type, "float");
    return renderFloat(value, spec);
}

}  // namespace fgcc::py
