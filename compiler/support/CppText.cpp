#include "CppText.h"

#include <cctype>
#include <cstdio>
#include <set>

namespace fgcc::cpp {

std::string stringLiteral(const std::string &s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\t': out += "\\t"; break;
    case '\r': out += "\\r"; break;
    case '?':
      // `??/`, `??=` and friends are trigraphs where a compiler still
      // honours them; `?\?` means the same two characters everywhere.
      out += i > 0 && s[i - 1] == '?' ? "\\?" : "?";
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        // Three octal digits always end the escape (a hex escape would
        // swallow a following hex digit).
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\%03o", static_cast<unsigned>(static_cast<unsigned char>(c)));
        out += buf;
      } else {
        out += c;
      }
    }
  }
  return out + "\"";
}

bool isReservedName(const std::string &name) {
  static const std::set<std::string> reserved = {
      // C++17 keywords and alternative tokens, and C++20's, so the sources
      // stay valid under a newer standard.
      "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case", "catch",
      "char", "char8_t", "char16_t", "char32_t", "class", "co_await", "co_return", "co_yield", "compl", "concept",
      "const", "consteval", "constexpr", "constinit", "const_cast", "continue", "decltype", "default", "delete",
      "do", "double", "dynamic_cast", "else", "enum", "explicit", "export", "extern", "false", "float", "for",
      "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq",
      "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "register", "reinterpret_cast",
      "requires", "return", "short", "signed", "sizeof", "static", "static_assert", "static_cast", "struct",
      "switch", "template", "this", "thread_local", "throw", "true", "try", "typedef", "typeid", "typename",
      "union", "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq",
      // Names the generated sources use unqualified or as namespaces.
      "args", "at", "c10", "caffe2", "fgcc", "fgrt", "std", "torch"};
  return reserved.count(name) > 0;
}

std::string identifier(const std::string &name) {
  // A run of other bytes (spaces, punctuation, the bytes of a UTF-8
  // character) is one `_`, and none at either end: "learning rate (é)" is
  // learning_rate, not learning_rate_____, which would also be a reserved
  // name with its double underscore.
  std::string out;
  bool pending = false;
  for (char c : name) {
    bool ascii = static_cast<unsigned char>(c) < 0x80;
    if (ascii && (std::isalnum(static_cast<unsigned char>(c)) || c == '_')) {
      if (pending && !out.empty() && out.back() != '_')
        out += '_';
      pending = false;
      out += c;
    } else {
      pending = true;
    }
  }
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0])))
    out = "_" + out;
  return isReservedName(out) ? out + "_" : out;
}

std::string commentText(const std::string &s) {
  std::string out;
  for (char c : s) {
    switch (c) {
    case '\n': out += "\\n"; break;
    case '\t': out += "\\t"; break;
    case '\r': out += "\\r"; break;
    default:
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(static_cast<unsigned char>(c)));
        out += buf;
      } else {
        out += c;
      }
    }
  }
  // A line that ends in `\` (or the trigraph spelling `??/`) continues the
  // comment onto the next line in the preprocessor.
  if (!out.empty() && (out.back() == '\\' || (out.size() >= 3 && out.compare(out.size() - 3, 3, "?\?/") == 0)))
    out += ' ';
  return out;
}

} // namespace fgcc::cpp
