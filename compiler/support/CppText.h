// Text from a config placed into generated C++: string literals, identifiers
// and comments. Config strings and names are arbitrary bytes (quotes,
// backslashes, newlines, `*/`, `??/`, non-ASCII); these functions are the only
// way they reach generated sources, so nothing in a config can end a literal
// or a comment early or splice a line.
#pragma once

#include <string>

namespace fgcc::cpp {

/// A C++ string literal with the same bytes as `s`: quotes, backslashes and
/// control characters escaped, `??` written `?\?` (no trigraph can form),
/// UTF-8 passed through.
std::string stringLiteral(const std::string &s);

/// An identifier made from `name`: each run of bytes that are not ASCII
/// letters, digits or `_` becomes one `_` (none at either end); a leading
/// digit or an empty name gets `_` in front; a C++ keyword or one of the names generated code relies on (std,
/// torch, fgcc, fgrt, args, ...) gets `_` behind.
std::string identifier(const std::string &name);

/// True when `name` is a C++ keyword or a name generated code relies on.
bool isReservedName(const std::string &name);

/// `s` made safe inside a `//` or `#` line comment: control characters are
/// written as escapes (`\n`, `\x01`), so the comment stays on its line, and a
/// trailing backslash or `??/` gets a space behind so it cannot splice the
/// next line into the comment.
std::string commentText(const std::string &s);

} // namespace fgcc::cpp
