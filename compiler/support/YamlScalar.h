// YamlScalar.h - scalars exactly as PyYAML 6.0 writes them.
//
// The toyaml filter must reproduce
//   yaml.safe_dump(v, default_flow_style=True, allow_unicode=True,
//                  width=float('inf'))
// so this module mirrors PyYAML's float representer, its YAML 1.1 implicit
// resolvers and the emitter's scalar analysis / style choice.  The
// collections around the scalars ("[a, b]", "{k: v}") are the caller's job.
#pragma once

#include <string>
#include <string_view>

namespace fgcc::yaml11 {

// PyYAML's represent_float: repr(v).lower() with ".0" inserted before an
// exponent that has no point; ".inf", "-.inf", ".nan".
std::string floatToYaml(double value);

// Where a string scalar is emitted; this changes which styles are allowed.
struct ScalarContext {
    // Number of enclosing flow collections; 0 is the document root, which
    // PyYAML emits in block context.  Line breaks inside a single-quoted
    // scalar are followed by 2 * (flowDepth + 1) spaces of indentation.
    int flowDepth = 1;
    // True for a mapping key written as a simple key ("k: v").  Keys that
    // fail isSimpleKey() are written as "? k : v" and use simpleKey=false.
    bool simpleKey = false;
};

// PyYAML's check_simple_key for a str key: non-empty, no line break, and
// short enough that "!!str" plus the text stays under 128 characters.
bool isSimpleKey(std::string_view utf8);

// A str scalar: plain when the emitter allows it in this context and the
// plain text would read back as a string, else 'single-quoted' when no
// escapes are needed, else "double-quoted" with YAML escapes.
std::string strToYaml(std::string_view utf8, const ScalarContext& context = {});

// The YAML 1.1 type PyYAML's resolver gives a plain scalar: "null", "bool",
// "int", "float", "timestamp", "merge", "value", "yaml" (for "!", "&", "*"),
// or "" for a plain string.  Like PyYAML's regexes (Python's '$'), a single
// trailing "\n" is ignored when matching.
std::string_view implicitTag(std::string_view plain);

// True when implicitTag() is not "" (the text would not read back as str).
bool isImplicitlyTyped(std::string_view plain);

}  // namespace fgcc::yaml11
