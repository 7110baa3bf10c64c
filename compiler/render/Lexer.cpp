//===- Lexer.cpp - Jinja2 tokenizer ----------------------------------------===//
#include "render/Lexer.h"

#include "render/Origin.h"
#include "support/PyText.h"

#include <cstring>

namespace fgcc::render {

namespace {

/// Longest operators first, as Jinja's operator regex does.
const char *const kOperators[] = {"//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*",
                                  "%",  "~",  "[",  "]",  "(",  ")",  "{", "}", ">", "<",
                                  "=",  ".",  ":",  "|",  ",",  ";"};

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isHex(char c) { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

/// One pass over the preprocessed text, alternating between data (up to
/// the next `{{`, `{%` or `{#`) and the tokens inside a tag.
class Lexer {
public:
  Lexer(std::string_view src, const TemplateLines &lines) : src_(src), lines_(lines) {}

  /// Alternates data and tags until the input ends, then adds Eof.
  std::vector<Token> run() {
    while (pos_ < src_.size())
      lexData();
    push(TokenKind::Eof, "", pos_);
    return std::move(tokens_);
  }

private:
  //===--- positions and errors ---===//

  /// Line and column of a byte offset; columns count characters, skipping
  /// UTF-8 continuation bytes.
  void locate(size_t offset, uint32_t &line, uint32_t &col) {
    // Tokens arrive in order, so the scan resumes where it stopped.
    if (offset < scanOffset_) {
      scanOffset_ = 0;
      scanLine_ = 1;
      scanCol_ = 1;
    }
    for (; scanOffset_ < offset; ++scanOffset_) {
      if (src_[scanOffset_] == '\n') {
        ++scanLine_;
        scanCol_ = 1;
      } else if ((static_cast<unsigned char>(src_[scanOffset_]) & 0xC0) != 0x80) {
        ++scanCol_;
      }
    }
    line = scanLine_;
    col = scanCol_;
  }

  /// Throws at the template file position of `offset` (the TemplateLines
  /// map the preprocessed text back to the source).
  [[noreturn]] void fail(size_t offset, const std::string &message) {
    uint32_t line, col;
    locate(offset, line, col);
    throw FatalError(lines_.at(line, col), message);
  }

  /// Appends a token positioned at byte `offset`.
  void push(TokenKind kind, std::string text, size_t offset) {
    Token t{kind, std::move(text), 1, 1};
    locate(offset, t.line, t.col);
    tokens_.push_back(std::move(t));
  }

  bool startsWith(size_t at, const char *s) const {
    return src_.compare(at, std::strlen(s), s) == 0;
  }

  /// Skips Python whitespace (Unicode-aware, as `\s` in Jinja's regexes).
  size_t skipSpaces(size_t i) const {
    while (i < src_.size()) {
      size_t next = i;
      if (!py::isSpace(py::decodeUtf8(src_, next)))
        break;
      i = next;
    }
    return i;
  }

  //===--- data and tag boundaries ---===//

  /// Reads text up to the next `{{`, `{%` or `{#`, applying `-` stripping.
  void lexData() {
    size_t begin = pos_;
    size_t tag = begin;
    while (true) {
      tag = src_.find('{', tag);
      if (tag == std::string_view::npos || tag + 1 >= src_.size())
        break;
      char c = src_[tag + 1];
      // A lone `{` (a YAML flow mapping, say) is ordinary data.
      if (c == '{' || c == '%' || c == '#')
        break;
      ++tag;
    }
    if (tag == std::string_view::npos || tag + 1 >= src_.size()) {
      emitData(begin, src_.size());
      pos_ = src_.size();
      return;
    }
    char kind = src_[tag + 1];
    // `{%-`, `{{-`, `{#-` strip the whitespace before the tag, newlines
    // included (spec section 4.1); this is how `<<` lines work.
    bool strip = tag + 2 < src_.size() && src_[tag + 2] == '-';
    size_t dataEnd = tag;
    if (strip) {
      // Python's str.rstrip(): drop trailing Unicode whitespace.
      std::string_view data = src_.substr(begin, tag - begin);
      dataEnd = begin + py::rstrip(data).size();
    }
    emitData(begin, dataEnd);
    // `{%+` would disable lstrip_blocks, which the reference leaves off, so
    // the `+` is just skipped.
    size_t afterOpen = tag + 2 + ((tag + 2 < src_.size() && (src_[tag + 2] == '-' || src_[tag + 2] == '+')) ? 1 : 0);
    if (kind == '#') {
      lexComment(tag, afterOpen);
    } else if (kind == '{') {
      push(TokenKind::VariableBegin, "{{", tag);
      pos_ = afterOpen;
      lexTag(/*block=*/false);
    } else {
      push(TokenKind::BlockBegin, "{%", tag);
      pos_ = afterOpen;
      checkRaw(tag);
      lexTag(/*block=*/true);
    }
  }

  /// Empty data between two adjacent tags produces no token.
  void emitData(size_t begin, size_t end) {
    if (end > begin)
      push(TokenKind::Data, std::string(src_.substr(begin, end - begin)), begin);
  }

  /// `{% raw %}` changes lexing of what follows; fgcc does not support it.
  /// (Its body must not be tokenised, which this lexer cannot skip.)
  void checkRaw(size_t tag) {
    size_t i = skipSpaces(pos_);
    if (startsWith(i, "raw") && (i + 3 >= src_.size() || !py::isWordChar(static_cast<unsigned char>(src_[i + 3]))))
      fail(tag, "'raw' blocks are not supported by fgcc");
  }

  /// `{# ... #}` ends at the first `#}`; `-#}` strips following whitespace and
  /// a plain `#}` eats one newline (trim_blocks).
  void lexComment(size_t tag, size_t bodyBegin) {
    // No nesting: the first `#}` ends the comment, as in Jinja.
    size_t end = src_.find("#}", bodyBegin);
    if (end == std::string_view::npos)
      fail(tag, "Missing end of comment tag");
    size_t after = end + 2;
    if (end > bodyBegin && src_[end - 1] == '-' ) {
      after = skipSpaces(after);
    } else if (end > bodyBegin && src_[end - 1] == '+') {
      // keep the newline
    } else if (after < src_.size() && src_[after] == '\n') {
      ++after;
    }
    pos_ = after;
  }

  /// Tries the end of a tag at `i`; returns the offset after it or npos.
  /// Block ends: `+%}` | `-%}\s*` | `%}\n?`; variable ends: `-}}\s*` | `}}`.
  size_t matchEnd(size_t i, bool block) {
    const char *close = block ? "%}" : "}}";
    if (startsWith(i, "-") && startsWith(i + 1, close))
      return skipSpaces(i + 3);
    // `+%}` disables trim_blocks for this tag: the TOML `endblock` closers
    // use it to keep the newline (spec section 3.2).
    if (block && startsWith(i, "+") && startsWith(i + 1, close))
      return i + 3;
    // trim_blocks (spec section 4.1): a block tag eats one following newline,
    // a `}}` never does.
    if (startsWith(i, close)) {
      size_t after = i + 2;
      if (block && after < src_.size() && src_[after] == '\n')
        ++after;
      return after;
    }
    return std::string_view::npos;
  }

  //===--- inside tags ---===//

  /// Tokens up to the closing `%}` / `}}`. Open brackets are tracked so
  /// that `}}` inside a dict literal does not end the tag (Jinja's balancing
  /// stack).
  void lexTag(bool block) {
    std::vector<char> brackets;
    while (true) {
      pos_ = skipSpaces(pos_);
      if (pos_ >= src_.size())
        return; // the parser reports what it expected at the end of the template
      if (brackets.empty()) {
        size_t after = matchEnd(pos_, block);
        if (after != std::string_view::npos) {
          push(block ? TokenKind::BlockEnd : TokenKind::VariableEnd, block ? "%}" : "}}", pos_);
          pos_ = after;
          return;
        }
      }
      // Numbers, strings and names before operators: `-1` lexes as `-` then `1`.
      char c = src_[pos_];
      if (isDigit(c)) {
        lexNumber();
      } else if (c == '\'' || c == '"') {
        lexString();
      } else if (lexName()) {
        // done
      } else {
        lexOperator(brackets);
      }
    }
  }

  /// An identifier: a word character that is not a digit, then word
  /// characters (Unicode-aware, as Python identifiers are).
  bool lexName() {
    size_t i = pos_;
    size_t next = i;
    char32_t first = py::decodeUtf8(src_, next);
    if (!(first == '_' || (py::isWordChar(first) && !(first >= '0' && first <= '9'))))
      return false;
    i = next;
    while (i < src_.size()) {
      next = i;
      if (!py::isWordChar(py::decodeUtf8(src_, next)))
        break;
      i = next;
    }
    push(TokenKind::Name, std::string(src_.substr(pos_, i - pos_)), pos_);
    pos_ = i;
    return true;
  }

  /// `(\d+_)*\d+` starting at i; returns the end or i when none.
  size_t digits(size_t i) const {
    size_t j = i;
    while (j < src_.size() && isDigit(src_[j])) {
      ++j;
      if (j + 1 < src_.size() && src_[j] == '_' && isDigit(src_[j + 1]))
        ++j;
    }
    return j;
  }

  /// Jinja's integer and float regexes; `_` may separate digits. A float
  /// needs a digit after its `.`, so `1.x` is the integer 1 then `.x`.
  void lexNumber() {
    size_t begin = pos_;
    // Prefixed integers: 0b, 0o, 0x with optional single underscores.
    if (src_[begin] == '0' && begin + 1 < src_.size() && std::strchr("bBoOxX", src_[begin + 1])) {
      char p = static_cast<char>(std::tolower(src_[begin + 1]));
      size_t j = begin + 2;
      auto ok = [&](char c) { return p == 'b' ? (c == '0' || c == '1') : p == 'o' ? (c >= '0' && c <= '7') : isHex(c); };
      size_t count = 0;
      while (j < src_.size()) {
        if (src_[j] == '_' && j + 1 < src_.size() && ok(src_[j + 1]))
          ++j;
        if (j < src_.size() && ok(src_[j])) {
          ++j;
          ++count;
        } else {
          break;
        }
      }
      if (count) {
        push(TokenKind::Integer, std::string(src_.substr(begin, j - begin)), begin);
        pos_ = j;
        return;
      }
    }
    size_t intEnd = digits(begin);
    size_t end = intEnd;
    bool isFloat = false;
    if (end + 1 < src_.size() && src_[end] == '.' && isDigit(src_[end + 1])) {
      end = digits(end + 1);
      isFloat = true;
    }
    if (end < src_.size() && (src_[end] == 'e' || src_[end] == 'E')) {
      size_t j = end + 1;
      if (j < src_.size() && (src_[j] == '+' || src_[j] == '-'))
        ++j;
      if (j < src_.size() && isDigit(src_[j])) {
        end = digits(j);
        isFloat = true;
      }
    }
    std::string text(src_.substr(begin, end - begin));
    if (!isFloat && text.size() > 1 && text[0] == '0') {
      // Jinja accepts only 0, 00, 0_0 ... as a decimal with a leading zero.
      for (char c : text)
        if (c != '0' && c != '_')
          fail(begin, "unexpected char '" + std::string(1, text[1]) + "' at " + std::to_string(begin));
    }
    push(isFloat ? TokenKind::Float : TokenKind::Integer, text, begin);
    pos_ = end;
  }

  /// A quoted string, decoded as Jinja does with Python's unicode-escape
  /// codec. Strings may span lines.
  void lexString() {
    size_t begin = pos_;
    char quote = src_[begin];
    std::string value;
    size_t i = begin + 1;
    while (true) {
      if (i >= src_.size())
        fail(begin, "unexpected end of string");
      char c = src_[i];
      if (c == quote)
        break;
      if (c == '\\' && i + 1 < src_.size()) {
        i = unescape(i, value);
        continue;
      }
      value += c;
      ++i;
    }
    push(TokenKind::String, std::move(value), begin);
    pos_ = i + 1;
  }

  /// Python's unicode-escape decoding of one escape at `i` (a backslash).
  size_t unescape(size_t i, std::string &out) {
    char e = src_[i + 1];
    switch (e) {
    // A backslash before a newline is a line continuation: both vanish.
    case '\n': return i + 2;
    case '\\': out += '\\'; return i + 2;
    case '\'': out += '\''; return i + 2;
    case '"': out += '"'; return i + 2;
    case 'a': out += '\a'; return i + 2;
    case 'b': out += '\b'; return i + 2;
    case 'f': out += '\f'; return i + 2;
    case 'n': out += '\n'; return i + 2;
    case 'r': out += '\r'; return i + 2;
    case 't': out += '\t'; return i + 2;
    case 'v': out += '\v'; return i + 2;
    case 'x': return hexEscape(i, 2, out);
    case 'u': return hexEscape(i, 4, out);
    case 'U': return hexEscape(i, 8, out);
    default:
      break;
    }
    // Octal escapes: up to three digits.
    if (e >= '0' && e <= '7') {
      size_t j = i + 1;
      unsigned v = 0;
      for (int n = 0; n < 3 && j < src_.size() && src_[j] >= '0' && src_[j] <= '7'; ++n, ++j)
        v = v * 8 + static_cast<unsigned>(src_[j] - '0');
      py::appendUtf8(out, v);
      return j;
    }
    // Unknown escapes stay as written, like Python.
    out += '\\';
    return i + 1;
  }

  /// `\xHH`, `\uHHHH`, `\UHHHHHHHH`, with Python's codec errors for short
  /// or out-of-range escapes.
  size_t hexEscape(size_t i, int width, std::string &out) {
    uint32_t v = 0;
    size_t j = i + 2;
    for (int n = 0; n < width; ++n, ++j) {
      if (j >= src_.size() || !isHex(src_[j]))
        fail(i, "(unicode error) 'unicodeescape' codec can't decode bytes: truncated \\" +
                    std::string(1, src_[i + 1]) + " escape");
      char c = src_[j];
      v = v * 16 + static_cast<uint32_t>(isDigit(c) ? c - '0' : (std::tolower(c) - 'a' + 10));
    }
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
      fail(i, "(unicode error) 'unicodeescape' codec can't decode bytes: illegal Unicode character");
    py::appendUtf8(out, v);
    return j;
  }

  /// The longest operator at the cursor; brackets must balance, with
  /// Jinja's "unexpected ')'" wording when they do not.
  void lexOperator(std::vector<char> &brackets) {
    for (const char *op : kOperators) {
      if (!startsWith(pos_, op))
        continue;
      char c = op[0];
      if (op[1] == 0 && (c == '(' || c == '[' || c == '{')) {
        brackets.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
      } else if (op[1] == 0 && (c == ')' || c == ']' || c == '}')) {
        if (brackets.empty())
          fail(pos_, std::string("unexpected '") + c + "'");
        if (brackets.back() != c)
          fail(pos_, std::string("unexpected '") + c + "', expected '" + brackets.back() + "'");
        brackets.pop_back();
      }
      push(TokenKind::Operator, op, pos_);
      pos_ += std::strlen(op);
      return;
    }
    size_t next = pos_;
    std::string ch;
    py::appendUtf8(ch, py::decodeUtf8(src_, next));
    fail(pos_, "unexpected char '" + ch + "' at " + std::to_string(pos_));
  }

  std::string_view src_;
  const TemplateLines &lines_;
  size_t pos_ = 0;
  std::vector<Token> tokens_;
  size_t scanOffset_ = 0;
  uint32_t scanLine_ = 1, scanCol_ = 1;
};

} // namespace

/// All tokens of one template, ending with Eof; lexing errors are thrown
/// at their file location.
std::vector<Token> tokenize(std::string_view source, const TemplateLines &lines) {
  // keep_trailing_newline=False: one final newline of the template goes.
  if (!source.empty() && source.back() == '\n')
    source.remove_suffix(1);
  return Lexer(source, lines).run();
}

} // namespace fgcc::render
