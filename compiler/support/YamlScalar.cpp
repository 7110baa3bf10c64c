// YamlScalar.cpp - PyYAML 6.0 scalar resolution and emission (YamlScalar.h).
//
// The resolver regexes are matched by hand: std::regex is slow and recurses
// deeply enough on long inputs to overflow the stack.  Every PyYAML
// alternative is a separate full-match function, so each can be checked
// against its regex in isolation.
#include "support/YamlScalar.h"

#include <cmath>

#include "support/PyText.h"

namespace fgcc::yaml11 {

namespace {

// ------------------------------------------------------------ matching ----

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isDigitOrUnderscore(char c) { return isDigit(c) || c == '_'; }
bool isOctalOrUnderscore(char c) { return (c >= '0' && c <= '7') || c == '_'; }
bool isBinaryOrUnderscore(char c) { return c == '0' || c == '1' || c == '_'; }
bool isHexOrUnderscore(char c) {
    return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '_';
}
bool isBlank(char c) { return c == ' ' || c == '\t'; }
bool isSign(char c) { return c == '+' || c == '-'; }

bool oneOf(std::string_view s, std::initializer_list<std::string_view> words) {
    for (std::string_view w : words)
        if (s == w) return true;
    return false;
}

// Advances `pos` over a run of characters satisfying `pred`; returns its length.
template <class Pred>
size_t skip(std::string_view s, size_t& pos, Pred pred) {
    const size_t start = pos;
    while (pos < s.size() && pred(s[pos])) ++pos;
    return pos - start;
}

bool eat(std::string_view s, size_t& pos, char c) {
    if (pos < s.size() && s[pos] == c) {
        ++pos;
        return true;
    }
    return false;
}

void skipSign(std::string_view s, size_t& pos) {
    if (pos < s.size() && isSign(s[pos])) ++pos;
}

// A run of between `lo` and `hi` digits.  Every use is followed by a
// non-digit in the regex, so taking the whole run is what backtracking
// would settle on too.
bool digits(std::string_view s, size_t& pos, size_t lo, size_t hi) {
    const size_t n = skip(s, pos, isDigit);
    return n >= lo && n <= hi;
}

// `prefix` then one or more characters of `pred` up to the end.
template <class Pred>
bool prefixedRunToEnd(std::string_view s, std::string_view prefix, Pred pred) {
    size_t pos = 0;
    skipSign(s, pos);
    if (s.substr(pos, prefix.size()) != prefix) return false;
    pos += prefix.size();
    return skip(s, pos, pred) > 0 && pos == s.size();
}

// (?::[0-5]?[0-9])+ : base-60 groups; each is one digit or two with the
// first in 0-5, and the next character is ':' or whatever ends the groups.
bool sexagesimalGroups(std::string_view s, size_t& pos) {
    size_t groups = 0;
    while (eat(s, pos, ':')) {
        const size_t start = pos;
        const size_t n = skip(s, pos, isDigit);
        if (n == 0 || n > 2 || (n == 2 && s[start] > '5')) return false;
        ++groups;
    }
    return groups > 0;
}

// (?:[eE][-+][0-9]+)? followed by the end of the text.
bool optionalExponentToEnd(std::string_view s, size_t pos) {
    if (pos == s.size()) return true;
    if (s[pos] != 'e' && s[pos] != 'E') return false;
    ++pos;
    if (pos == s.size() || !isSign(s[pos])) return false;
    ++pos;
    return skip(s, pos, isDigit) > 0 && pos == s.size();
}

// [-+]?[0-9][0-9_]* : the integer part shared by several alternatives.
bool signedLeadingDigits(std::string_view s, size_t& pos) {
    skipSign(s, pos);
    if (pos == s.size() || !isDigit(s[pos])) return false;
    ++pos;
    skip(s, pos, isDigitOrUnderscore);
    return true;
}

// --------------------------------------------------------------- ints ----

bool isSexagesimalInt(std::string_view s) {  // [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+
    size_t pos = 0;
    skipSign(s, pos);
    if (pos == s.size() || s[pos] < '1' || s[pos] > '9') return false;
    ++pos;
    skip(s, pos, isDigitOrUnderscore);
    return sexagesimalGroups(s, pos) && pos == s.size();
}

bool isDecimalInt(std::string_view s) {  // [-+]?(?:0|[1-9][0-9_]*)
    size_t pos = 0;
    skipSign(s, pos);
    if (pos == s.size()) return false;
    if (s[pos] == '0') return pos + 1 == s.size();
    if (!isDigit(s[pos])) return false;
    ++pos;
    skip(s, pos, isDigitOrUnderscore);
    return pos == s.size();
}

bool isYamlInt(std::string_view s) {
    return prefixedRunToEnd(s, "0b", isBinaryOrUnderscore) ||
           prefixedRunToEnd(s, "0", isOctalOrUnderscore) || isDecimalInt(s) ||
           prefixedRunToEnd(s, "0x", isHexOrUnderscore) || isSexagesimalInt(s);
}

// ------------------------------------------------------------- floats ----

bool isPointFloat(std::string_view s) {  // [-+]?[0-9][0-9_]*\.[0-9_]*(exp)?
    size_t pos = 0;
    if (!signedLeadingDigits(s, pos) || !eat(s, pos, '.')) return false;
    skip(s, pos, isDigitOrUnderscore);
    return optionalExponentToEnd(s, pos);
}

// PyYAML 6.0.3 (the reference installation) has \.[0-9][0-9_]* here; older
// releases had \.[0-9_]+, which also accepted "._".
bool isLeadingPointFloat(std::string_view s) {  // \.[0-9][0-9_]*(exp)?
    size_t pos = 0;
    if (!eat(s, pos, '.') || pos == s.size() || !isDigit(s[pos])) return false;
    skip(s, pos, isDigitOrUnderscore);
    return optionalExponentToEnd(s, pos);
}

bool isSexagesimalFloat(std::string_view s) {  // [-+]?[0-9][0-9_]*(:..)+\.[0-9_]*
    size_t pos = 0;
    if (!signedLeadingDigits(s, pos) || !sexagesimalGroups(s, pos)) return false;
    if (!eat(s, pos, '.')) return false;
    skip(s, pos, isDigitOrUnderscore);
    return pos == s.size();
}

bool isInfinity(std::string_view s) {  // [-+]?\.(?:inf|Inf|INF)
    if (!s.empty() && isSign(s[0])) s.remove_prefix(1);
    return oneOf(s, {".inf", ".Inf", ".INF"});
}

bool isYamlFloat(std::string_view s) {
    return isPointFloat(s) || isLeadingPointFloat(s) || isSexagesimalFloat(s) ||
           isInfinity(s) || oneOf(s, {".nan", ".NaN", ".NAN"});
}

// --------------------------------------------------------- timestamps ----

bool isDate(std::string_view s) {  // [0-9]{4}-[0-9]{2}-[0-9]{2}
    size_t pos = 0;
    return digits(s, pos, 4, 4) && eat(s, pos, '-') && digits(s, pos, 2, 2) &&
           eat(s, pos, '-') && digits(s, pos, 2, 2) && pos == s.size();
}

// (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))? then the end.
bool optionalZoneToEnd(std::string_view s, size_t pos) {
    if (pos == s.size()) return true;
    skip(s, pos, isBlank);
    if (eat(s, pos, 'Z')) return pos == s.size();
    if (pos == s.size() || !isSign(s[pos])) return false;
    ++pos;
    if (!digits(s, pos, 1, 2)) return false;
    if (eat(s, pos, ':') && !digits(s, pos, 2, 2)) return false;
    return pos == s.size();
}

// YYYY-M?M-D?D(T|t|[ \t]+)H?H:MM:SS(.f*)?(zone)?
bool isDateTime(std::string_view s) {
    size_t pos = 0;
    if (!(digits(s, pos, 4, 4) && eat(s, pos, '-') && digits(s, pos, 1, 2) &&
          eat(s, pos, '-') && digits(s, pos, 1, 2)))
        return false;
    if (!eat(s, pos, 'T') && !eat(s, pos, 't') && skip(s, pos, isBlank) == 0)
        return false;
    if (!(digits(s, pos, 1, 2) && eat(s, pos, ':') && digits(s, pos, 2, 2) &&
          eat(s, pos, ':') && digits(s, pos, 2, 2)))
        return false;
    if (eat(s, pos, '.')) skip(s, pos, isDigit);
    return optionalZoneToEnd(s, pos);
}

// ----------------------------------------------------- scalar analysis ----

bool isBreak(char32_t c) { return c == '\n' || c == 0x85 || c == 0x2028 || c == 0x2029; }

// Characters that count as whitespace around indicators.
bool isSpaceOrBreakOrNul(char32_t c) {
    return c == 0 || c == ' ' || c == '\t' || c == '\r' || isBreak(c);
}

// Printable for the analysis with allow_unicode: anything else forces the
// double-quoted style.  Note the range ends before U+10FFFF, as in PyYAML.
bool isAnalysisPrintable(char32_t c) {
    if (c == '\n' || (c >= 0x20 && c <= 0x7E)) return true;
    return (c == 0x85 || (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
            (c >= 0x10000 && c < 0x10FFFF)) &&
           c != 0xFEFF;
}

bool contains(std::u32string_view set, char32_t c) {
    return set.find(c) != std::u32string_view::npos;
}

struct Analysis {
    bool multiline = false;
    bool allowFlowPlain = true;
    bool allowBlockPlain = true;
    bool allowSingleQuoted = true;
};

// Flow/block indicator flags of PyYAML's analyze_scalar.
struct Indicators {
    bool flow = false;
    bool block = false;
};

void checkIndicators(const std::u32string& s, size_t i, Indicators& ind) {
    const char32_t c = s[i];
    const bool followedBySpace = i + 1 >= s.size() || isSpaceOrBreakOrNul(s[i + 1]);
    if (i == 0) {
        if (contains(U"#,[]{}&*!|>'\"%@`", c)) ind.flow = ind.block = true;
        if (c == '?' || c == ':') {
            ind.flow = true;
            if (followedBySpace) ind.block = true;
        }
        if (c == '-' && followedBySpace) ind.flow = ind.block = true;
        return;
    }
    if (contains(U",?[]{}", c)) ind.flow = true;
    if (c == ':') {
        ind.flow = true;
        if (followedBySpace) ind.block = true;
    }
    if (c == '#' && isSpaceOrBreakOrNul(s[i - 1])) ind.flow = ind.block = true;
}

// PyYAML's Emitter.analyze_scalar, for a non-empty scalar.  Plain style
// needs no indicators, no edge whitespace, no breaks and nothing special;
// single quotes survive breaks but not whitespace next to a break (it would
// be folded away) nor characters that need escapes.
Analysis analyze(const std::u32string& s) {
    Indicators ind;
    const std::u32string_view view(s);
    if (view.substr(0, 3) == U"---" || view.substr(0, 3) == U"...")
        ind.flow = ind.block = true;
    bool special = false, edgeSpace = false, spaceBreak = false, breakSpace = false;
    bool previousSpace = false, previousBreak = false, lineBreaks = false;
    const size_t last = s.size() - 1;
    for (size_t i = 0; i < s.size(); ++i) {
        const char32_t c = s[i];
        checkIndicators(s, i, ind);
        if (!isAnalysisPrintable(c)) special = true;
        const bool space = c == ' ', brk = isBreak(c);
        lineBreaks = lineBreaks || brk;
        // Leading/trailing spaces or breaks rule out plain style.
        if ((space || brk) && (i == 0 || i == last)) edgeSpace = true;
        if (space && previousBreak) breakSpace = true;
        if (brk && previousSpace) spaceBreak = true;
        previousSpace = space;
        previousBreak = brk;
    }
    Analysis a;
    a.multiline = lineBreaks;
    const bool noPlain = edgeSpace || breakSpace || spaceBreak || special || lineBreaks;
    a.allowFlowPlain = !noPlain && !ind.flow;
    a.allowBlockPlain = !noPlain && !ind.block;
    a.allowSingleQuoted = !(breakSpace || spaceBreak || special);
    return a;
}

// ------------------------------------------------------------- writers ----

// YAML's short escapes, as PyYAML's ESCAPE_REPLACEMENTS; 0 if none.
char shortEscape(char32_t c) {
    switch (c) {
        case 0x00: return '0';
        case 0x07: return 'a';
        case 0x08: return 'b';
        case 0x09: return 't';
        case 0x0A: return 'n';
        case 0x0B: return 'v';
        case 0x0C: return 'f';
        case 0x0D: return 'r';
        case 0x1B: return 'e';
        case '"': return '"';
        case '\\': return '\\';
        case 0x85: return 'N';
        case 0xA0: return '_';
        case 0x2028: return 'L';
        case 0x2029: return 'P';
        default: return 0;
    }
}

// Characters write_double_quoted copies verbatim (allow_unicode=True).
// Unlike the analysis, this stops at U+FFFD: astral characters are escaped.
bool isDoubleQuotedVerbatim(char32_t c) {
    if (c == '"' || c == '\\' || c == 0x85 || c == 0x2028 || c == 0x2029 || c == 0xFEFF)
        return false;
    return (c >= 0x20 && c <= 0x7E) || (c >= 0xA0 && c <= 0xD7FF) ||
           (c >= 0xE000 && c <= 0xFFFD);
}

// PyYAML's write_double_quoted with an infinite width (never folds):
// short escapes where YAML has them, else \xXX, \uXXXX or \UXXXXXXXX.
std::string writeDoubleQuoted(const std::u32string& s) {
    std::string out = "\"";
    for (char32_t c : s) {
        if (isDoubleQuotedVerbatim(c)) {
            py::appendUtf8(out, c);
        } else if (char e = shortEscape(c)) {
            out += '\\';
            out += e;
        } else {
            py::appendHexEscape(out, c, true);
        }
    }
    return out + "\"";
}

// PyYAML's write_single_quoted with an infinite width: quotes are doubled;
// a run of line breaks is written as-is (with one extra "\n" when it starts
// with "\n", since a single newline would fold into a space) and followed
// by the current indentation.
std::string writeSingleQuoted(const std::u32string& s, int indent) {
    std::string out = "'";
    for (size_t i = 0; i < s.size();) {
        if (!isBreak(s[i])) {
            if (s[i] == '\'') out += '\'';
            py::appendUtf8(out, s[i++]);
            continue;
        }
        if (s[i] == '\n') out += '\n';
        for (; i < s.size() && isBreak(s[i]); ++i) py::appendUtf8(out, s[i]);
        out.append(static_cast<size_t>(indent), ' ');
    }
    return out + "'";
}

}  // namespace

std::string floatToYaml(double value) {
    if (std::isnan(value)) return ".nan";
    if (std::isinf(value)) return value > 0 ? ".inf" : "-.inf";
    std::string text = py::lower(py::floatRepr(value));
    const size_t e = text.find('e');
    if (e != std::string::npos && text.find('.') == std::string::npos)
        text.insert(e, ".0");
    return text;
}

std::string_view implicitTag(std::string_view plain) {
    if (plain.empty()) return "null";
    // PyYAML picks candidate resolvers by the first character, then runs
    // regexes ending in '$', which also matches before a final newline.
    const char first = plain[0];
    std::string_view body = plain;
    if (body.back() == '\n') body.remove_suffix(1);
    auto firstIn = [first](std::string_view set) {
        return set.find(first) != std::string_view::npos;
    };
    if (firstIn("yYnNtTfFoO") &&
        oneOf(body, {"yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE",
                     "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF"}))
        return "bool";
    if (firstIn("-+0123456789.") && isYamlFloat(body)) return "float";
    if (firstIn("-+0123456789") && isYamlInt(body)) return "int";
    if (first == '<' && body == "<<") return "merge";
    if (firstIn("~nN") && oneOf(body, {"~", "null", "Null", "NULL", ""})) return "null";
    if (isDigit(first) && (isDate(body) || isDateTime(body))) return "timestamp";
    if (first == '=' && body == "=") return "value";
    if (firstIn("!&*") && oneOf(body, {"!", "&", "*"})) return "yaml";
    return "";
}

bool isImplicitlyTyped(std::string_view plain) { return !implicitTag(plain).empty(); }

bool isSimpleKey(std::string_view utf8) {
    // The emitter counts the prepared tag "!!str" (5 characters) too.
    constexpr size_t kMaxLength = 128 - 1 - 5;
    if (utf8.empty() || py::length(utf8) > kMaxLength) return false;
    for (size_t pos = 0; pos < utf8.size();)
        if (isBreak(py::decodeUtf8(utf8, pos))) return false;
    return true;
}

// PyYAML's choose_scalar_style for a str event (no explicit style).
std::string strToYaml(std::string_view utf8, const ScalarContext& context) {
    // The analysis works on characters, as PyYAML does on str.
    std::u32string s;
    for (size_t pos = 0; pos < utf8.size();) s.push_back(py::decodeUtf8(utf8, pos));
    // The empty string resolves to null, so it can only be quoted.
    if (s.empty()) return "''";
    const Analysis a = analyze(s);
    const bool flow = context.flowDepth > 0;
    const bool plainAllowed = flow ? a.allowFlowPlain : a.allowBlockPlain;
    if (plainAllowed && !(context.simpleKey && a.multiline) && !isImplicitlyTyped(utf8))
        return std::string(utf8);
    if (a.allowSingleQuoted && !(context.simpleKey && a.multiline))
        return writeSingleQuoted(s, 2 * (context.flowDepth + 1));
    return writeDoubleQuoted(s);
}

}  // namespace fgcc::yaml11
