// PyText.cpp - Python-exact repr, UTF-8 handling, character classes and str
// methods (see PyText.h).  Written against CPython 3.11 behaviour.
#include "support/PyText.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <stdexcept>

namespace fgcc::py {

namespace {

// ------------------------------------------------------ range tables ----

// An inclusive code point range; tables below are sorted and disjoint so a
// binary search answers membership.
struct Range {
    char32_t lo;
    char32_t hi;
};

template <size_t N>
bool inRanges(const Range (&table)[N], char32_t c) {
    const Range* end = table + N;
    // First range whose upper bound is >= c; c is inside iff lo <= c.
    const Range* it = std::lower_bound(
        table, end, c, [](const Range& r, char32_t v) { return r.hi < v; });
    return it != end && it->lo <= c;
}

// Code points above U+007F that are NOT matched by Python's \w.
//
// Python's \w is "str.isalnum() or '_'", i.e. every letter (L*) and number
// (Nd, Nl, No) character.  A full Unicode table would run to ~700 ranges, so
// this is a deliberate approximation: every non-ASCII code point counts as a
// word character unless listed here.  The list covers the Latin-1, spacing
// modifier, Greek, Cyrillic, Armenian, Hebrew and Arabic punctuation and
// marks, the general-punctuation / symbol / arrow / box-drawing blocks, the
// CJK punctuation and symbol blocks, full-width punctuation, private use,
// emoji and musical symbols, and the large unassigned stretches of the
// supplementary planes.  Known gaps: combining marks (Mn/Mc) of the Indic and
// South-East Asian scripts, scattered symbols of historic scripts and small
// unassigned gaps are treated as word characters (about 2,400 BMP code
// points, none below U+0530 except unassigned Greek gaps).
constexpr Range kNonWord[] = {
    {0x0080, 0x00A9}, {0x00AB, 0x00B1}, {0x00B4, 0x00B4}, {0x00B6, 0x00B8},
    {0x00BB, 0x00BB}, {0x00BF, 0x00BF}, {0x00D7, 0x00D7}, {0x00F7, 0x00F7},
    {0x02C2, 0x02C5}, {0x02D2, 0x02DF}, {0x02E5, 0x02EB}, {0x02ED, 0x02ED},
    {0x02EF, 0x036F}, {0x0375, 0x0375}, {0x037E, 0x037E}, {0x0384, 0x0385},
    {0x0387, 0x0387}, {0x03F6, 0x03F6}, {0x0482, 0x0489}, {0x055A, 0x055F},
    {0x0589, 0x058F}, {0x0591, 0x05CF}, {0x05F3, 0x05F4}, {0x0600, 0x061F},
    {0x064B, 0x065F}, {0x066A, 0x066D}, {0x0670, 0x0670}, {0x06D4, 0x06D4},
    {0x06D6, 0x06E4}, {0x06E7, 0x06ED}, {0x06FD, 0x06FE}, {0x0700, 0x070F},
    {0x0711, 0x0711}, {0x0730, 0x074A}, {0x1680, 0x1680}, {0x169B, 0x169C},
    {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x1FBD, 0x1FBD}, {0x1FBF, 0x1FC1},
    {0x1FCD, 0x1FCF}, {0x1FDD, 0x1FDF}, {0x1FED, 0x1FEF}, {0x1FFD, 0x1FFE},
    {0x2000, 0x206F}, {0x2072, 0x2073}, {0x207A, 0x207E}, {0x208A, 0x208F},
    {0x209D, 0x2101}, {0x2103, 0x2106}, {0x2108, 0x2109}, {0x2114, 0x2114},
    {0x2116, 0x2118}, {0x211E, 0x2123}, {0x2125, 0x2125}, {0x2127, 0x2127},
    {0x2129, 0x2129}, {0x212E, 0x212E}, {0x213A, 0x213B}, {0x2140, 0x2144},
    {0x214A, 0x214D}, {0x214F, 0x214F}, {0x218A, 0x245F}, {0x249C, 0x24E9},
    {0x2500, 0x2775}, {0x2794, 0x2BFF}, {0x2CE5, 0x2CEA}, {0x2CEF, 0x2CF1},
    {0x2CF9, 0x2CFC}, {0x2CFE, 0x2CFF}, {0x2D70, 0x2D70}, {0x2D7F, 0x2D7F},
    {0x2DE0, 0x2E2E}, {0x2E30, 0x2FFF}, {0x3000, 0x3004}, {0x3008, 0x3020},
    {0x302A, 0x3030}, {0x3036, 0x3037}, {0x303D, 0x303F}, {0x3099, 0x309C},
    {0x30A0, 0x30A0}, {0x30FB, 0x30FB}, {0x3190, 0x3191}, {0x3196, 0x319F},
    {0x31C0, 0x31EF}, {0x3200, 0x321F}, {0x322A, 0x3247}, {0x3250, 0x3250},
    {0x3260, 0x327F}, {0x328A, 0x32B0}, {0x32C0, 0x33FF}, {0x4DC0, 0x4DFF},
    {0xA490, 0xA4CF}, {0xA4FE, 0xA4FF}, {0xA60D, 0xA60F}, {0xA66F, 0xA67E},
    {0xA69E, 0xA69F}, {0xA6F0, 0xA6F7}, {0xA700, 0xA716}, {0xA720, 0xA721},
    {0xA789, 0xA78A}, {0xA836, 0xA839}, {0xD800, 0xF8FF}, {0xFB1E, 0xFB1E},
    {0xFB29, 0xFB29}, {0xFBB2, 0xFBC2}, {0xFD3E, 0xFD3F}, {0xFDFC, 0xFDFF},
    {0xFE00, 0xFE6F}, {0xFEFF, 0xFEFF}, {0xFF00, 0xFF0F}, {0xFF1A, 0xFF20},
    {0xFF3B, 0xFF40}, {0xFF5B, 0xFF65}, {0xFFE0, 0xFFFF},
    // Large unassigned stretches of the supplementary planes.
    {0x12544, 0x12F8F}, {0x1342F, 0x143FF}, {0x14647, 0x167FF},
    {0x16B90, 0x16E3F}, {0x18D09, 0x1AFEF}, {0x1B2FC, 0x1BBFF},
    {0x1BC9A, 0x1CFFF}, {0x1D000, 0x1D24F}, {0x1D300, 0x1D35F}, {0x1D6C1, 0x1D6C1},
    {0x1D6DB, 0x1D6DB}, {0x1D6FB, 0x1D6FB}, {0x1D715, 0x1D715},
    {0x1D735, 0x1D735}, {0x1D74F, 0x1D74F}, {0x1D76F, 0x1D76F},
    {0x1D789, 0x1D789}, {0x1D7A9, 0x1D7A9}, {0x1D7C3, 0x1D7C3},
    {0x1D800, 0x1DEFF}, {0x1E2FA, 0x1E7DF}, {0x1E95A, 0x1EC70},
    {0x1F000, 0x1F0FF}, {0x1F10D, 0x1FBEF}, {0x1FBFA, 0x1FFFF},
    {0x2EBE1, 0x2F7FF}, {0x2FA1E, 0x2FFFF}, {0x3134B, 0xDFFFF},
    {0xE0000, 0x10FFFF},
};

// Code points above U+007E for which str.isprintable() is False: categories
// Cc, Cf, Zs (other than ' '), Zl, Zp, Cs, Co and Cn.  The control, format,
// separator, surrogate and private-use ranges are complete; unassigned (Cn)
// code points are covered for the noncharacters (checked separately), the
// gaps below U+0900 and the large unassigned stretches above the BMP
// (Unicode 14, as in CPython 3.11).  Other unassigned code points (about
// 1,300 in the BMP) print verbatim where Python would escape them.
constexpr Range kNonPrintable[] = {
    {0x007F, 0x00A0}, {0x00AD, 0x00AD}, {0x0378, 0x0379}, {0x0380, 0x0383},
    {0x038B, 0x038B}, {0x038D, 0x038D}, {0x03A2, 0x03A2}, {0x0530, 0x0530},
    {0x0557, 0x0558}, {0x058B, 0x058C}, {0x0590, 0x0590}, {0x05C8, 0x05CF},
    {0x05EB, 0x05EE}, {0x05F5, 0x0605}, {0x061C, 0x061C}, {0x06DD, 0x06DD},
    {0x070E, 0x070F}, {0x074B, 0x074C}, {0x07B2, 0x07BF}, {0x07FB, 0x07FC},
    {0x082E, 0x082F}, {0x083F, 0x083F}, {0x085C, 0x085D}, {0x085F, 0x085F},
    {0x086B, 0x086F}, {0x088F, 0x0897}, {0x08E2, 0x08E2}, {0x1680, 0x1680},
    {0x180E, 0x180E}, {0x2000, 0x200F}, {0x2028, 0x202F}, {0x205F, 0x206F},
    {0x2FE0, 0x2FEF}, {0x3000, 0x3000}, {0xD800, 0xF8FF}, {0xFDD0, 0xFDEF},
    {0xFEFF, 0xFEFF}, {0xFFF0, 0xFFFB}, {0x110BD, 0x110BD},
    {0x110CD, 0x110CD}, {0x12544, 0x12F8F}, {0x13430, 0x143FF},
    {0x14647, 0x167FF}, {0x16B90, 0x16E3F}, {0x18D09, 0x1AFEF},
    {0x1B2FC, 0x1BBFF}, {0x1BCA0, 0x1CEFF}, {0x1D173, 0x1D17A},
    {0x1DAB0, 0x1DEFF}, {0x1E300, 0x1E7DF}, {0x1E960, 0x1EC70},
    {0x1FBFA, 0x1FFFF}, {0x2A6E0, 0x2A6FF}, {0x2EBE1, 0x2F7FF},
    {0x2FA1E, 0x2FFFF}, {0x3134B, 0xE00FF}, {0xE01F0, 0x10FFFF},
};

// ------------------------------------------------------------- UTF-8 ----

bool isContinuation(unsigned char b) { return (b & 0xC0) == 0x80; }

// Length of the well-formed UTF-8 sequence at s[pos], or 0 if ill-formed.
// The allowed second-byte ranges exclude overlongs (E0, F0), surrogates (ED)
// and code points above U+10FFFF (F4).
size_t sequenceLength(std::string_view s, size_t pos) {
    const auto lead = static_cast<unsigned char>(s[pos]);
    if (lead < 0x80) return 1;
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        len = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        len = 3;
        if (lead == 0xE0) lo = 0xA0;
        if (lead == 0xED) hi = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        len = 4;
        if (lead == 0xF0) lo = 0x90;
        if (lead == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (pos + len > s.size()) return 0;
    const auto second = static_cast<unsigned char>(s[pos + 1]);
    if (second < lo || second > hi) return 0;
    for (size_t i = 2; i < len; ++i)
        if (!isContinuation(static_cast<unsigned char>(s[pos + i]))) return 0;
    return len;
}

// Byte offset where the code point ending just before `end` starts.
size_t previousCodePoint(std::string_view s, size_t end) {
    size_t pos = end - 1;
    while (pos > 0 && isContinuation(static_cast<unsigned char>(s[pos]))) --pos;
    return pos;
}

// Decodes a whole string, e.g. a strip() character set.
std::u32string toCodePoints(std::string_view s) {
    std::u32string out;
    for (size_t pos = 0; pos < s.size();) out.push_back(decodeUtf8(s, pos));
    return out;
}

// --------------------------------------------------------- repr helpers ----

void appendHex(std::string& out, uint32_t value, int digits, bool upper) {
    const char* hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4)
        out += hex[(value >> shift) & 0xF];
}

// Parses std::to_chars scientific output "d[.ddd]e[+-]XX" into digits with
// trailing zeros stripped (CPython's dtoa never returns trailing zeros).
DecimalDigits parseScientific(const char* first, const char* last) {
    DecimalDigits d;
    const char* p = first;
    for (; p != last && *p != 'e'; ++p)
        if (*p != '.') d.digits += *p;
    int exponent = 0;
    if (p != last) std::from_chars(p + (p[1] == '+' ? 2 : 1), last, exponent);
    while (d.digits.size() > 1 && d.digits.back() == '0') d.digits.pop_back();
    d.decpt = d.digits == "0" ? 1 : exponent + 1;
    return d;
}

// Whitespace predicate or membership in an explicit character set, the two
// flavours of Python's strip().
struct StripSet {
    const std::u32string* chars = nullptr;  // null: Unicode whitespace
    bool contains(char32_t c) const {
        return chars ? chars->find(c) != std::u32string::npos : isSpace(c);
    }
};

// Byte offset of the first code point not in `set`.
size_t stripStart(std::string_view s, const StripSet& set) {
    size_t pos = 0;
    while (pos < s.size()) {
        size_t next = pos;
        if (!set.contains(decodeUtf8(s, next))) break;
        pos = next;
    }
    return pos;
}

// Byte offset just past the last code point not in `set`, never below
// `begin` (so a fully stripped string is not scanned twice).
size_t stripEnd(std::string_view s, size_t begin, const StripSet& set) {
    size_t end = s.size();
    while (end > begin) {
        size_t start = previousCodePoint(s, end);
        size_t probe = start;
        if (!set.contains(decodeUtf8(s, probe))) break;
        end = start;
    }
    return end;
}

std::string stripWith(std::string_view s, const StripSet& set, bool left,
                      bool right) {
    const size_t begin = left ? stripStart(s, set) : 0;
    const size_t end = right ? stripEnd(s, begin, set) : s.size();
    return std::string(s.substr(begin, end - begin));
}

bool spaceAt(std::string_view s, size_t pos) {
    return isSpace(decodeUtf8(s, pos));
}

// Byte offset just past the code point at `pos`.
size_t nextCodePoint(std::string_view s, size_t pos) {
    decodeUtf8(s, pos);
    return pos;
}

// Python's maxsplit/count convention: negative means "no limit".
size_t maxCount(long n) {
    return n < 0 ? SIZE_MAX : static_cast<size_t>(n);
}

void requireSeparator(std::string_view sep) {
    if (sep.empty()) throw std::invalid_argument("empty separator");
}

}  // namespace

// ---------------------------------------------------------------- repr ----

DecimalDigits shortestDigits(double nonNegative) {
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, nonNegative,
                             std::chars_format::scientific);
    return parseScientific(buf, res.ptr);
}

DecimalDigits roundedDigits(double nonNegative, int significant) {
    // Mantissa digits plus sign, point and a 4+ digit exponent.
    std::string buf(static_cast<size_t>(significant) + 16, '\0');
    auto res = std::to_chars(buf.data(), buf.data() + buf.size(), nonNegative,
                             std::chars_format::scientific, significant - 1);
    return parseScientific(buf.data(), res.ptr);
}

// Mirrors CPython's format_float_short: think of the digits as padded with
// zeros on both sides, choose where the point goes, then emit the slice up
// to `emitEnd` digit positions.
std::string layoutDigits(const DecimalDigits& d, const DigitLayout& how) {
    const int ndigits = static_cast<int>(d.digits.size());
    int decpt = d.decpt;
    int emitEnd = ndigits;
    bool useExp = false;
    if (how.code == 'e') {
        useExp = true;
        emitEnd = how.precision;
    } else if (how.code == 'g') {
        // With addDotZero the switch happens one digit earlier, so an
        // integral result never shows fewer digits than asked for.
        useExp = decpt <= -4 ||
                 decpt > (how.addDotZero ? how.precision - 1 : how.precision);
        if (how.alternate) emitEnd = how.precision;
    } else {
        useExp = decpt <= -4 || decpt > 16;
    }
    const int exponent = decpt - 1;
    if (useExp) decpt = 1;
    // The point must fall inside the emitted digits (".0" needs one more).
    emitEnd = std::max(emitEnd, decpt + (!useExp && how.addDotZero ? 1 : 0));

    std::string out;
    if (decpt <= 0) {
        out = "0.";
        out.append(static_cast<size_t>(-decpt), '0');
        out += d.digits;
    } else if (decpt <= ndigits) {
        out = d.digits.substr(0, decpt) + "." + d.digits.substr(decpt);
    } else {
        out = d.digits;
        out.append(static_cast<size_t>(decpt - ndigits), '0');
        out += '.';
    }
    out.append(static_cast<size_t>(std::max(0, emitEnd - std::max(ndigits, decpt))), '0');
    if (out.back() == '.' && !how.alternate) out.pop_back();
    if (useExp) {
        out += how.upper ? 'E' : 'e';
        out += exponent < 0 ? '-' : '+';
        const std::string mag = std::to_string(std::abs(exponent));
        if (mag.size() < 2) out += '0';
        out += mag;
    }
    return out;
}

void appendHexEscape(std::string& out, char32_t c, bool upperHex) {
    if (c <= 0xFF) {
        out += "\\x";
        appendHex(out, c, 2, upperHex);
    } else if (c <= 0xFFFF) {
        out += "\\u";
        appendHex(out, c, 4, upperHex);
    } else {
        out += "\\U";
        appendHex(out, c, 8, upperHex);
    }
}

// float_repr: mode 'r' with Py_DTSF_ADD_DOT_0, so integral values keep
// ".0"; a NaN never shows a sign.
std::string floatRepr(double x) {
    if (std::isnan(x)) return "nan";
    if (std::isinf(x)) return x < 0 ? "-inf" : "inf";
    DigitLayout how;
    how.code = 'r';
    how.addDotZero = true;
    std::string out = std::signbit(x) ? "-" : "";
    return out + layoutDigits(shortestDigits(std::fabs(x)), how);
}

// unicode_repr: prefer single quotes, switching to double quotes only when
// that avoids escaping (a ' but no "); only the chosen quote is escaped.
std::string strRepr(std::string_view utf8) {
    const bool hasSingle = utf8.find('\'') != std::string_view::npos;
    const bool hasDouble = utf8.find('"') != std::string_view::npos;
    const char quote = hasSingle && !hasDouble ? '"' : '\'';
    std::string out(1, quote);
    for (size_t pos = 0; pos < utf8.size();) {
        const size_t start = pos;
        const char32_t c = decodeUtf8(utf8, pos);
        if (c == static_cast<char32_t>(quote) || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c < 0x20 || c == 0x7F || (c > 0x7F && !isPrintable(c))) {
            appendHexEscape(out, c);
        } else {
            out.append(utf8.substr(start, pos - start));
        }
    }
    out += quote;
    return out;
}

// --------------------------------------------------------------- UTF-8 ----

char32_t decodeUtf8(std::string_view s, size_t& pos) {
    const size_t len = sequenceLength(s, pos);
    if (len == 0) {
        ++pos;
        return 0xFFFD;
    }
    const auto lead = static_cast<unsigned char>(s[pos]);
    // The lead byte keeps 7, 5, 4 or 3 payload bits for lengths 1..4.
    static const unsigned char kLeadMask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    char32_t cp = lead & kLeadMask[len];
    for (size_t i = 1; i < len; ++i)
        cp = (cp << 6) | (static_cast<unsigned char>(s[pos + i]) & 0x3F);
    pos += len;
    return cp;
}

void appendUtf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
        return;
    }
    // Number of continuation bytes and the lead byte's marker bits.
    int extra = cp < 0x800 ? 1 : cp < 0x10000 ? 2 : 3;
    static const unsigned char kMarker[] = {0, 0xC0, 0xE0, 0xF0};
    out += static_cast<char>(kMarker[extra] | (cp >> (6 * extra)));
    for (int i = extra - 1; i >= 0; --i)
        out += static_cast<char>(0x80 | ((cp >> (6 * i)) & 0x3F));
}

std::optional<size_t> findInvalidUtf8(std::string_view s) {
    for (size_t pos = 0; pos < s.size();) {
        const size_t len = sequenceLength(s, pos);
        if (len == 0) return pos;
        pos += len;
    }
    return std::nullopt;
}

size_t length(std::string_view s) {
    // Every code point has exactly one non-continuation byte.
    return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char b) {
        return !isContinuation(static_cast<unsigned char>(b));
    }));
}

// ------------------------------------------------------ character classes ----

// Py_UNICODE_ISSPACE: the ASCII whitespace plus the information separators
// U+001C..U+001F, and the Unicode Zs/Zl/Zp and bidi-whitespace characters.
bool isSpace(char32_t c) {
    if (c < 0x80) return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20);
    return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
           c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool isWordChar(char32_t c) {
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               (c >= '0' && c <= '9') || c == '_';
    return c <= 0x10FFFF && !inRanges(kNonWord, c);
}

bool isPrintable(char32_t c) {
    if (c < 0x7F) return c >= 0x20;
    // U+xxFFFE and U+xxFFFF are noncharacters in every plane.
    if ((c & 0xFFFE) == 0xFFFE) return false;
    return c <= 0x10FFFF && !inRanges(kNonPrintable, c);
}

// ---------------------------------------------------------- str methods ----

std::string strip(std::string_view s) { return stripWith(s, {}, true, true); }
std::string lstrip(std::string_view s) { return stripWith(s, {}, true, false); }
std::string rstrip(std::string_view s) { return stripWith(s, {}, false, true); }

std::string strip(std::string_view s, std::string_view chars) {
    const std::u32string set = toCodePoints(chars);
    return stripWith(s, {&set}, true, true);
}
std::string lstrip(std::string_view s, std::string_view chars) {
    const std::u32string set = toCodePoints(chars);
    return stripWith(s, {&set}, true, false);
}
std::string rstrip(std::string_view s, std::string_view chars) {
    const std::u32string set = toCodePoints(chars);
    return stripWith(s, {&set}, false, true);
}

// CPython's split_whitespace: take up to maxsplit words, then the rest of the
// string (minus its leading whitespace) as one final field.
std::vector<std::string> split(std::string_view s, int maxsplit) {
    std::vector<std::string> out;
    size_t pos = 0;
    for (size_t left = maxCount(maxsplit); left > 0; --left) {
        while (pos < s.size() && spaceAt(s, pos)) pos = nextCodePoint(s, pos);
        if (pos == s.size()) break;
        const size_t start = pos;
        while (pos < s.size() && !spaceAt(s, pos)) pos = nextCodePoint(s, pos);
        out.emplace_back(s.substr(start, pos - start));
    }
    while (pos < s.size() && spaceAt(s, pos)) pos = nextCodePoint(s, pos);
    if (pos < s.size()) out.emplace_back(s.substr(pos));
    return out;
}

// CPython's rsplit_whitespace: split_whitespace mirrored, walking back over
// whole code points; fields are collected right to left then reversed.
std::vector<std::string> rsplit(std::string_view s, int maxsplit) {
    std::vector<std::string> out;
    size_t end = s.size();
    auto spaceBefore = [&](size_t e) { return spaceAt(s, previousCodePoint(s, e)); };
    for (size_t left = maxCount(maxsplit); left > 0; --left) {
        while (end > 0 && spaceBefore(end)) end = previousCodePoint(s, end);
        if (end == 0) break;
        size_t start = end;
        while (start > 0 && !spaceBefore(start)) start = previousCodePoint(s, start);
        out.emplace_back(s.substr(start, end - start));
        end = start;
    }
    while (end > 0 && spaceBefore(end)) end = previousCodePoint(s, end);
    if (end > 0) out.emplace_back(s.substr(0, end));
    std::reverse(out.begin(), out.end());
    return out;
}

// With an explicit separator empty fields are kept: "a,,b" -> a, "", b.
std::vector<std::string> split(std::string_view s, std::string_view sep,
                               int maxsplit) {
    requireSeparator(sep);
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t left = maxCount(maxsplit); left > 0; --left) {
        const size_t hit = s.find(sep, start);
        if (hit == std::string_view::npos) break;
        out.emplace_back(s.substr(start, hit - start));
        start = hit + sep.size();
    }
    out.emplace_back(s.substr(start));
    return out;
}

std::vector<std::string> rsplit(std::string_view s, std::string_view sep,
                                int maxsplit) {
    requireSeparator(sep);
    std::vector<std::string> out;
    size_t end = s.size();
    for (size_t left = maxCount(maxsplit); left > 0 && end >= sep.size(); --left) {
        const size_t hit = s.rfind(sep, end - sep.size());
        if (hit == std::string_view::npos) break;
        out.emplace_back(s.substr(hit + sep.size(), end - hit - sep.size()));
        end = hit;
    }
    out.emplace_back(s.substr(0, end));
    std::reverse(out.begin(), out.end());
    return out;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& ch : out)
        if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    return out;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& ch : out)
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    return out;
}

std::string replace(std::string_view s, std::string_view old,
                    std::string_view repl, long count) {
    size_t left = maxCount(count);
    std::string out;
    // Matching on bytes is safe: a valid UTF-8 needle can only match at
    // code point boundaries of a valid UTF-8 haystack.
    if (old.empty()) {
        // Python inserts `repl` at every character boundary, ends included.
        size_t pos = 0;
        while (left > 0) {
            out.append(repl);
            --left;
            if (pos == s.size()) return out;
            const size_t next = nextCodePoint(s, pos);
            out.append(s.substr(pos, next - pos));
            pos = next;
        }
        out.append(s.substr(pos));
        return out;
    }
    size_t start = 0;
    for (; left > 0; --left) {
        const size_t hit = s.find(old, start);
        if (hit == std::string_view::npos) break;
        out.append(s.substr(start, hit - start));
        out.append(repl);
        start = hit + old.size();
    }
    out.append(s.substr(start));
    return out;
}

}  // namespace fgcc::py
