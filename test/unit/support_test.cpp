// support_test.cpp - unit tests for the Python-exact text library in
// compiler/support (PyText, PyPath, PyFormat, YamlScalar).
//
// The expected values in the tables were produced by CPython 3.11.7 and
// PyYAML 6.0.3 (repr(), format(), posixpath, yaml.safe_dump with
// default_flow_style=True, allow_unicode=True, width=inf) and pasted here,
// so the tests never need Python at run time.  Doubles are written as hex
// float literals so the inputs are bit-exact.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/PyFormat.h"
#include "support/PyPath.h"
#include "support/PyText.h"
#include "support/YamlScalar.h"

namespace {

using namespace std::string_literals;
namespace py = fgcc::py;
namespace pypath = fgcc::pypath;
namespace yaml11 = fgcc::yaml11;

constexpr double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::numeric_limits<double>::quiet_NaN();

// The message of the exception `f` throws, or "<no exception>".
std::string errorOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "<no exception>";
}

// A double and the text Python gives for it.
struct DoubleCase {
    double value;
    const char* expected;
};

// A string input and the text Python gives for it.
struct TextCase {
    std::string input;
    std::string expected;
};

// ================================================================ PyText ====

const DoubleCase kFloatRepr[] = {
    {0.0, "0.0"},
    {-0.0, "-0.0"},
    {0x1.0000000000000p+0, "1.0"},
    {-0x1.0000000000000p+0, "-1.0"},
    {0x1.999999999999ap-4, "0.1"},
    {0x1.999999999999ap-3, "0.2"},
    {0x1.3333333333334p-2, "0.30000000000000004"},
    {0x1.5555555555555p-2, "0.3333333333333333"},
    {0x1.5555555555555p-1, "0.6666666666666666"},
    {0x1.86a0000000000p+16, "100000.0"},
    {0x1.a36e2eb1c432dp-14, "0.0001"},
    {0x1.4f8b588e368f1p-17, "1e-05"},
    {0x1.4f8b588e368f1p-17, "1e-05"},
    {0x1.4f8b588e368f1p-18, "5e-06"},
    {0x1.421f5f40d8376p-23, "1.5e-07"},
    {0x1.1c37937e08000p+53, "1e+16"},
    {0x1.c6bf526340000p+49, "1000000000000000.0"},
    {0x1.1c37937e07fffp+53, "9999999999999998.0"},
    {0x1.6345785d8a000p+56, "1e+17"},
    {0x1.0f0cf064dd592p+73, "1e+22"},
    {0x1.52d02c7e14af6p+76, "1e+23"},
    {0x1.fffffffffffffp+1023, "1.7976931348623157e+308"},
    {0x0.0000000000001p-1022, "5e-324"},
    {0x1.0000000000000p-1022, "2.2250738585072014e-308"},
    {0x1.d6f34547df3b6p+26, "123456789.123"},
    {0x1.c6bf526340000p+49, "1000000000000000.0"},
    {0x1.56a95319d63e1p+63, "1.2345678901234567e+19"},
    {0x1.921fb54442d18p+1, "3.141592653589793"},
    {0x1.5bf0a8b145769p+1, "2.718281828459045"},
    {0x1.0000000000000p-1, "0.5"},
    {0x1.4000000000000p+1, "2.5"},
    {0x1.249ad2594c37dp+332, "1e+100"},
    {0x1.bff2ee48e0530p-333, "1e-100"},
    {0x1.6b082c2148b8ep-60, "1.23e-18"},
    {0x1.01f31f46ed246p-13, "0.000123"},
    {0x1.426fe718a86d7p-10, "0.00123"},
    {-0x1.1eb2d66005835p+997, "-1.5e+300"},
    {0x1.1666666666666p+2, "4.35"},
    {0x1.9999999999999p-1, "0.7999999999999999"},
    {0x1.199999999999ap+0, "1.1"},
    {0x1.3e66666666666p+3, "9.95"},
    {0x1.0000000000000p+53, "9007199254740992.0"},
    {0x1.0000000000001p+53, "9007199254740994.0"},
    {0x1.0000000000000p+63, "9.223372036854776e+18"},
    {0x1.3a92a30553262p-12, "0.00030000000000000003"},
    {0x1.1de784a000000p+28, "299792458.0"},
    {0x1.fe185ca57c517p+78, "6.02214076e+23"},
    {0x1.7a4da290c1653p-63, "1.602176634e-19"},
    {0x1.64840e1719f80p-14, "8.5e-05"},
    {0x1.0000000000000p+16, "65536.0"},
    {-0x1.1126666666666p+8, "-273.15"},
    {0x1.aa535d3d0c000p+53, "1.5e+16"},
    {0x1.fffffffffffffp-1, "0.9999999999999999"},
    {0x1.ad7f29abcaf48p-24, "1e-07"},
    {0x1.8000000000000p+3, "12.0"},
    {0x1.3a92a30553261p-12, "0.0003"},
    {kInf, "inf"},
    {-kInf, "-inf"},
    {kNaN, "nan"},
};

TEST(PyText, FloatReprMatchesPython) {
    for (const auto& c : kFloatRepr)
        EXPECT_EQ(py::floatRepr(c.value), c.expected) << std::hexfloat << c.value;
}

TEST(PyText, FloatReprBriefExamples) {
    EXPECT_EQ(py::floatRepr(100000.0), "100000.0");
    EXPECT_EQ(py::floatRepr(0.0001), "0.0001");
    EXPECT_EQ(py::floatRepr(1e-05), "1e-05");
    EXPECT_EQ(py::floatRepr(5e-06), "5e-06");
    EXPECT_EQ(py::floatRepr(1e16), "1e+16");
    EXPECT_EQ(py::floatRepr(1.5e-07), "1.5e-07");
    EXPECT_EQ(py::floatRepr(1e15), "1000000000000000.0");
    EXPECT_EQ(py::floatRepr(-0.0), "-0.0");
    EXPECT_EQ(py::floatRepr(-kNaN), "nan");
}

TEST(PyText, DigitsAndLayout) {
    const py::DecimalDigits shortest = py::shortestDigits(0.1);
    EXPECT_EQ(shortest.digits, "1");
    EXPECT_EQ(shortest.decpt, 0);
    const py::DecimalDigits zero = py::shortestDigits(0.0);
    EXPECT_EQ(zero.digits, "0");
    EXPECT_EQ(zero.decpt, 1);
    const py::DecimalDigits rounded = py::roundedDigits(1234.5, 3);
    EXPECT_EQ(rounded.digits, "123");
    EXPECT_EQ(rounded.decpt, 4);
    EXPECT_EQ(py::roundedDigits(0.5, 1).digits, "5");
    EXPECT_EQ(py::roundedDigits(9.96, 2).digits, "1");  // rounds up to 10
    EXPECT_EQ(py::roundedDigits(9.96, 2).decpt, 2);

    py::DigitLayout g;
    g.code = 'g';
    g.precision = 3;
    EXPECT_EQ(py::layoutDigits(rounded, g), "1.23e+03");
    g.precision = 4;
    EXPECT_EQ(py::layoutDigits({"1235", 4}, g), "1235");
    g.addDotZero = true;
    EXPECT_EQ(py::layoutDigits({"1235", 4}, g), "1.235e+03");
    g.alternate = true;
    g.addDotZero = false;
    EXPECT_EQ(py::layoutDigits({"1", 1}, g), "1.000");
    py::DigitLayout e;
    e.code = 'e';
    e.precision = 1;
    e.upper = true;
    EXPECT_EQ(py::layoutDigits({"3", -2}, e), "3E-03");
    e.alternate = true;
    EXPECT_EQ(py::layoutDigits({"3", -2}, e), "3.E-03");
}

const TextCase kStrRepr[] = {
    {"", "''"},
    {"a", "'a'"},
    {"it's", "\"it's\""},
    {"say \"hi\"", "'say \"hi\"'"},
    {"both ' and \"", "'both \\' and \"'"},
    {"back\\slash", "'back\\\\slash'"},
    {"tab\there", "'tab\\there'"},
    {"nl\nx", "'nl\\nx'"},
    {"cr\015x", "'cr\\rx'"},
    {"\000\001\037\177"s, "'\\x00\\x01\\x1f\\x7f'"},
    {"\303\251\344\270\255\360\237\230\200", "'\303\251\344\270\255\360\237\230\200'"},
    {"\302\200\302\205\302\237", "'\\x80\\x85\\x9f'"},
    {"\302\240\302\255", "'\\xa0\\xad'"},
    {"\342\200\250\342\200\251", "'\\u2028\\u2029'"},
    {"\342\200\213\342\200\216\342\201\240", "'\\u200b\\u200e\\u2060'"},
    {"\357\273\277", "'\\ufeff'"},
    {"\356\200\200", "'\\ue000'"},
    {"\363\260\200\200", "'\\U000f0000'"},
    {"\357\277\276\357\277\277", "'\\ufffe\\uffff'"},
    {"\360\237\277\276", "'\\U0001fffe'"},
    {"\341\232\200\342\200\200\343\200\200", "'\\u1680\\u2000\\u3000'"},
    {"\315\270", "'\\u0378'"},
    {"\303\244 \303\266 \303\274", "'\303\244 \303\266 \303\274'"},
    {"\316\251mega", "'\316\251mega'"},
    {"\033[0m", "'\\x1b[0m'"},
    {"'", "\"'\""},
    {"\"", "'\"'"},
    {"'\"", "'\\'\"'"},
    {"\303\274'", "\"\303\274'\""},
    {"\330\200", "'\\u0600'"},
    {"\363\240\200\201", "'\\U000e0001'"},
    {"\360\237\230\200\360\237\232\200", "'\360\237\230\200\360\237\232\200'"},
    {"\303\277\304\200", "'\303\277\304\200'"},
};

TEST(PyText, StrReprMatchesPython) {
    for (const auto& c : kStrRepr) EXPECT_EQ(py::strRepr(c.input), c.expected) << c.input;
}

TEST(PyText, AppendHexEscape) {
    std::string out;
    py::appendHexEscape(out, 0x1f);
    py::appendHexEscape(out, 0x2028);
    py::appendHexEscape(out, 0x1f600);
    EXPECT_EQ(out, "\\x1f\\u2028\\U0001f600");
    out.clear();
    py::appendHexEscape(out, 0xab, true);
    EXPECT_EQ(out, "\\xAB");
}

TEST(PyText, Utf8RoundTripsEveryScalarValue) {
    for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
        if (cp == 0xD800) cp = 0xE000;  // surrogates have no UTF-8 form
        std::string encoded;
        py::appendUtf8(encoded, cp);
        ASSERT_FALSE(py::findInvalidUtf8(encoded).has_value()) << std::hex << cp;
        size_t pos = 0;
        ASSERT_EQ(py::decodeUtf8(encoded, pos), cp);
        ASSERT_EQ(pos, encoded.size());
        ASSERT_EQ(py::length(encoded), 1u);
    }
}

TEST(PyText, DecodeInvalidBytesYieldsReplacementAndAdvances) {
    const std::string bad = "a\xC3(\xFF";
    size_t pos = 1;
    EXPECT_EQ(py::decodeUtf8(bad, pos), U'\uFFFD');
    EXPECT_EQ(pos, 2u);
    EXPECT_EQ(py::decodeUtf8(bad, pos), U'(');
    EXPECT_EQ(py::decodeUtf8(bad, pos), U'\uFFFD');
    EXPECT_EQ(pos, bad.size());
}

struct InvalidUtf8Case {
    std::string input;
    std::optional<size_t> offset;
};

const InvalidUtf8Case kInvalidUtf8[] = {
    {"", std::nullopt},
    {"abc", std::nullopt},
    {"\303\251", std::nullopt},
    {"\303", 0},
    {"\300\200", 0},
    {"\301\277", 0},
    {"\340\200\200", 0},
    {"\340\240\200", std::nullopt},
    {"\355\240\200", 0},
    {"\355\237\277", std::nullopt},
    {"\360\217\277\277", 0},
    {"\360\220\200\200", std::nullopt},
    {"\364\217\277\277", std::nullopt},
    {"\364\220\200\200", 0},
    {"\365\200\200\200", 0},
    {"\377", 0},
    {"ab\200", 2},
    {"a\342\202", 1},
    {"\342\202\254\342", 3},
    {"ok\360\237\230\200\303(", 6},
    {"\357\277\277", std::nullopt},
};

TEST(PyText, FindInvalidUtf8MatchesPythonDecoder) {
    for (const auto& c : kInvalidUtf8)
        EXPECT_EQ(py::findInvalidUtf8(c.input), c.offset) << py::strRepr(c.input);
}

TEST(PyText, IsSpaceIsExactlyPythonIsspace) {
    const std::u32string spaces =
        U"\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
        U"\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";
    size_t count = 0;
    for (char32_t c = 0; c <= 0x10FFFF; ++c) {
        const bool expected = spaces.find(c) != std::u32string::npos;
        EXPECT_EQ(py::isSpace(c), expected) << std::hex << static_cast<uint32_t>(c);
        count += expected;
    }
    EXPECT_EQ(count, spaces.size());
}

TEST(PyText, IsWordCharFollowsPythonRe) {
    for (char32_t c : U"azAZ09_\u00aa\u00b5\u00ba\u00b2\u00b3\u00b9\u00bc\u00bd\u00be\u00e9"
                      U"\u00df\u0100\u017f\u0391\u03c9\u0410\u044f\u4e2d\u3005\u2160\u2460"
                      U"\uff21\uff10\u0660\U0001d400\U00020000")
        if (c) {
            EXPECT_TRUE(py::isWordChar(c)) << std::hex << static_cast<uint32_t>(c);
        }
    for (char32_t c : U" -.!@#$%^&*()+=[]{};:'\",<>/?\\|`~\t\n\x7f\x85\xa0\u00a1\u00a7\u00ab"
                      U"\u00b0\u00bf\u00d7\u00f7\u0301\u2000\u2014\u2026\u2030\u203f\u20ac"
                      U"\u2192\u2500\u3000\u3001\u300c\uff01\uff0c\ufeff\U0001f600\ue000")
        if (c) {
            EXPECT_FALSE(py::isWordChar(c)) << std::hex << static_cast<uint32_t>(c);
        }
}

TEST(PyText, IsPrintableFollowsPython) {
    for (char32_t c : U" ~\u00a1\u00e9\u2027\u2030\u4e2d\U0001f600\U000e0100")
        if (c) {
            EXPECT_TRUE(py::isPrintable(c)) << std::hex << static_cast<uint32_t>(c);
        }
    for (char32_t c : U"\x1f\x7f\x80\x9f\xa0\xad\u0378\u061c\u200b\u2028\u2029\u202f\u2066"
                      U"\u3000\ue000\ufdd0\ufeff\ufffe\uffff\U0001fffe\U000e0001\U000f0000")
        if (c) {
            EXPECT_FALSE(py::isPrintable(c)) << std::hex << static_cast<uint32_t>(c);
        }
}

struct StripCase {
    std::string method;
    std::string input;
    std::optional<std::string> chars;
    std::string expected;
};

const StripCase kStrip[] = {
    {"strip", "  hello  ", std::nullopt, "hello"},
    {"lstrip", "  hello  ", std::nullopt, "hello  "},
    {"rstrip", "  hello  ", std::nullopt, "  hello"},
    {"strip", "\t\n x \015\013\014", std::nullopt, "x"},
    {"lstrip", "\t\n x \015\013\014", std::nullopt, "x \015\013\014"},
    {"rstrip", "\t\n x \015\013\014", std::nullopt, "\t\n x"},
    {"strip", "\343\200\200\302\240x\342\200\203\302\205", std::nullopt, "x"},
    {"lstrip", "\343\200\200\302\240x\342\200\203\302\205", std::nullopt, "x\342\200\203\302\205"},
    {"rstrip", "\343\200\200\302\240x\342\200\203\302\205", std::nullopt, "\343\200\200\302\240x"},
    {"strip", "", std::nullopt, ""},
    {"lstrip", "", std::nullopt, ""},
    {"rstrip", "", std::nullopt, ""},
    {"strip", "   ", std::nullopt, ""},
    {"lstrip", "   ", std::nullopt, ""},
    {"rstrip", "   ", std::nullopt, ""},
    {"strip", "\342\200\213x\342\200\213", std::nullopt, "\342\200\213x\342\200\213"},
    {"lstrip", "\342\200\213x\342\200\213", std::nullopt, "\342\200\213x\342\200\213"},
    {"rstrip", "\342\200\213x\342\200\213", std::nullopt, "\342\200\213x\342\200\213"},
    {"strip", "\034x\037", std::nullopt, "x"},
    {"lstrip", "\034x\037", std::nullopt, "x\037"},
    {"rstrip", "\034x\037", std::nullopt, "\034x"},
    {"strip", "xxhixx", "x", "hi"},
    {"lstrip", "xxhixx", "x", "hixx"},
    {"rstrip", "xxhixx", "x", "xxhi"},
    {"strip", "abcba", "ab", "c"},
    {"lstrip", "abcba", "ab", "cba"},
    {"rstrip", "abcba", "ab", "abc"},
    {"strip", "\303\251x\303\251", "\303\251", "x"},
    {"lstrip", "\303\251x\303\251", "\303\251", "x\303\251"},
    {"rstrip", "\303\251x\303\251", "\303\251", "\303\251x"},
    {"strip", "hello", "", "hello"},
    {"lstrip", "hello", "", "hello"},
    {"rstrip", "hello", "", "hello"},
    {"strip", "  hi  ", " h", "i"},
    {"lstrip", "  hi  ", " h", "i  "},
    {"rstrip", "  hi  ", " h", "  hi"},
    {"strip", "\360\237\230\200a\360\237\230\200", "\360\237\230\200", "a"},
    {"lstrip", "\360\237\230\200a\360\237\230\200", "\360\237\230\200", "a\360\237\230\200"},
    {"rstrip", "\360\237\230\200a\360\237\230\200", "\360\237\230\200", "\360\237\230\200a"},
    {"strip", "aaa", "a", ""},
    {"lstrip", "aaa", "a", ""},
    {"rstrip", "aaa", "a", ""},
    {"strip", "/path/", "/", "path"},
    {"lstrip", "/path/", "/", "path/"},
    {"rstrip", "/path/", "/", "/path"},
};

TEST(PyText, StripMatchesPython) {
    for (const auto& c : kStrip) {
        std::string got;
        if (c.method == "strip")
            got = c.chars ? py::strip(c.input, *c.chars) : py::strip(c.input);
        else if (c.method == "lstrip")
            got = c.chars ? py::lstrip(c.input, *c.chars) : py::lstrip(c.input);
        else
            got = c.chars ? py::rstrip(c.input, *c.chars) : py::rstrip(c.input);
        EXPECT_EQ(got, c.expected) << c.method << "(" << py::strRepr(c.input) << ")";
    }
}

struct SplitCase {
    bool fromRight;
    std::string input;
    std::optional<std::string> sep;
    int maxsplit;
    std::vector<std::string> expected;
};

const SplitCase kSplit[] = {
    {false, "a b  c", std::nullopt, -1, {"a", "b", "c"}},
    {true, "a b  c", std::nullopt, -1, {"a", "b", "c"}},
    {false, "  a b  ", std::nullopt, -1, {"a", "b"}},
    {true, "  a b  ", std::nullopt, -1, {"a", "b"}},
    {false, "", std::nullopt, -1, {}},
    {true, "", std::nullopt, -1, {}},
    {false, "   ", std::nullopt, -1, {}},
    {true, "   ", std::nullopt, -1, {}},
    {false, "a\343\200\200b\302\240c\342\200\213d", std::nullopt, -1, {"a", "b", "c\342\200\213d"}},
    {true, "a\343\200\200b\302\240c\342\200\213d", std::nullopt, -1, {"a", "b", "c\342\200\213d"}},
    {false, "a b c d", std::nullopt, 2, {"a", "b", "c d"}},
    {true, "a b c d", std::nullopt, 2, {"a b", "c", "d"}},
    {false, "  a  b  c  ", std::nullopt, 1, {"a", "b  c  "}},
    {true, "  a  b  c  ", std::nullopt, 1, {"  a  b", "c"}},
    {false, "  a  b  c  ", std::nullopt, 0, {"a  b  c  "}},
    {true, "  a  b  c  ", std::nullopt, 0, {"  a  b  c"}},
    {false, "a\n\tb", std::nullopt, -1, {"a", "b"}},
    {true, "a\n\tb", std::nullopt, -1, {"a", "b"}},
    {false, "a,b,c", ",", -1, {"a", "b", "c"}},
    {true, "a,b,c", ",", -1, {"a", "b", "c"}},
    {false, "a,,b,", ",", -1, {"a", "", "b", ""}},
    {true, "a,,b,", ",", -1, {"a", "", "b", ""}},
    {false, ",", ",", -1, {"", ""}},
    {true, ",", ",", -1, {"", ""}},
    {false, "", ",", -1, {""}},
    {true, "", ",", -1, {""}},
    {false, "a,b,c", ",", 1, {"a", "b,c"}},
    {true, "a,b,c", ",", 1, {"a,b", "c"}},
    {false, "a,b,c", ",", 0, {"a,b,c"}},
    {true, "a,b,c", ",", 0, {"a,b,c"}},
    {false, "abcabc", "bc", -1, {"a", "a", ""}},
    {true, "abcabc", "bc", -1, {"a", "a", ""}},
    {false, "aaa", "aa", -1, {"", "a"}},
    {true, "aaa", "aa", -1, {"a", ""}},
    {false, "\303\251-\303\251-\303\251", "-", 1, {"\303\251", "\303\251-\303\251"}},
    {true, "\303\251-\303\251-\303\251", "-", 1, {"\303\251-\303\251", "\303\251"}},
    {false, "x", "long", -1, {"x"}},
    {true, "x", "long", -1, {"x"}},
    {false, "a::b::c", "::", 5, {"a", "b", "c"}},
    {true, "a::b::c", "::", 5, {"a", "b", "c"}},
};

TEST(PyText, SplitAndRsplitMatchPython) {
    for (const auto& c : kSplit) {
        std::vector<std::string> got;
        if (c.sep)
            got = c.fromRight ? py::rsplit(c.input, *c.sep, c.maxsplit)
                              : py::split(c.input, *c.sep, c.maxsplit);
        else
            got = c.fromRight ? py::rsplit(c.input, c.maxsplit) : py::split(c.input, c.maxsplit);
        EXPECT_EQ(got, c.expected) << (c.fromRight ? "rsplit(" : "split(")
                                   << py::strRepr(c.input) << ", " << c.maxsplit << ")";
    }
}

TEST(PyText, SplitRejectsEmptySeparator) {
    EXPECT_EQ(errorOf([] { py::split("abc", ""); }), "empty separator");
    EXPECT_EQ(errorOf([] { py::rsplit("abc", "", 1); }), "empty separator");
}

struct ReplaceCase {
    std::string input, old, repl;
    long count;
    std::string expected;
};

const ReplaceCase kReplace[] = {
    {"hello", "l", "L", -1, "heLLo"},
    {"hello", "l", "L", 1, "heLlo"},
    {"hello", "l", "", -1, "heo"},
    {"abc", "", "-", -1, "-a-b-c-"},
    {"abc", "", "-", 2, "-a-bc"},
    {"abc", "", "-", 0, "abc"},
    {"", "", "x", -1, "x"},
    {"h\303\251\303\251", "", "|", -1, "|h|\303\251|\303\251|"},
    {"aaaa", "aa", "b", -1, "bb"},
    {"a.b.c", ".", "/", -1, "a/b/c"},
    {"x", "y", "z", -1, "x"},
    {"\360\237\230\200\360\237\230\200", "\360\237\230\200", ":)", 1, ":)\360\237\230\200"},
    {"abc", "abc", "", -1, ""},
};

TEST(PyText, ReplaceMatchesPython) {
    for (const auto& c : kReplace)
        EXPECT_EQ(py::replace(c.input, c.old, c.repl, c.count), c.expected)
            << py::strRepr(c.input) << ".replace(" << py::strRepr(c.old) << ")";
}

struct LengthCase {
    std::string input;
    size_t expected;
};

const LengthCase kLength[] = {
    {"", 0},
    {"abc", 3},
    {"h\303\251llo", 5},
    {"\344\270\255\346\226\207\345\255\227", 3},
    {"\360\237\230\200x", 2},
    {"a\314\201", 2},
    {"\000\000"s, 2},
};

TEST(PyText, LengthCountsCodePoints) {
    for (const auto& c : kLength) EXPECT_EQ(py::length(c.input), c.expected);
}

struct CaseCase {
    std::string input, upper, lower;
};

// Python would also map non-ASCII letters; the library deliberately only
// maps ASCII, so these expectations were produced with that restriction.
const CaseCase kUpperLower[] = {
    {"Hello World", "HELLO WORLD", "hello world"},
    {"\303\211COLE \303\251cole", "\303\211COLE \303\251COLE", "\303\211cole \303\251cole"},
    {"snake_case-42", "SNAKE_CASE-42", "snake_case-42"},
    {"", "", ""},
    {"\303\237", "\303\237", "\303\237"},
};

TEST(PyText, UpperLowerAsciiOnly) {
    for (const auto& c : kUpperLower) {
        EXPECT_EQ(py::upper(c.input), c.upper);
        EXPECT_EQ(py::lower(c.input), c.lower);
    }
}

// ================================================================ PyPath ====

const TextCase kNormpath[] = {
    {"", "."},
    {".", "."},
    {"..", ".."},
    {"/", "/"},
    {"//", "//"},
    {"///", "/"},
    {"////", "/"},
    {"a", "a"},
    {"a/", "a"},
    {"a//b", "a/b"},
    {"/a/./b/../c", "/a/c"},
    {"a/../..", ".."},
    {"../a/../../b", "../../b"},
    {"//a/b", "//a/b"},
    {"///a/b", "/a/b"},
    {"/..", "/"},
    {"/../a", "/a"},
    {"a/b/c/../../d", "a/d"},
    {"./", "."},
    {".//x//", "x"},
    {"a/./.", "a"},
    {"/a/b/", "/a/b"},
    {"foo.bar/baz", "foo.bar/baz"},
    {".bashrc", ".bashrc"},
    {"/x/.bashrc", "/x/.bashrc"},
    {"a.tar.gz", "a.tar.gz"},
    {"/a.b/c", "/a.b/c"},
    {"..x", "..x"},
    {"...", "..."},
    {"a/...", "a/..."},
    {"/a/b.", "/a/b."},
    {"~", "~"},
    {"~/x", "~/x"},
    {"~/", "~"},
    {"~u/x", "~u/x"},
    {"x~", "x~"},
};

TEST(PyPath, NormpathMatchesPosixpath) {
    for (const auto& c : kNormpath) EXPECT_EQ(pypath::normpath(c.input), c.expected) << c.input;
}

struct PartsCase {
    std::string input, dirname, basename, root, ext;
};

const PartsCase kPathParts[] = {
    {"", "", "", "", ""},
    {".", "", ".", ".", ""},
    {"..", "", "..", "..", ""},
    {"/", "/", "", "/", ""},
    {"//", "//", "", "//", ""},
    {"///", "///", "", "///", ""},
    {"////", "////", "", "////", ""},
    {"a", "", "a", "a", ""},
    {"a/", "a", "", "a/", ""},
    {"a//b", "a", "b", "a//b", ""},
    {"/a/./b/../c", "/a/./b/..", "c", "/a/./b/../c", ""},
    {"a/../..", "a/..", "..", "a/../..", ""},
    {"../a/../../b", "../a/../..", "b", "../a/../../b", ""},
    {"//a/b", "//a", "b", "//a/b", ""},
    {"///a/b", "///a", "b", "///a/b", ""},
    {"/..", "/", "..", "/..", ""},
    {"/../a", "/..", "a", "/../a", ""},
    {"a/b/c/../../d", "a/b/c/../..", "d", "a/b/c/../../d", ""},
    {"./", ".", "", "./", ""},
    {".//x//", ".//x", "", ".//x//", ""},
    {"a/./.", "a/.", ".", "a/./.", ""},
    {"/a/b/", "/a/b", "", "/a/b/", ""},
    {"foo.bar/baz", "foo.bar", "baz", "foo.bar/baz", ""},
    {".bashrc", "", ".bashrc", ".bashrc", ""},
    {"/x/.bashrc", "/x", ".bashrc", "/x/.bashrc", ""},
    {"a.tar.gz", "", "a.tar.gz", "a.tar", ".gz"},
    {"/a.b/c", "/a.b", "c", "/a.b/c", ""},
    {"..x", "", "..x", "..x", ""},
    {"...", "", "...", "...", ""},
    {"a/...", "a", "...", "a/...", ""},
    {"/a/b.", "/a", "b.", "/a/b", "."},
    {"~", "", "~", "~", ""},
    {"~/x", "~", "x", "~/x", ""},
    {"~/", "~", "", "~/", ""},
    {"~u/x", "~u", "x", "~u/x", ""},
    {"x~", "", "x~", "x~", ""},
};

TEST(PyPath, DirnameBasenameSplitextMatchPosixpath) {
    for (const auto& c : kPathParts) {
        EXPECT_EQ(pypath::dirname(c.input), c.dirname) << c.input;
        EXPECT_EQ(pypath::basename(c.input), c.basename) << c.input;
        const auto parts = pypath::split(c.input);
        EXPECT_EQ(parts.first, c.dirname) << c.input;
        EXPECT_EQ(parts.second, c.basename) << c.input;
        const auto ext = pypath::splitext(c.input);
        EXPECT_EQ(ext.first, c.root) << c.input;
        EXPECT_EQ(ext.second, c.ext) << c.input;
    }
}

struct JoinCase {
    std::vector<std::string> parts;
    std::string expected;
};

const JoinCase kJoin[] = {
    {{"a", "b"}, "a/b"},
    {{"a", "/b"}, "/b"},
    {{"a", ""}, "a/"},
    {{"", "a"}, "a"},
    {{"", ""}, ""},
    {{"/", "a"}, "/a"},
    {{"a/", "b"}, "a/b"},
    {{"a", "b/", "c"}, "a/b/c"},
    {{"a", "/b", "c"}, "/b/c"},
    {{"/a", "//b"}, "//b"},
    {{"a"}, "a"},
    {{"a//", "b"}, "a//b"},
    {{"x", "..", "y"}, "x/../y"},
    {{"", "", "z"}, "z"},
};

TEST(PyPath, JoinMatchesPosixpath) {
    for (const auto& c : kJoin) {
        EXPECT_EQ(pypath::join(c.parts), c.expected);
        if (c.parts.size() == 2) {
            EXPECT_EQ(pypath::join(c.parts[0], c.parts[1]), c.expected);
        }
    }
    EXPECT_THROW(pypath::join(std::vector<std::string>{}), std::invalid_argument);
}

struct RelpathCase {
    std::string path, start, cwd;
    std::optional<std::string> relpath;
    std::string abspath;
};

const RelpathCase kRelpath[] = {
    {"a/b", ".", "/home/u", "a/b", "/home/u/a/b"},
    {"/a/b/c", "/a/x/y", "/", "../../b/c", "/a/b/c"},
    {"/a/b", "/a/b", "/", ".", "/a/b"},
    {"/a", "/a/b/c", "/", "../..", "/a"},
    {"b", "a", "/r", "../b", "/r/b"},
    {"/", "/a", "/", "..", "/"},
    {"x", "", "/r", "x", "/r/x"},
    {"../x", ".", "/r/s", "../x", "/r/x"},
    {"/a/b", "//a", "/", "b", "/a/b"},
    {"", ".", "/", std::nullopt, "/"},
    {"a", "/", "/r", "r/a", "/r/a"},
    {"/r/./s/../t", "q", "/r", "../t", "/r/t"},
};

TEST(PyPath, RelpathAndAbspathMatchPosixpath) {
    for (const auto& c : kRelpath) {
        EXPECT_EQ(pypath::abspath(c.path, c.cwd), c.abspath) << c.path;
        if (c.relpath) {
            EXPECT_EQ(pypath::relpath(c.path, c.start, c.cwd), *c.relpath) << c.path;
        } else {
            EXPECT_EQ(errorOf([&] { pypath::relpath(c.path, c.start, c.cwd); }),
                      "no path specified");
        }
    }
    EXPECT_TRUE(pypath::isabs("/x"));
    EXPECT_FALSE(pypath::isabs("x/"));
    EXPECT_FALSE(pypath::isabs(""));
}

struct ExpandCase {
    std::string path, home, expected;
};

const ExpandCase kExpanduser[] = {
    {"~", "/home/u", "/home/u"},
    {"~/x", "/home/u", "/home/u/x"},
    {"~/x", "/home/u/", "/home/u/x"},
    {"~", "/", "/"},
    {"~/x", "/", "/x"},
    {"~", "", "/"},
    {"~/a", "", "/a"},
    {"~u/x", "/home/u", "~u/x"},
    {"x/~", "/h", "x/~"},
    {"", "/h", ""},
    {"~~", "/h", "~~"},
    {"~/", "/h", "/h/"},
};

TEST(PyPath, ExpanduserMatchesPosixpath) {
    for (const auto& c : kExpanduser)
        EXPECT_EQ(pypath::expanduser(c.path, c.home), c.expected) << c.path << " " << c.home;
}

// ============================================================== PyFormat ====

// A spec, a value, and either Python's output or its ValueError text.
template <class T>
struct FormatCase {
    const char* spec;
    T value;
    const char* expected;
    const char* error;
};

template <class T, size_t N, class Fn>
void checkFormat(const FormatCase<T> (&cases)[N], Fn format) {
    for (const auto& c : cases) {
        if (c.expected) {
            EXPECT_EQ(format(c.value, c.spec), c.expected) << "spec '" << c.spec << "'";
        } else {
            EXPECT_EQ(errorOf([&] { format(c.value, c.spec); }), c.error)
                << "spec '" << c.spec << "'";
        }
    }
}

const FormatCase<const char*> kFormatStr[] = {
    {"#^40", " Config Vars ", "############# Config Vars ##############", nullptr},
    {">10", "ab", "        ab", nullptr},
    {"<10", "ab", "ab        ", nullptr},
    {"^6", "ab", "  ab  ", nullptr},
    {"^7", "ab", "  ab   ", nullptr},
    {"*^7", "ab", "**ab***", nullptr},
    {"\303\251^7", "x", "\303\251\303\251\303\251x\303\251\303\251\303\251", nullptr},
    {"05", "ab", "ab000", nullptr},
    {".2", "h\303\251llo", "h\303\251", nullptr},
    {"10.3", "abcdef", "abc       ", nullptr},
    {"", "plain", "plain", nullptr},
    {"s", "x", "x", nullptr},
    {"3", "long text", "long text", nullptr},
    {">4", "\303\251", "   \303\251", nullptr},
    {"0>5", "7", "00007", nullptr},
    {"<<5", "x", "x<<<<", nullptr},
    {"d", "s", nullptr, "Unknown format code 'd' for object of type 'str'"},
    {"=5", "s", nullptr, "'=' alignment not allowed in string format specifier"},
    {"+", "s", nullptr, "Sign not allowed in string format specifier"},
    {" ", "s", nullptr, "Space not allowed in string format specifier"},
    {"#", "s", nullptr, "Alternate form (#) not allowed in string format specifier"},
    {"z", "s", nullptr, "Negative zero coercion (z) not allowed in string format specifier"},
    {",", "s", nullptr, "Cannot specify ',' with 's'."},
    {".", "s", nullptr, "Format specifier missing precision"},
    {"abc", "s", nullptr, "Invalid format specifier 'abc' for object of type 'str'"},
    {"\303\251", "s", nullptr, "Unknown format code '\\xe9' for object of type 'str'"},
    {"99999999999999999999", "s", nullptr, "Too many decimal digits in format string"},
};

TEST(PyFormat, StrMatchesPython) {
    checkFormat(kFormatStr, [](const char* v, const char* s) { return py::formatStr(v, s); });
}

const FormatCase<int64_t> kFormatInt[] = {
    {"", 42LL, "42", nullptr},
    {"d", -7LL, "-7", nullptr},
    {"5", 42LL, "   42", nullptr},
    {"<5", 42LL, "42   ", nullptr},
    {"^5", 42LL, " 42  ", nullptr},
    {"05", -42LL, "-0042", nullptr},
    {"+", 5LL, "+5", nullptr},
    {" ", 5LL, " 5", nullptr},
    {"-", -5LL, "-5", nullptr},
    {",", 1234567LL, "1,234,567", nullptr},
    {"_", 1234567LL, "1_234_567", nullptr},
    {",", -1000LL, "-1,000", nullptr},
    {"010,", 1234LL, "00,001,234", nullptr},
    {"06,", 1234LL, "01,234", nullptr},
    {"07,", 1234LL, "001,234", nullptr},
    {"08,", 1234LL, "0,001,234", nullptr},
    {"0>10,", 1234LL, "000001,234", nullptr},
    {"x=10,", 1234LL, "xxxxx1,234", nullptr},
    {"b", 10LL, "1010", nullptr},
    {"#b", 10LL, "0b1010", nullptr},
    {"o", 8LL, "10", nullptr},
    {"#o", -8LL, "-0o10", nullptr},
    {"x", 255LL, "ff", nullptr},
    {"X", 255LL, "FF", nullptr},
    {"#x", 255LL, "0xff", nullptr},
    {"#X", 255LL, "0XFF", nullptr},
    {"#010x", 255LL, "0x000000ff", nullptr},
    {"#010_x", 255LL, "0x000_00ff", nullptr},
    {"_b", 1000LL, "11_1110_1000", nullptr},
    {"_X", 2882400018LL, "ABCD_EF12", nullptr},
    {"0=+#10_b", 1000LL, "+0b11_1110_1000", nullptr},
    {"c", 65LL, "A", nullptr},
    {"c", 233LL, "\303\251", nullptr},
    {"c", 128512LL, "\360\237\230\200", nullptr},
    {"05c", 65LL, "0000A", nullptr},
    {"=5c", 65LL, "    A", nullptr},
    {"n", 1234567LL, "1234567", nullptr},
    {"n", -5LL, "-5", nullptr},
    {".2f", 3LL, "3.00", nullptr},
    {"e", 3LL, "3.000000e+00", nullptr},
    {"%", 3LL, "300.000000%", nullptr},
    {"g", 1000000000000000LL, "1e+15", nullptr},
    {".1%", 1LL, "100.0%", nullptr},
    {",", 9223372036854775807, "9,223,372,036,854,775,807", nullptr},
    {"x", INT64_MIN, "-8000000000000000", nullptr},
    {"=+10", -5LL, "-        5", nullptr},
    {"<010", 5LL, "5000000000", nullptr},
    {"0<10", 5LL, "5000000000", nullptr},
    {"^+9,", 12345LL, " +12,345 ", nullptr},
    {".2", 1LL, nullptr, "Precision not allowed in integer format specifier"},
    {"z", 1LL, nullptr, "Negative zero coercion (z) not allowed in integer format specifier"},
    {"+c", 1LL, nullptr, "Sign not allowed with integer format specifier 'c'"},
    {"#c", 1LL, nullptr, "Alternate form (#) not allowed with integer format specifier 'c'"},
    {"s", 1LL, nullptr, "Unknown format code 's' for object of type 'int'"},
    {",b", 1LL, nullptr, "Cannot specify ',' with 'b'."},
    {",x", 1LL, nullptr, "Cannot specify ',' with 'x'."},
    {"_n", 1LL, nullptr, "Cannot specify '_' with 'n'."},
    {"_c", 1LL, nullptr, "Cannot specify '_' with 'c'."},
    {",_", 1LL, nullptr, "Cannot specify both ',' and '_'."},
    {"_,", 1LL, nullptr, "Cannot specify both ',' and '_'."},
    {"c", 1114112LL, nullptr, "%c arg not in range(0x110000)"},
    {"c", -1LL, nullptr, "%c arg not in range(0x110000)"},
    {",n", 1LL, nullptr, "Cannot specify ',' with 'n'."},
};

TEST(PyFormat, IntMatchesPython) {
    checkFormat(kFormatInt, [](int64_t v, const char* s) { return py::formatInt(v, s); });
}

const FormatCase<double> kFormatFloat[] = {
    {"", 0x1.0000000000000p+0, "1.0", nullptr},
    {"", 0x1.1c37937e08000p+53, "1e+16", nullptr},
    {"", 0x1.999999999999ap-4, "0.1", nullptr},
    {"", -0.0, "-0.0", nullptr},
    {"", kInf, "inf", nullptr},
    {"", kNaN, "nan", nullptr},
    {".2f", 0x1.921f9f01b866ep+1, "3.14", nullptr},
    {".0f", 0x1.4000000000000p+1, "2", nullptr},
    {".0f", 0x1.c000000000000p+1, "4", nullptr},
    {".1f", 0x1.0000000000000p-2, "0.2", nullptr},
    {".1f", 0x1.6666666666666p-2, "0.3", nullptr},
    {"f", 0x1.5af1d78b58c40p+66, "100000000000000000000.000000", nullptr},
    {".3f", -0x1.a36e2eb1c432dp-12, "-0.000", nullptr},
    {"e", 0x1.81cd6c8b43958p+13, "1.234568e+04", nullptr},
    {".2e", 0x1.01f31f46ed246p-13, "1.23e-04", nullptr},
    {"E", 0x1.b7cdfd9d7bdbbp-34, "1.000000E-10", nullptr},
    {".0e", 0x1.9000000000000p+4, "2e+01", nullptr},
    {"#.0e", 0x1.0000000000000p+0, "1.e+00", nullptr},
    {"#.0f", 0x1.0000000000000p+1, "2.", nullptr},
    {"g", 0x1.4f8b588e368f1p-17, "1e-05", nullptr},
    {"g", 0x1.a36e2eb1c432dp-14, "0.0001", nullptr},
    {"g", 0x1.d6f3454000000p+26, "1.23457e+08", nullptr},
    {"g", 0x1.1c37937e08000p+53, "1e+16", nullptr},
    {"G", 0x1.4f8b588e368f1p-17, "1E-05", nullptr},
    {".2g", 0x1.3eb851eb851ecp+3, "10", nullptr},
    {"#g", 0x1.2a05f20000000p+33, "1.00000e+10", nullptr},
    {"#.3g", 0x1.0000000000000p+0, "1.00", nullptr},
    {"#.0g", 0x1.0000000000000p+0, "1.", nullptr},
    {".0", 0x1.8000000000000p+0, "2e+00", nullptr},
    {".3", 0x1.34a0000000000p+10, "1.23e+03", nullptr},
    {".4", 0x1.3480000000000p+10, "1.234e+03", nullptr},
    {".5", 0x1.3480000000000p+10, "1234.0", nullptr},
    {".1", 0.0, "0e+00", nullptr},
    {"+.1", -0.0, "-0e+00", nullptr},
    {".17", 0x1.999999999999ap-4, "0.10000000000000001", nullptr},
    {"#", 0x1.1c37937e08000p+53, "1.e+16", nullptr},
    {"#", 0x1.0000000000000p+0, "1.0", nullptr},
    {"%", 0x1.0000000000000p-1, "50.000000%", nullptr},
    {".0%", 0x1.0000000000000p-3, "12%", nullptr},
    {".2%", 0x1.5555555555555p-2, "33.33%", nullptr},
    {"#.0%", 0x1.0000000000000p-1, "50.%", nullptr},
    {"010.3%", 0x1.0000000000000p-1, "00050.000%", nullptr},
    {",.2f", 0x1.2d687e4189375p+20, "1,234,567.89", nullptr},
    {"_", 0x1.2d68780000000p+20, "1_234_567.5", nullptr},
    {",", 0x1.5af1d78b58c40p+66, "1e+20", nullptr},
    {",", -0x1.2d68740000000p+20, "-1,234,567.25", nullptr},
    {",g", 0x1.2d68700000000p+20, "1.23457e+06", nullptr},
    {",.0f", 0x1.0f0cf064dd592p+73, "10,000,000,000,000,000,000,000", nullptr},
    {"010.1f", -0x1.921f9f01b866ep+1, "-0000003.1", nullptr},
    {"+010.1f", 0x1.921f9f01b866ep+1, "+0000003.1", nullptr},
    {"^+11.2f", 0x1.921f9f01b866ep+1, "   +3.14   ", nullptr},
    {"010", kInf, "0000000inf", nullptr},
    {"010,", kNaN, "0000000nan", nullptr},
    {"E", kInf, "INF", nullptr},
    {"F", kNaN, "NAN", nullptr},
    {"%", kInf, "inf%", nullptr},
    {"f", -kInf, "-inf", nullptr},
    {"+", kNaN, "+nan", nullptr},
    {"z", -0.0, "0.0", nullptr},
    {"z.1f", -0x1.47ae147ae147bp-7, "0.0", nullptr},
    {"z.0f", -0x1.999999999999ap-2, "0", nullptr},
    {"z.1e", -0.0, "0.0e+00", nullptr},
    {"z%", -0.0, "0.000000%", nullptr},
    {"zf", -kInf, "-inf", nullptr},
    {"n", 0x1.8000000000000p+0, "1.5", nullptr},
    {"n", 0x1.5af1d78b58c40p+66, "1e+20", nullptr},
    {">12.4", 0x1.921fb53c8d4f1p+1, "       3.142", nullptr},
    {"*<12", 0x1.4000000000000p+1, "2.5*********", nullptr},
    {"=12.3e", -0x1.81cd6e631f8a1p+13, "-  1.235e+04", nullptr},
    {"12,.1f", -0x1.34a3d70a3d70ap+10, "    -1,234.6", nullptr},
    {".20f", 0x1.999999999999ap-4, "0.10000000000000000555", nullptr},
    {".30e", 0x1.5555555555555p-2, "3.333333333333333148296162562474e-01", nullptr},
    {".25g", 0x1.7e43c8800759cp+996, "1.00000000000000005250476e+300", nullptr},
    {"c", 0x1.8000000000000p+0, nullptr, "Unknown format code 'c' for object of type 'float'"},
    {"s", 0x1.8000000000000p+0, nullptr, "Unknown format code 's' for object of type 'float'"},
    {"d", 0x1.8000000000000p+0, nullptr, "Unknown format code 'd' for object of type 'float'"},
    {"x", 0x1.8000000000000p+0, nullptr, "Unknown format code 'x' for object of type 'float'"},
    {",n", 0x1.8000000000000p+0, nullptr, "Cannot specify ',' with 'n'."},
    {"_n", 0x1.8000000000000p+0, nullptr, "Cannot specify '_' with 'n'."},
    {".f", 0x1.8000000000000p+0, nullptr, "Format specifier missing precision"},
    {"ff", 0x1.8000000000000p+0, nullptr, "Invalid format specifier 'ff' for object of type 'float'"},
};

TEST(PyFormat, FloatMatchesPython) {
    checkFormat(kFormatFloat, [](double v, const char* s) { return py::formatFloat(v, s); });
}

TEST(PyFormat, ErrorTypes) {
    EXPECT_THROW(py::formatInt(0x110000, "c"), std::overflow_error);
    EXPECT_THROW(py::formatStr("x", "d"), std::invalid_argument);
    // Absurd widths are refused instead of building a huge string.
    EXPECT_THROW(py::formatStr("x", "999999999"), std::length_error);
    EXPECT_THROW(py::formatFloat(1.0, ".999999999f"), std::length_error);
    EXPECT_EQ(py::formatFloat(1.0, ".400f").size(), 402u);
}

// ============================================================ YamlScalar ====

const DoubleCase kFloatToYaml[] = {
    {0.0, "0.0"},
    {-0.0, "-0.0"},
    {0x1.0000000000000p+0, "1.0"},
    {-0x1.0000000000000p+0, "-1.0"},
    {0x1.999999999999ap-4, "0.1"},
    {0x1.999999999999ap-3, "0.2"},
    {0x1.3333333333334p-2, "0.30000000000000004"},
    {0x1.5555555555555p-2, "0.3333333333333333"},
    {0x1.5555555555555p-1, "0.6666666666666666"},
    {0x1.86a0000000000p+16, "100000.0"},
    {0x1.a36e2eb1c432dp-14, "0.0001"},
    {0x1.4f8b588e368f1p-17, "1.0e-05"},
    {0x1.4f8b588e368f1p-17, "1.0e-05"},
    {0x1.4f8b588e368f1p-18, "5.0e-06"},
    {0x1.421f5f40d8376p-23, "1.5e-07"},
    {0x1.1c37937e08000p+53, "1.0e+16"},
    {0x1.c6bf526340000p+49, "1000000000000000.0"},
    {0x1.1c37937e07fffp+53, "9999999999999998.0"},
    {0x1.6345785d8a000p+56, "1.0e+17"},
    {0x1.0f0cf064dd592p+73, "1.0e+22"},
    {0x1.52d02c7e14af6p+76, "1.0e+23"},
    {0x1.fffffffffffffp+1023, "1.7976931348623157e+308"},
    {0x0.0000000000001p-1022, "5.0e-324"},
    {0x1.0000000000000p-1022, "2.2250738585072014e-308"},
    {0x1.d6f34547df3b6p+26, "123456789.123"},
    {0x1.c6bf526340000p+49, "1000000000000000.0"},
    {0x1.56a95319d63e1p+63, "1.2345678901234567e+19"},
    {0x1.921fb54442d18p+1, "3.141592653589793"},
    {0x1.5bf0a8b145769p+1, "2.718281828459045"},
    {0x1.0000000000000p-1, "0.5"},
    {0x1.4000000000000p+1, "2.5"},
    {0x1.249ad2594c37dp+332, "1.0e+100"},
    {0x1.bff2ee48e0530p-333, "1.0e-100"},
    {0x1.6b082c2148b8ep-60, "1.23e-18"},
    {0x1.01f31f46ed246p-13, "0.000123"},
    {0x1.426fe718a86d7p-10, "0.00123"},
    {-0x1.1eb2d66005835p+997, "-1.5e+300"},
    {0x1.1666666666666p+2, "4.35"},
    {0x1.9999999999999p-1, "0.7999999999999999"},
    {0x1.199999999999ap+0, "1.1"},
    {0x1.3e66666666666p+3, "9.95"},
    {0x1.0000000000000p+53, "9007199254740992.0"},
    {0x1.0000000000001p+53, "9007199254740994.0"},
    {0x1.0000000000000p+63, "9.223372036854776e+18"},
    {0x1.3a92a30553262p-12, "0.00030000000000000003"},
    {0x1.1de784a000000p+28, "299792458.0"},
    {0x1.fe185ca57c517p+78, "6.02214076e+23"},
    {0x1.7a4da290c1653p-63, "1.602176634e-19"},
    {0x1.64840e1719f80p-14, "8.5e-05"},
    {0x1.0000000000000p+16, "65536.0"},
    {-0x1.1126666666666p+8, "-273.15"},
    {0x1.aa535d3d0c000p+53, "1.5e+16"},
    {0x1.fffffffffffffp-1, "0.9999999999999999"},
    {0x1.ad7f29abcaf48p-24, "1.0e-07"},
    {0x1.8000000000000p+3, "12.0"},
    {0x1.3a92a30553261p-12, "0.0003"},
    {kInf, ".inf"},
    {-kInf, "-.inf"},
    {kNaN, ".nan"},
};

TEST(YamlScalar, FloatToYamlMatchesPyYaml) {
    for (const auto& c : kFloatToYaml)
        EXPECT_EQ(yaml11::floatToYaml(c.value), c.expected) << std::hexfloat << c.value;
    EXPECT_EQ(yaml11::floatToYaml(1e-06), "1.0e-06");
    EXPECT_EQ(yaml11::floatToYaml(1e17), "1.0e+17");
    EXPECT_EQ(yaml11::floatToYaml(2.5), "2.5");
}

// flowDepth 0 is the document root (block context); keys are in a flow
// mapping nested flowDepth-1 deep.
struct YamlStrCase {
    std::string input;
    int flowDepth;
    bool simpleKey;
    std::string expected;
};

const YamlStrCase kStrToYaml[] = {
    {"plain", 1, false, "plain"},
    {"plain", 0, false, "plain"},
    {"plain", 2, false, "plain"},
    {"plain", 1, true, "plain"},
    {"two words", 1, false, "two words"},
    {"two words", 0, false, "two words"},
    {"two words", 2, false, "two words"},
    {"two words", 1, true, "two words"},
    {"", 1, false, "''"},
    {"", 0, false, "''"},
    {"", 2, false, "''"},
    {" ", 1, false, "' '"},
    {" ", 0, false, "' '"},
    {" ", 2, false, "' '"},
    {" ", 1, true, "' '"},
    {"yes", 1, false, "'yes'"},
    {"yes", 0, false, "'yes'"},
    {"yes", 2, false, "'yes'"},
    {"yes", 1, true, "'yes'"},
    {"Yes", 1, false, "'Yes'"},
    {"Yes", 0, false, "'Yes'"},
    {"Yes", 2, false, "'Yes'"},
    {"Yes", 1, true, "'Yes'"},
    {"no", 1, false, "'no'"},
    {"no", 0, false, "'no'"},
    {"no", 2, false, "'no'"},
    {"no", 1, true, "'no'"},
    {"ON", 1, false, "'ON'"},
    {"ON", 0, false, "'ON'"},
    {"ON", 2, false, "'ON'"},
    {"ON", 1, true, "'ON'"},
    {"off", 1, false, "'off'"},
    {"off", 0, false, "'off'"},
    {"off", 2, false, "'off'"},
    {"off", 1, true, "'off'"},
    {"y", 1, false, "y"},
    {"y", 0, false, "y"},
    {"y", 2, false, "y"},
    {"y", 1, true, "y"},
    {"n", 1, false, "n"},
    {"n", 0, false, "n"},
    {"n", 2, false, "n"},
    {"n", 1, true, "n"},
    {"true", 1, false, "'true'"},
    {"true", 0, false, "'true'"},
    {"true", 2, false, "'true'"},
    {"true", 1, true, "'true'"},
    {"null", 1, false, "'null'"},
    {"null", 0, false, "'null'"},
    {"null", 2, false, "'null'"},
    {"null", 1, true, "'null'"},
    {"Null", 1, false, "'Null'"},
    {"Null", 0, false, "'Null'"},
    {"Null", 2, false, "'Null'"},
    {"Null", 1, true, "'Null'"},
    {"~", 1, false, "'~'"},
    {"~", 0, false, "'~'"},
    {"~", 2, false, "'~'"},
    {"~", 1, true, "'~'"},
    {"123", 1, false, "'123'"},
    {"123", 0, false, "'123'"},
    {"123", 2, false, "'123'"},
    {"123", 1, true, "'123'"},
    {"-12", 1, false, "'-12'"},
    {"-12", 0, false, "'-12'"},
    {"-12", 2, false, "'-12'"},
    {"-12", 1, true, "'-12'"},
    {"012", 1, false, "'012'"},
    {"012", 0, false, "'012'"},
    {"012", 2, false, "'012'"},
    {"012", 1, true, "'012'"},
    {"0o12", 1, false, "0o12"},
    {"0o12", 0, false, "0o12"},
    {"0o12", 2, false, "0o12"},
    {"0o12", 1, true, "0o12"},
    {"0x1F", 1, false, "'0x1F'"},
    {"0x1F", 0, false, "'0x1F'"},
    {"0x1F", 2, false, "'0x1F'"},
    {"0x1F", 1, true, "'0x1F'"},
    {"0b101", 1, false, "'0b101'"},
    {"0b101", 0, false, "'0b101'"},
    {"0b101", 2, false, "'0b101'"},
    {"0b101", 1, true, "'0b101'"},
    {"1_000", 1, false, "'1_000'"},
    {"1_000", 0, false, "'1_000'"},
    {"1_000", 2, false, "'1_000'"},
    {"1_000", 1, true, "'1_000'"},
    {"1:20", 1, false, "'1:20'"},
    {"1:20", 0, false, "'1:20'"},
    {"1:20", 2, false, "'1:20'"},
    {"1:20", 1, true, "'1:20'"},
    {"1:60", 1, false, "'1:60'"},
    {"1:60", 0, false, "1:60"},
    {"1:60", 2, false, "'1:60'"},
    {"1:60", 1, true, "'1:60'"},
    {"1.5", 1, false, "'1.5'"},
    {"1.5", 0, false, "'1.5'"},
    {"1.5", 2, false, "'1.5'"},
    {"1.5", 1, true, "'1.5'"},
    {"1.0e5", 1, false, "1.0e5"},
    {"1.0e5", 0, false, "1.0e5"},
    {"1.0e5", 2, false, "1.0e5"},
    {"1.0e5", 1, true, "1.0e5"},
    {"1.0e+5", 1, false, "'1.0e+5'"},
    {"1.0e+5", 0, false, "'1.0e+5'"},
    {"1.0e+5", 2, false, "'1.0e+5'"},
    {"1.0e+5", 1, true, "'1.0e+5'"},
    {"1e5", 1, false, "1e5"},
    {"1e5", 0, false, "1e5"},
    {"1e5", 2, false, "1e5"},
    {"1e5", 1, true, "1e5"},
    {"1e+5", 1, false, "1e+5"},
    {"1e+5", 0, false, "1e+5"},
    {"1e+5", 2, false, "1e+5"},
    {"1e+5", 1, true, "1e+5"},
    {".5", 1, false, "'.5'"},
    {".5", 0, false, "'.5'"},
    {".5", 2, false, "'.5'"},
    {".5", 1, true, "'.5'"},
    {"._", 1, false, "._"},
    {"._", 0, false, "._"},
    {"._", 2, false, "._"},
    {"._", 1, true, "._"},
    {".inf", 1, false, "'.inf'"},
    {".inf", 0, false, "'.inf'"},
    {".inf", 2, false, "'.inf'"},
    {".inf", 1, true, "'.inf'"},
    {"-.Inf", 1, false, "'-.Inf'"},
    {"-.Inf", 0, false, "'-.Inf'"},
    {"-.Inf", 2, false, "'-.Inf'"},
    {"-.Inf", 1, true, "'-.Inf'"},
    {".nan", 1, false, "'.nan'"},
    {".nan", 0, false, "'.nan'"},
    {".nan", 2, false, "'.nan'"},
    {".nan", 1, true, "'.nan'"},
    {"1.", 1, false, "'1.'"},
    {"1.", 0, false, "'1.'"},
    {"1.", 2, false, "'1.'"},
    {"1.", 1, true, "'1.'"},
    {"2001-12-14", 1, false, "'2001-12-14'"},
    {"2001-12-14", 0, false, "'2001-12-14'"},
    {"2001-12-14", 2, false, "'2001-12-14'"},
    {"2001-12-14", 1, true, "'2001-12-14'"},
    {"2001-12-14 21:59:43.10 -5", 1, false, "'2001-12-14 21:59:43.10 -5'"},
    {"2001-12-14 21:59:43.10 -5", 0, false, "'2001-12-14 21:59:43.10 -5'"},
    {"2001-12-14 21:59:43.10 -5", 2, false, "'2001-12-14 21:59:43.10 -5'"},
    {"2001-12-14 21:59:43.10 -5", 1, true, "'2001-12-14 21:59:43.10 -5'"},
    {"2001-1-1t1:02:03Z", 1, false, "'2001-1-1t1:02:03Z'"},
    {"2001-1-1t1:02:03Z", 0, false, "'2001-1-1t1:02:03Z'"},
    {"2001-1-1t1:02:03Z", 2, false, "'2001-1-1t1:02:03Z'"},
    {"2001-1-1t1:02:03Z", 1, true, "'2001-1-1t1:02:03Z'"},
    {"<<", 1, false, "'<<'"},
    {"<<", 0, false, "'<<'"},
    {"<<", 2, false, "'<<'"},
    {"<<", 1, true, "'<<'"},
    {"=", 1, false, "'='"},
    {"=", 0, false, "'='"},
    {"=", 2, false, "'='"},
    {"=", 1, true, "'='"},
    {"!", 1, false, "'!'"},
    {"!", 0, false, "'!'"},
    {"!", 2, false, "'!'"},
    {"!", 1, true, "'!'"},
    {"&a", 1, false, "'&a'"},
    {"&a", 0, false, "'&a'"},
    {"&a", 2, false, "'&a'"},
    {"&a", 1, true, "'&a'"},
    {"*a", 1, false, "'*a'"},
    {"*a", 0, false, "'*a'"},
    {"*a", 2, false, "'*a'"},
    {"*a", 1, true, "'*a'"},
    {"- a", 1, false, "'- a'"},
    {"- a", 0, false, "'- a'"},
    {"- a", 2, false, "'- a'"},
    {"- a", 1, true, "'- a'"},
    {"-a", 1, false, "-a"},
    {"-a", 0, false, "-a"},
    {"-a", 2, false, "-a"},
    {"-a", 1, true, "-a"},
    {"-", 1, false, "'-'"},
    {"-", 0, false, "'-'"},
    {"-", 2, false, "'-'"},
    {"-", 1, true, "'-'"},
    {":a", 1, false, "':a'"},
    {":a", 0, false, ":a"},
    {":a", 2, false, "':a'"},
    {":a", 1, true, "':a'"},
    {"a:", 1, false, "'a:'"},
    {"a:", 0, false, "'a:'"},
    {"a:", 2, false, "'a:'"},
    {"a:", 1, true, "'a:'"},
    {"a: b", 1, false, "'a: b'"},
    {"a: b", 0, false, "'a: b'"},
    {"a: b", 2, false, "'a: b'"},
    {"a: b", 1, true, "'a: b'"},
    {"a:b", 1, false, "'a:b'"},
    {"a:b", 0, false, "a:b"},
    {"a:b", 2, false, "'a:b'"},
    {"a:b", 1, true, "'a:b'"},
    {"?a", 1, false, "'?a'"},
    {"?a", 0, false, "?a"},
    {"?a", 2, false, "'?a'"},
    {"?a", 1, true, "'?a'"},
    {"a?", 1, false, "'a?'"},
    {"a?", 0, false, "a?"},
    {"a?", 2, false, "'a?'"},
    {"a?", 1, true, "'a?'"},
    {"a?b", 1, false, "'a?b'"},
    {"a?b", 0, false, "a?b"},
    {"a?b", 2, false, "'a?b'"},
    {"a?b", 1, true, "'a?b'"},
    {"a#b", 1, false, "a#b"},
    {"a#b", 0, false, "a#b"},
    {"a#b", 2, false, "a#b"},
    {"a#b", 1, true, "a#b"},
    {"a #b", 1, false, "'a #b'"},
    {"a #b", 0, false, "'a #b'"},
    {"a #b", 2, false, "'a #b'"},
    {"a #b", 1, true, "'a #b'"},
    {"#x", 1, false, "'#x'"},
    {"#x", 0, false, "'#x'"},
    {"#x", 2, false, "'#x'"},
    {"#x", 1, true, "'#x'"},
    {",x", 1, false, "',x'"},
    {",x", 0, false, "',x'"},
    {",x", 2, false, "',x'"},
    {",x", 1, true, "',x'"},
    {"a,b", 1, false, "'a,b'"},
    {"a,b", 0, false, "a,b"},
    {"a,b", 2, false, "'a,b'"},
    {"a,b", 1, true, "'a,b'"},
    {"[x]", 1, false, "'[x]'"},
    {"[x]", 0, false, "'[x]'"},
    {"[x]", 2, false, "'[x]'"},
    {"[x]", 1, true, "'[x]'"},
    {"x]", 1, false, "'x]'"},
    {"x]", 0, false, "x]"},
    {"x]", 2, false, "'x]'"},
    {"x]", 1, true, "'x]'"},
    {"{x}", 1, false, "'{x}'"},
    {"{x}", 0, false, "'{x}'"},
    {"{x}", 2, false, "'{x}'"},
    {"{x}", 1, true, "'{x}'"},
    {"|x", 1, false, "'|x'"},
    {"|x", 0, false, "'|x'"},
    {"|x", 2, false, "'|x'"},
    {"|x", 1, true, "'|x'"},
    {">x", 1, false, "'>x'"},
    {">x", 0, false, "'>x'"},
    {">x", 2, false, "'>x'"},
    {">x", 1, true, "'>x'"},
    {"'x", 1, false, "'''x'"},
    {"'x", 0, false, "'''x'"},
    {"'x", 2, false, "'''x'"},
    {"'x", 1, true, "'''x'"},
    {"\"x", 1, false, "'\"x'"},
    {"\"x", 0, false, "'\"x'"},
    {"\"x", 2, false, "'\"x'"},
    {"\"x", 1, true, "'\"x'"},
    {"x\"y", 1, false, "x\"y"},
    {"x\"y", 0, false, "x\"y"},
    {"x\"y", 2, false, "x\"y"},
    {"x\"y", 1, true, "x\"y"},
    {"x'y", 1, false, "x'y"},
    {"x'y", 0, false, "x'y"},
    {"x'y", 2, false, "x'y"},
    {"x'y", 1, true, "x'y"},
    {"%x", 1, false, "'%x'"},
    {"%x", 0, false, "'%x'"},
    {"%x", 2, false, "'%x'"},
    {"%x", 1, true, "'%x'"},
    {"@x", 1, false, "'@x'"},
    {"@x", 0, false, "'@x'"},
    {"@x", 2, false, "'@x'"},
    {"@x", 1, true, "'@x'"},
    {"`x", 1, false, "'`x'"},
    {"`x", 0, false, "'`x'"},
    {"`x", 2, false, "'`x'"},
    {"`x", 1, true, "'`x'"},
    {"---", 1, false, "'---'"},
    {"---", 0, false, "'---'"},
    {"---", 2, false, "'---'"},
    {"---", 1, true, "'---'"},
    {"--", 1, false, "--"},
    {"--", 0, false, "--"},
    {"--", 2, false, "--"},
    {"--", 1, true, "--"},
    {"...", 1, false, "'...'"},
    {"...", 0, false, "'...'"},
    {"...", 2, false, "'...'"},
    {"...", 1, true, "'...'"},
    {"..x", 1, false, "..x"},
    {"..x", 0, false, "..x"},
    {"..x", 2, false, "..x"},
    {"..x", 1, true, "..x"},
    {" lead", 1, false, "' lead'"},
    {" lead", 0, false, "' lead'"},
    {" lead", 2, false, "' lead'"},
    {" lead", 1, true, "' lead'"},
    {"trail ", 1, false, "'trail '"},
    {"trail ", 0, false, "'trail '"},
    {"trail ", 2, false, "'trail '"},
    {"trail ", 1, true, "'trail '"},
    {"tab\tx", 1, false, "\"tab\\tx\""},
    {"tab\tx", 0, false, "\"tab\\tx\""},
    {"tab\tx", 2, false, "\"tab\\tx\""},
    {"tab\tx", 1, true, "\"tab\\tx\""},
    {"a\nb", 1, false, "'a\n\n    b'"},
    {"a\nb", 0, false, "'a\n\n  b'"},
    {"a\nb", 2, false, "'a\n\n      b'"},
    {"a\n\nb", 1, false, "'a\n\n\n    b'"},
    {"a\n\nb", 0, false, "'a\n\n\n  b'"},
    {"a\n\nb", 2, false, "'a\n\n\n      b'"},
    {"a \nb", 1, false, "\"a \\nb\""},
    {"a \nb", 0, false, "\"a \\nb\""},
    {"a \nb", 2, false, "\"a \\nb\""},
    {"a\n b", 1, false, "\"a\\n b\""},
    {"a\n b", 0, false, "\"a\\n b\""},
    {"a\n b", 2, false, "\"a\\n b\""},
    {"x\n", 1, false, "'x\n\n    '"},
    {"x\n", 0, false, "'x\n\n  '"},
    {"x\n", 2, false, "'x\n\n      '"},
    {"\nx", 1, false, "'\n\n    x'"},
    {"\nx", 0, false, "'\n\n  x'"},
    {"\nx", 2, false, "'\n\n      x'"},
    {"a\302\205b", 1, false, "'a\302\205    b'"},
    {"a\302\205b", 0, false, "'a\302\205  b'"},
    {"a\302\205b", 2, false, "'a\302\205      b'"},
    {"a\342\200\250b", 1, false, "'a\342\200\250    b'"},
    {"a\342\200\250b", 0, false, "'a\342\200\250  b'"},
    {"a\342\200\250b", 2, false, "'a\342\200\250      b'"},
    {"\303\251\344\270\255", 1, false, "\303\251\344\270\255"},
    {"\303\251\344\270\255", 0, false, "\303\251\344\270\255"},
    {"\303\251\344\270\255", 2, false, "\303\251\344\270\255"},
    {"\303\251\344\270\255", 1, true, "\303\251\344\270\255"},
    {"\360\237\230\200", 1, false, "\360\237\230\200"},
    {"\360\237\230\200", 0, false, "\360\237\230\200"},
    {"\360\237\230\200", 2, false, "\360\237\230\200"},
    {"\360\237\230\200", 1, true, "\360\237\230\200"},
    {"a\177b", 1, false, "\"a\\x7Fb\""},
    {"a\177b", 0, false, "\"a\\x7Fb\""},
    {"a\177b", 2, false, "\"a\\x7Fb\""},
    {"a\177b", 1, true, "\"a\\x7Fb\""},
    {"a\000b"s, 1, false, "\"a\\0b\""},
    {"a\000b"s, 0, false, "\"a\\0b\""},
    {"a\000b"s, 2, false, "\"a\\0b\""},
    {"a\000b"s, 1, true, "\"a\\0b\""},
    {"a\033b", 1, false, "\"a\\eb\""},
    {"a\033b", 0, false, "\"a\\eb\""},
    {"a\033b", 2, false, "\"a\\eb\""},
    {"a\033b", 1, true, "\"a\\eb\""},
    {"\357\273\277x", 1, false, "\"\\uFEFFx\""},
    {"\357\273\277x", 0, false, "\"\\uFEFFx\""},
    {"\357\273\277x", 2, false, "\"\\uFEFFx\""},
    {"\357\273\277x", 1, true, "\"\\uFEFFx\""},
    {"\302\240", 1, false, "\302\240"},
    {"\302\240", 0, false, "\302\240"},
    {"\302\240", 2, false, "\302\240"},
    {"\302\240", 1, true, "\302\240"},
    {"x\302\240y", 1, false, "x\302\240y"},
    {"x\302\240y", 0, false, "x\302\240y"},
    {"x\302\240y", 2, false, "x\302\240y"},
    {"x\302\240y", 1, true, "x\302\240y"},
    {"it's\nhere", 1, false, "'it''s\n\n    here'"},
    {"it's\nhere", 0, false, "'it''s\n\n  here'"},
    {"it's\nhere", 2, false, "'it''s\n\n      here'"},
    {"a\\b", 1, false, "a\\b"},
    {"a\\b", 0, false, "a\\b"},
    {"a\\b", 2, false, "a\\b"},
    {"a\\b", 1, true, "a\\b"},
    {"C:\\path", 1, false, "'C:\\path'"},
    {"C:\\path", 0, false, "C:\\path"},
    {"C:\\path", 2, false, "'C:\\path'"},
    {"C:\\path", 1, true, "'C:\\path'"},
    {"http://x.org/a?b=c", 1, false, "'http://x.org/a?b=c'"},
    {"http://x.org/a?b=c", 0, false, "http://x.org/a?b=c"},
    {"http://x.org/a?b=c", 2, false, "'http://x.org/a?b=c'"},
    {"http://x.org/a?b=c", 1, true, "'http://x.org/a?b=c'"},
    {"k=v", 1, false, "k=v"},
    {"k=v", 0, false, "k=v"},
    {"k=v", 2, false, "k=v"},
    {"k=v", 1, true, "k=v"},
    {"a-b_c.d", 1, false, "a-b_c.d"},
    {"a-b_c.d", 0, false, "a-b_c.d"},
    {"a-b_c.d", 2, false, "a-b_c.d"},
    {"a-b_c.d", 1, true, "a-b_c.d"},
    {"~/dir", 1, false, "~/dir"},
    {"~/dir", 0, false, "~/dir"},
    {"~/dir", 2, false, "~/dir"},
    {"~/dir", 1, true, "~/dir"},
    {"a\353\237\277b", 1, false, "a\353\237\277b"},
    {"a\353\237\277b", 0, false, "a\353\237\277b"},
    {"a\353\237\277b", 2, false, "a\353\237\277b"},
    {"a\353\237\277b", 1, true, "a\353\237\277b"},
    {"a\364\217\277\277b", 1, false, "\"a\\U0010FFFFb\""},
    {"a\364\217\277\277b", 0, false, "\"a\\U0010FFFFb\""},
    {"a\364\217\277\277b", 2, false, "\"a\\U0010FFFFb\""},
    {"a\364\217\277\277b", 1, true, "\"a\\U0010FFFFb\""},
    {"a\356\200\200b", 1, false, "a\356\200\200b"},
    {"a\356\200\200b", 0, false, "a\356\200\200b"},
    {"a\356\200\200b", 2, false, "a\356\200\200b"},
    {"a\356\200\200b", 1, true, "a\356\200\200b"},
    {"a\357\277\276b", 1, false, "\"a\\uFFFEb\""},
    {"a\357\277\276b", 0, false, "\"a\\uFFFEb\""},
    {"a\357\277\276b", 2, false, "\"a\\uFFFEb\""},
    {"a\357\277\276b", 1, true, "\"a\\uFFFEb\""},
};

TEST(YamlScalar, StrToYamlMatchesPyYaml) {
    for (const auto& c : kStrToYaml)
        EXPECT_EQ(yaml11::strToYaml(c.input, {c.flowDepth, c.simpleKey}), c.expected)
            << py::strRepr(c.input) << " depth " << c.flowDepth << " key " << c.simpleKey;
}

TEST(YamlScalar, StrToYamlDefaultsToFlowValue) {
    EXPECT_EQ(yaml11::strToYaml("a,b"), "'a,b'");
    EXPECT_EQ(yaml11::strToYaml("yes"), "'yes'");
    EXPECT_EQ(yaml11::strToYaml("1.0e5"), "1.0e5");
    EXPECT_EQ(yaml11::strToYaml(""), "''");
    EXPECT_EQ(yaml11::strToYaml("~"), "'~'");
    EXPECT_EQ(yaml11::strToYaml("a\nb"), "'a\n\n    b'");
}

TEST(YamlScalar, IsSimpleKeyMatchesPyYamlEmitter) {
    EXPECT_TRUE(yaml11::isSimpleKey("a"));
    EXPECT_TRUE(yaml11::isSimpleKey(std::string(122, 'a')));
    EXPECT_FALSE(yaml11::isSimpleKey(std::string(123, 'a')));
    std::string accented;
    for (int i = 0; i < 122; ++i) accented += "\u00e9";
    EXPECT_TRUE(yaml11::isSimpleKey(accented));  // counted in characters
    EXPECT_FALSE(yaml11::isSimpleKey(accented + "x"));
    EXPECT_FALSE(yaml11::isSimpleKey(""));
    EXPECT_FALSE(yaml11::isSimpleKey("a\nb"));
    EXPECT_FALSE(yaml11::isSimpleKey("a\u2028b"));
    EXPECT_TRUE(yaml11::isSimpleKey("a\rb"));  // '\r' is not a YAML line break here
    // Non-simple keys are written after "? " in ordinary flow context.
    EXPECT_EQ(yaml11::strToYaml("a\nb", {1, false}), "'a\n\n    b'");
    EXPECT_EQ(yaml11::strToYaml("a\nb", {1, true}), "\"a\\nb\"");
}

const TextCase kImplicitTag[] = {
    {"plain", ""},
    {"two words", ""},
    {"", "null"},
    {" ", ""},
    {"yes", "bool"},
    {"Yes", "bool"},
    {"no", "bool"},
    {"ON", "bool"},
    {"off", "bool"},
    {"y", ""},
    {"n", ""},
    {"true", "bool"},
    {"null", "null"},
    {"Null", "null"},
    {"~", "null"},
    {"123", "int"},
    {"-12", "int"},
    {"012", "int"},
    {"0o12", ""},
    {"0x1F", "int"},
    {"0b101", "int"},
    {"1_000", "int"},
    {"1:20", "int"},
    {"1:60", ""},
    {"1.5", "float"},
    {"1.0e5", ""},
    {"1.0e+5", "float"},
    {"1e5", ""},
    {"1e+5", ""},
    {".5", "float"},
    {"._", ""},
    {".inf", "float"},
    {"-.Inf", "float"},
    {".nan", "float"},
    {"1.", "float"},
    {"2001-12-14", "timestamp"},
    {"2001-12-14 21:59:43.10 -5", "timestamp"},
    {"2001-1-1t1:02:03Z", "timestamp"},
    {"<<", "merge"},
    {"=", "value"},
    {"!", "yaml"},
    {"&a", ""},
    {"*a", ""},
    {"- a", ""},
    {"-a", ""},
    {"-", ""},
    {":a", ""},
    {"a:", ""},
    {"a: b", ""},
    {"a:b", ""},
    {"?a", ""},
    {"a?", ""},
    {"a?b", ""},
    {"a#b", ""},
    {"a #b", ""},
    {"#x", ""},
    {",x", ""},
    {"a,b", ""},
    {"[x]", ""},
    {"x]", ""},
    {"{x}", ""},
    {"|x", ""},
    {">x", ""},
    {"'x", ""},
    {"\"x", ""},
    {"x\"y", ""},
    {"x'y", ""},
    {"%x", ""},
    {"@x", ""},
    {"`x", ""},
    {"---", ""},
    {"--", ""},
    {"...", ""},
    {"..x", ""},
    {" lead", ""},
    {"trail ", ""},
    {"tab\tx", ""},
    {"a\nb", ""},
    {"a\n\nb", ""},
    {"a \nb", ""},
    {"a\n b", ""},
    {"x\n", ""},
    {"\nx", ""},
    {"a\302\205b", ""},
    {"a\342\200\250b", ""},
    {"\303\251\344\270\255", ""},
    {"\360\237\230\200", ""},
    {"a\177b", ""},
    {"a\000b"s, ""},
    {"a\033b", ""},
    {"\357\273\277x", ""},
    {"\302\240", ""},
    {"x\302\240y", ""},
    {"it's\nhere", ""},
    {"a\\b", ""},
    {"C:\\path", ""},
    {"http://x.org/a?b=c", ""},
    {"k=v", ""},
    {"a-b_c.d", ""},
    {"~/dir", ""},
    {"a\353\237\277b", ""},
    {"a\364\217\277\277b", ""},
    {"a\356\200\200b", ""},
    {"a\357\277\276b", ""},
    {"1__", "int"},
    {"+0", "int"},
    {"-0b", ""},
    {"0b", ""},
    {"0x", ""},
    {"0_", "int"},
    {"12:5", "int"},
    {"1:2:3.", "float"},
    {"1.2.3", ""},
    {"190:20:30.15", "float"},
    {"1:0a", ""},
    {"tRUE", ""},
    {"nan", ""},
    {"Inf", ""},
    {"+", ""},
    {".", ""},
    {"1:", ""},
    {":1", ""},
    {"+.5", ""},
    {".5_", "float"},
    {"._5", ""},
    {"1._", "float"},
    {"1.5e5", ""},
    {"1.5E+5", "float"},
    {".5e-3", "float"},
    {"0.", "float"},
    {"0o7", ""},
    {"08", ""},
    {"0_7", "int"},
    {"2001-12-14T21:59:43.1+05:30", "timestamp"},
    {"2001-12-14 21:59:43 ", ""},
    {"2001-12-14  21:59:43", "timestamp"},
    {"2001-12-1", ""},
    {"20011-12-14", ""},
    {"yes\n", "bool"},
    {"null\n", "null"},
    {"1\n", "int"},
    {"\n", ""},
    {"NULL", "null"},
    {"nULL", ""},
    {"FALSE", "bool"},
    {"False", "bool"},
    {"fALSE", ""},
    {"+.INF", "float"},
    {".NAN", "float"},
    {"-.nan", ""},
    {"1:2", "int"},
    {"0:1", ""},
    {"-1:59", "int"},
    {"1:5:59", "int"},
    {"1:123", ""},
    {"0x_", "int"},
    {"0b_", "int"},
    {"-0", "int"},
    {"00", "int"},
};

TEST(YamlScalar, ImplicitTagMatchesPyYamlResolver) {
    for (const auto& c : kImplicitTag) {
        EXPECT_EQ(yaml11::implicitTag(c.input), c.expected) << py::strRepr(c.input);
        EXPECT_EQ(yaml11::isImplicitlyTyped(c.input), !c.expected.empty());
    }
}

TEST(YamlScalar, ImplicitTagHandlesLongInputsWithoutRegex) {
    // Long digit runs would make a backtracking regex slow or recurse deeply.
    EXPECT_EQ(yaml11::implicitTag(std::string(100000, '1')), "int");
    EXPECT_EQ(yaml11::implicitTag("1" + std::string(100000, ':')), "");
    EXPECT_EQ(yaml11::implicitTag(std::string(100000, '1') + ".5e+3"), "float");
}

}  // namespace
