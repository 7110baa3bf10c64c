//===- Builtins.cpp - Filters, tests, methods, str.format and toyaml ------===//
//
// The standard library a template can reach: Jinja's filters and tests that
// configs use (plus a few cheap common ones), the methods of str/dict/list,
// Python's `str.format` (sandboxed: no underscore attributes), and the
// reference's `toyaml` filter with PyYAML's flow-style output.
//
//===----------------------------------------------------------------------===//
#include "render/Interpreter.h"

#include "support/PyFormat.h"
#include "support/PyText.h"
#include "support/YamlScalar.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <stdexcept>

namespace fgcc::render {

using K = Value::Kind;

namespace {

//===----------------------------------------------------------------------===//
// Argument helpers
//===----------------------------------------------------------------------===//

/// Binds Python-style parameters (positional, then keyword, then default).
class Params {
public:
  /// Rejects surplus positionals and unknown keywords up front, with
  /// Python's TypeError wording, so each builtin only reads its arguments.
  Params(Interpreter &in, CallArgs &args, std::string fn, std::vector<std::string> names)
      : in_(in), args_(args), fn_(std::move(fn)), names_(std::move(names)) {
    if (args.positional.size() > names_.size())
      in.fail(args.loc, fn_ + "() takes at most " + std::to_string(names_.size()) + " argument(s) (" +
                            std::to_string(args.positional.size()) + " given)");
    for (const auto &kw : args.keywords)
      if (std::find(names_.begin(), names_.end(), kw.first) == names_.end())
        in.fail(args.loc, fn_ + "() got an unexpected keyword argument '" + kw.first + "'");
  }

  /// The argument named `name`, or null when not given.
  const Value *get(const std::string &name) const {
    size_t i = std::find(names_.begin(), names_.end(), name) - names_.begin();
    if (i < args_.positional.size())
      return &args_.positional[i];
    return args_.keyword(name);
  }
  Value value(const std::string &name, Value dflt) const {
    const Value *v = get(name);
    return v ? *v : dflt;
  }
  /// An int argument (bool counts, as in Python); undefined is an error.
  int64_t integer(const std::string &name, int64_t dflt) const {
    const Value *v = get(name);
    if (!v)
      return dflt;
    in_.requireDefined(*v, args_.loc);
    if (!v->is(K::Int) && !v->is(K::Bool))
      in_.fail(args_.loc, fn_ + "(): '" + name + "' must be an integer, not '" + v->typeName() + "'");
    return v->asInt();
  }
  /// Any value, by Python truthiness.
  bool boolean(const std::string &name, bool dflt) const {
    const Value *v = get(name);
    if (!v)
      return dflt;
    in_.requireDefined(*v, args_.loc);
    return truthy(*v);
  }
  /// Python str() of the argument.
  std::string string(const std::string &name, const std::string &dflt) const {
    const Value *v = get(name);
    return v ? in_.str(*v, args_.loc) : dflt;
  }

private:
  Interpreter &in_;
  CallArgs &args_;
  std::string fn_;
  std::vector<std::string> names_;
};

/// Python str.splitlines() boundaries.
/// Besides \n and \r\n, Python splits at \r, \v, \f, the separators
/// \x1c-\x1e, NEL and U+2028/2029; a final line ending adds no empty line.
std::vector<std::string> splitLines(const std::string &s) {
  std::vector<std::string> lines;
  std::string current;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t begin = pos;
    char32_t c = py::decodeUtf8(s, pos);
    bool boundary = c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d ||
                    c == 0x1e || c == 0x85 || c == 0x2028 || c == 0x2029;
    if (!boundary) {
      current.append(s, begin, pos - begin);
      continue;
    }
    if (c == '\r' && pos < s.size() && s[pos] == '\n')
      ++pos;
    lines.push_back(std::move(current));
    current.clear();
  }
  if (!current.empty())
    lines.push_back(std::move(current));
  return lines;
}

/// Trimming keeps the origin marks of the text that remains.
/// `removedFront` bytes were cut from the start: marks before the cut
/// collapse into one at offset 0, later ones shift left, and marks past
/// the kept text are dropped.
Value trimmed(const Value &input, std::string text, size_t removedFront) {
  if (!input.is(K::Str) || !input.strMarks())
    return Value::str(std::move(text));
  auto marks = std::make_shared<OriginMarks>();
  const OriginMark *active = nullptr;
  for (const OriginMark &m : *input.strMarks()) {
    if (m.offset <= removedFront) {
      active = &m;
      continue;
    }
    if (m.offset >= removedFront + text.size())
      break;
    if (active && marks->empty()) {
      OriginMark first = *active;
      first.offset = 0;
      marks->push_back(first);
    }
    OriginMark shifted = m;
    shifted.offset -= removedFront;
    marks->push_back(shifted);
  }
  if (marks->empty() && active) {
    OriginMark first = *active;
    first.offset = 0;
    marks->push_back(first);
  }
  return Value::str(std::move(text), std::move(marks));
}

//===----------------------------------------------------------------------===//
// toyaml
//===----------------------------------------------------------------------===//

/// Whether Python could sort the keys (all strings or all numbers); mixed
/// keys keep their insertion order.
bool sortableKeys(const Dict &d) {
  bool allStr = true, allNum = true;
  for (const auto &kv : d.items()) {
    allStr = allStr && kv.first.is(K::Str);
    allNum = allNum && kv.first.isNumber();
  }
  return allStr || allNum;
}

/// PyYAML's flow-style output of a value at flow nesting `depth` (0 is the
/// document root, which PyYAML emits in block context).
std::string yamlFlow(Interpreter &in, const Value &v, int depth, SourceLoc loc, bool key = false) {
  // Values can nest (or contain themselves); bound the recursion.
  if (depth > 100)
    in.fail(loc, "toyaml: value nested too deeply");
  switch (v.kind()) {
  case K::None:
    return "null";
  // Inside a container PyYAML writes YAML booleans; only a top-level bool
  // is str()'d by toyaml (see toYaml below).
  case K::Bool:
    return v.asBool() ? "true" : "false";
  case K::Int:
    return std::to_string(v.asInt());
  case K::Float:
    return yaml11::floatToYaml(v.asFloat());
  case K::Str:
    // Plain if PyYAML would read it back as the same string, else quoted
    // (spec section 4.6); what is allowed depends on the flow context.
    return yaml11::strToYaml(v.asStr(), yaml11::ScalarContext{depth, key});
  case K::List:
  case K::Tuple: {
    std::string out = "[";
    for (size_t i = 0; i < v.asList().size(); ++i)
      out += (i ? ", " : "") + yamlFlow(in, v.asList()[i], depth + 1, loc);
    return out + "]";
  }
  case K::Dict: {
    // PyYAML sorts mapping keys when they are comparable.
    std::vector<std::pair<Value, Value>> items = v.asDict().items();
    if (sortableKeys(v.asDict()))
      std::stable_sort(items.begin(), items.end(), [](const auto &a, const auto &b) {
        if (a.first.is(K::Str))
          return a.first.asStr() < b.first.asStr();
        return a.first.asFloat() < b.first.asFloat();
      });
    std::string out = "{";
    for (size_t i = 0; i < items.size(); ++i)
      out += (i ? ", " : "") + yamlFlow(in, items[i].first, depth + 1, loc, true) + ": " +
             yamlFlow(in, items[i].second, depth + 1, loc);
    return out + "}";
  }
  // An undefined nested inside a container is still an error.
  case K::Undefined:
    in.failUndefined(v, loc);
  default:
    in.fail(loc, "toyaml: cannot represent an object of type '" + v.typeName() + "'");
  }
}

//===----------------------------------------------------------------------===//
// Filters
//===----------------------------------------------------------------------===//

using FilterFn = std::function<Value(Interpreter &, const Value &, CallArgs &)>;

/// `default(v, boolean=false)`: the one way to read a possibly missing
/// variable (spec section 5.2: every user variable of the template library
/// sits under `default` or `toyaml`). Without an argument it gives "".
Value filterDefault(Interpreter &in, const Value &v, CallArgs &args) {
  Params p(in, args, "default", {"default_value", "boolean"});
  bool boolean = p.boolean("boolean", false);
  if (v.isUndefined() || (boolean && !truthy(v)))
    return p.value("default_value", Value::str(""));
  return v;
}

/// The reference's `toyaml(default)` filter (spec section 4.6): an
/// undefined input takes the default, or fails with the reference's
/// message when none was given.
Value filterToyaml(Interpreter &in, const Value &v, CallArgs &args) {
  Params p(in, args, "toyaml", {"default"});
  Value value = v;
  if (value.isUndefined()) {
    const Value *dflt = p.get("default");
    if (!dflt)
      in.fail(args.loc, "A required variable was undefined and no default was provided.");
    value = *dflt;
  }
  return Value::str(toYaml(in, value, args.loc));
}

/// `trim(chars=None)`: str.strip. Used by every `=>` line as
/// `trim('\n')` and by `[x!]` blocks (spec section 3).
Value filterTrim(Interpreter &in, const Value &v, CallArgs &args) {
  Params p(in, args, "trim", {"chars"});
  std::string s = in.str(v, args.loc);
  const Value *chars = p.get("chars");
  std::string out;
  if (chars && !chars->is(K::None))
    out = py::strip(s, in.str(*chars, args.loc));
  else
    out = py::strip(s);
  // Where the kept text starts within the original, for the origin marks.
  std::string left = chars && !chars->is(K::None) ? py::lstrip(s, in.str(*chars, args.loc)) : py::lstrip(s);
  return trimmed(v, std::move(out), s.size() - left.size());
}

/// Jinja 3.1's `indent(width=4, first=False, blank=False)`; `width` may also
/// be a string to indent with. Blank lines stay empty unless `blank`.
Value filterIndent(Interpreter &in, const Value &v, CallArgs &args) {
  Params p(in, args, "indent", {"width", "first", "blank"});
  std::string s = in.str(v, args.loc);
  Value width = p.value("width", Value::integer(4));
  std::string indention = width.is(K::Str) ? width.asStr() : std::string(static_cast<size_t>(std::max<int64_t>(0, p.integer("width", 4))), ' ');
  in.checkSize(indention.size() * (s.size() + 1), args.loc);
  bool first = p.boolean("first", false), blank = p.boolean("blank", false);
  // Jinja appends a newline first so that splitlines() keeps a final empty line.
  std::vector<std::string> lines = splitLines(s + "\n");
  std::string rv;
  if (blank) {
    for (size_t i = 0; i < lines.size(); ++i)
      rv += (i ? "\n" + indention : "") + lines[i];
  } else {
    rv = lines.empty() ? "" : lines[0];
    for (size_t i = 1; i < lines.size(); ++i)
      rv += "\n" + (lines[i].empty() ? "" : indention + lines[i]);
  }
  return Value::str(first ? indention + rv : rv);
}

/// len(): strings count code points, not bytes.
Value filterLength(Interpreter &in, const Value &v, CallArgs &args) {
  Params p(in, args, "length", {});
  in.requireDefined(v, args.loc);
  switch (v.kind()) {
  case K::Str:
    return Value::integer(static_cast<int64_t>(py::length(v.asStr())));
  case K::List:
  case K::Tuple:
    return Value::integer(static_cast<int64_t>(v.asList().size()));
  case K::Dict:
    return Value::integer(static_cast<int64_t>(v.asDict().size()));
  default:
    in.fail(args.loc, "object of type '" + v.typeName() + "' has no len()");
  }
}

Value filterString(Interpreter &in, const Value &v, CallArgs &args) {
  Params p(in, args, "string", {});
  return Value::str(in.str(v, args.loc));
}

Value filterUpper(Interpreter &in, const Value &v, CallArgs &args) {
  Params p(in, args, "upper", {});
  return Value::str(py::upper(in.str(v, args.loc)));
}

Value filterLower(Interpreter &in, const Value &v, CallArgs &args) {
  Params p(in, args, "lower", {});
  return Value::str(py::lower(in.str(v, args.loc)));
}

/// `replace(old, new, count=-1)`: str.replace, every occurrence by default.
Value filterReplace(Interpreter &in, const Value &v, CallArgs &args) {
  Params p(in, args, "replace", {"old", "new", "count"});
  std::string s = in.str(v, args.loc);
  std::string out = py::replace(s, p.string("old", ""), p.string("new", ""), p.integer("count", -1));
  in.checkSize(out.size(), args.loc);
  return Value::str(std::move(out));
}

/// `join(d='')`: items are str()'d first, unlike Python's str.join.
/// (`attribute` is accepted but not implemented.)
Value filterJoin(Interpreter &in, const Value &v, CallArgs &args) {
  Params p(in, args, "join", {"d", "attribute"});
  std::string sep = p.string("d", "");
  std::string out;
  bool first = true;
  for (const Value &item : in.iterate(v, args.loc)) {
    out += (first ? "" : sep) + in.str(item, args.loc);
    first = false;
    in.checkSize(out.size(), args.loc);
  }
  return Value::str(std::move(out));
}

/// Jinja's `int(default=0, base=10)`: numbers truncate; strings parse as
/// an int, else as a float; anything else gives the default.
Value filterInt(Interpreter &in, const Value &v, CallArgs &args) {
  Params p(in, args, "int", {"default", "base"});
  in.requireDefined(v, args.loc);
  if (v.isNumber())
    return Value::integer(v.is(K::Float) ? static_cast<int64_t>(std::trunc(v.asFloat())) : v.asInt());
  if (v.is(K::Str)) {
    std::string s = py::strip(v.asStr());
    char *end = nullptr;
    errno = 0;
    long long n = std::strtoll(s.c_str(), &end, static_cast<int>(p.integer("base", 10)));
    if (!s.empty() && end && *end == 0 && errno == 0)
      return Value::integer(n);
    double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end && *end == 0 && std::isfinite(d))
      return Value::integer(static_cast<int64_t>(std::trunc(d)));
  }
  return p.value("default", Value::integer(0));
}

/// Jinja's `float(default=0.0)`, by the same rules as `int`.
Value filterFloat(Interpreter &in, const Value &v, CallArgs &args) {
  Params p(in, args, "float", {"default"});
  in.requireDefined(v, args.loc);
  if (v.isNumber())
    return Value::real(v.asFloat());
  if (v.is(K::Str)) {
    std::string s = py::strip(v.asStr());
    char *end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end && *end == 0)
      return Value::real(d);
  }
  return p.value("default", Value::real(0.0));
}

Value filterList(Interpreter &in, const Value &v, CallArgs &args) {
  Params p(in, args, "list", {});
  return Value::list(in.iterate(v, args.loc));
}

/// `first` / `last` of an empty sequence is an undefined value, not an
/// error, as in Jinja.
Value filterFirst(Interpreter &in, const Value &v, CallArgs &args) {
  Params p(in, args, "first", {});
  std::vector<Value> items = in.iterate(v, args.loc);
  return items.empty() ? Value::undefined("No first item, sequence was empty.") : items.front();
}

Value filterLast(Interpreter &in, const Value &v, CallArgs &args) {
  Params p(in, args, "last", {});
  std::vector<Value> items = in.iterate(v, args.loc);
  return items.empty() ? Value::undefined("No last item, sequence was empty.") : items.back();
}

/// abs(); |INT64_MIN| does not fit in 64 bits.
Value filterAbs(Interpreter &in, const Value &v, CallArgs &args) {
  Params p(in, args, "abs", {});
  in.requireDefined(v, args.loc);
  if (!v.isNumber())
    in.fail(args.loc, "bad operand type for abs(): '" + v.typeName() + "'");
  if (v.is(K::Float))
    return Value::real(std::fabs(v.asFloat()));
  if (v.asInt() == INT64_MIN)
    in.fail(args.loc, "integer overflow (fgcc integers are 64-bit)");
  return Value::integer(std::llabs(v.asInt()));
}

/// A string reverses by code point; any other iterable gives a list.
Value filterReverse(Interpreter &in, const Value &v, CallArgs &args) {
  Params p(in, args, "reverse", {});
  in.requireDefined(v, args.loc);
  if (v.is(K::Str)) {
    std::vector<Value> cps = in.iterate(v, args.loc);
    std::string out;
    for (auto it = cps.rbegin(); it != cps.rend(); ++it)
      out += it->asStr();
    return Value::str(std::move(out));
  }
  std::vector<Value> items = in.iterate(v, args.loc);
  std::reverse(items.begin(), items.end());
  return Value::list(std::move(items));
}

/// Jinja 3.1's `items`: (key, value) tuples; undefined gives nothing.
Value filterItems(Interpreter &in, const Value &v, CallArgs &args) {
  Params p(in, args, "items", {});
  if (v.isUndefined())
    return Value::list();
  if (!v.is(K::Dict))
    in.fail(args.loc, "Can only get item pairs from a mapping.");
  List out;
  for (const auto &[k, val] : v.asDict().items())
    out.push_back(Value::tuple({k, val}));
  return Value::list(std::move(out));
}

/// The filter table, also consulted at parse time (hasFilter): an unknown
/// filter is a compile error, as in Jinja. `d` and `count` are Jinja's
/// aliases.
const std::map<std::string, FilterFn, std::less<>> &filters() {
  static const std::map<std::string, FilterFn, std::less<>> table = {
      {"default", filterDefault}, {"d", filterDefault},       {"toyaml", filterToyaml},
      {"trim", filterTrim},       {"indent", filterIndent},   {"length", filterLength},
      {"count", filterLength},    {"string", filterString},   {"upper", filterUpper},
      {"lower", filterLower},     {"replace", filterReplace}, {"join", filterJoin},
      {"int", filterInt},         {"float", filterFloat},     {"list", filterList},
      {"first", filterFirst},     {"last", filterLast},       {"abs", filterAbs},
      {"reverse", filterReverse}, {"items", filterItems},
  };
  return table;
}

//===----------------------------------------------------------------------===//
// Tests
//===----------------------------------------------------------------------===//

using TestFn = std::function<bool(Interpreter &, const Value &, CallArgs &)>;

/// The single argument of a test such as `divisibleby(3)`.
const Value &onlyArg(Interpreter &in, CallArgs &args, const char *test) {
  if (args.positional.size() != 1 || !args.keywords.empty())
    in.fail(args.loc, std::string("test '") + test + "' takes exactly one argument");
  return args.positional[0];
}

/// A number for the arithmetic tests; floats truncate.
int64_t intOperand(Interpreter &in, const Value &v, SourceLoc loc) {
  in.requireDefined(v, loc);
  if (!v.isNumber())
    in.fail(loc, "expected a number, got '" + v.typeName() + "'");
  return v.is(K::Float) ? static_cast<int64_t>(v.asFloat()) : v.asInt();
}

/// Jinja's tests; `defined`/`undefined` are the ones the code templates
/// use (spec section 5.3), the others are cheap to provide.
const std::map<std::string, TestFn, std::less<>> &tests() {
  static const std::map<std::string, TestFn, std::less<>> table = {
      {"defined", [](Interpreter &, const Value &v, CallArgs &) { return !v.isUndefined(); }},
      {"undefined", [](Interpreter &, const Value &v, CallArgs &) { return v.isUndefined(); }},
      {"none", [](Interpreter &, const Value &v, CallArgs &) { return v.is(K::None); }},
      {"boolean", [](Interpreter &, const Value &v, CallArgs &) { return v.is(K::Bool); }},
      {"true", [](Interpreter &, const Value &v, CallArgs &) { return v.is(K::Bool) && v.asBool(); }},
      {"false", [](Interpreter &, const Value &v, CallArgs &) { return v.is(K::Bool) && !v.asBool(); }},
      {"integer", [](Interpreter &, const Value &v, CallArgs &) { return v.is(K::Int); }},
      {"float", [](Interpreter &, const Value &v, CallArgs &) { return v.is(K::Float); }},
      {"number", [](Interpreter &, const Value &v, CallArgs &) { return v.isNumber(); }},
      {"string", [](Interpreter &, const Value &v, CallArgs &) { return v.is(K::Str); }},
      {"mapping", [](Interpreter &, const Value &v, CallArgs &) { return v.is(K::Dict); }},
      // Jinja's `sequence` only asks for len() and indexing, which str and dict
      // both have; `iterable` accepts the same kinds here.
      {"sequence", [](Interpreter &, const Value &v, CallArgs &) { return v.isSequence() || v.is(K::Str) || v.is(K::Dict); }},
      {"iterable", [](Interpreter &, const Value &v, CallArgs &) { return v.isSequence() || v.is(K::Str) || v.is(K::Dict); }},
      {"callable", [](Interpreter &, const Value &v, CallArgs &) { return v.is(K::Callable); }},
      {"even", [](Interpreter &in, const Value &v, CallArgs &a) { return intOperand(in, v, a.loc) % 2 == 0; }},
      {"odd", [](Interpreter &in, const Value &v, CallArgs &a) { return intOperand(in, v, a.loc) % 2 != 0; }},
      {"divisibleby", [](Interpreter &in, const Value &v, CallArgs &a) {
         int64_t d = intOperand(in, onlyArg(in, a, "divisibleby"), a.loc);
         if (d == 0)
           in.fail(a.loc, "integer division or modulo by zero");
         return intOperand(in, v, a.loc) % d == 0;
       }},
      {"eq", [](Interpreter &, const Value &v, CallArgs &a) { return a.positional.size() == 1 && equals(v, a.positional[0]); }},
      {"ne", [](Interpreter &, const Value &v, CallArgs &a) { return a.positional.size() == 1 && !equals(v, a.positional[0]); }},
      // Python's `is`: numbers and None by value (they carry no identity here),
      // everything else by identity.
      {"sameas", [](Interpreter &in, const Value &v, CallArgs &a) {
         const Value &o = onlyArg(in, a, "sameas");
         return v.kind() == o.kind() && (v.isNumber() || v.is(K::None) ? equals(v, o) : v.identity() == o.identity());
       }},
      // `x is in(seq)`: membership in a sequence, or a substring of a string.
      {"in", [](Interpreter &in, const Value &v, CallArgs &a) {
         const Value &seq = onlyArg(in, a, "in");
         for (const Value &item : in.iterate(seq, a.loc))
           if (equals(item, v))
             return true;
         return seq.is(K::Str) && v.is(K::Str) && seq.asStr().find(v.asStr()) != std::string::npos;
       }},
      {"lower", [](Interpreter &in, const Value &v, CallArgs &a) { std::string s = in.str(v, a.loc); return py::lower(s) == s; }},
      {"upper", [](Interpreter &in, const Value &v, CallArgs &a) { std::string s = in.str(v, a.loc); return py::upper(s) == s; }},
  };
  return table;
}

//===----------------------------------------------------------------------===//
// Methods of builtin types
//===----------------------------------------------------------------------===//

/// A method bound to its receiver.
class Method : public Callable {
public:
  using Fn = std::function<Value(Interpreter &, const Value &, CallArgs &)>;
  Method(std::string name, Value self, Fn fn) : name_(std::move(name)), self_(std::move(self)), fn_(std::move(fn)) {}
  std::string name() const override { return name_; }
  Value call(Interpreter &in, CallArgs &args) override { return fn_(in, self_, args); }

private:
  std::string name_;
  Value self_;
  Fn fn_;
};

/// A list of str values.
Value strList(const std::vector<std::string> &parts) {
  List out;
  for (const std::string &p : parts)
    out.push_back(Value::str(p));
  return Value::list(std::move(out));
}

/// str.split / str.rsplit share their argument handling.
/// Without `sep`, runs of whitespace split and edges are dropped, as in
/// Python; an empty `sep` is Python's ValueError.
Value splitMethod(Interpreter &in, const Value &self, CallArgs &args, bool fromRight) {
  Params p(in, args, fromRight ? "rsplit" : "split", {"sep", "maxsplit"});
  int maxsplit = static_cast<int>(p.integer("maxsplit", -1));
  Value sep = p.value("sep", Value::none());
  try {
    if (sep.is(K::None))
      return strList(fromRight ? py::rsplit(self.asStr(), maxsplit) : py::split(self.asStr(), maxsplit));
    std::string s = in.str(sep, args.loc);
    return strList(fromRight ? py::rsplit(self.asStr(), s, maxsplit) : py::split(self.asStr(), s, maxsplit));
  } catch (const std::invalid_argument &e) {
    in.fail(args.loc, e.what());
  }
}

/// str.strip / lstrip / rstrip.
/// `side`: -1 left, 0 both, 1 right.
Value stripMethod(Interpreter &in, const Value &self, CallArgs &args, int side) {
  Params p(in, args, "strip", {"chars"});
  Value chars = p.value("chars", Value::none());
  const std::string &s = self.asStr();
  if (chars.is(K::None))
    return Value::str(side < 0 ? py::lstrip(s) : side > 0 ? py::rstrip(s) : py::strip(s));
  std::string c = in.str(chars, args.loc);
  return Value::str(side < 0 ? py::lstrip(s, c) : side > 0 ? py::rstrip(s, c) : py::strip(s, c));
}

/// str.startswith / endswith with a string or a tuple of strings.
/// A tuple of candidates matches if any does, as in Python.
Value affixMethod(Interpreter &in, const Value &self, CallArgs &args, bool prefix) {
  Params p(in, args, prefix ? "startswith" : "endswith", {"affix"});
  Value affix = p.value("affix", Value::str(""));
  std::vector<Value> options = affix.is(K::Tuple) ? affix.asList() : std::vector<Value>{affix};
  const std::string &s = self.asStr();
  for (const Value &o : options) {
    if (!o.is(K::Str))
      in.fail(args.loc, std::string(prefix ? "startswith" : "endswith") + " first arg must be str or a tuple of str, not " + o.typeName());
    const std::string &a = o.asStr();
    bool hit = a.size() <= s.size() && (prefix ? s.compare(0, a.size(), a) == 0 : s.compare(s.size() - a.size(), a.size(), a) == 0);
    if (hit)
      return Value::boolean(true);
  }
  return Value::boolean(false);
}

/// The str methods templates may call (`.format`, `.split` are used by the
/// template library, spec sections 4.5 and 5.3). An unknown name gives an
/// undefined, so getattr can try other lookups.
Value strMethod(Interpreter &in, const Value &self, const std::string &name) {
  static const std::map<std::string, Method::Fn, std::less<>> methods = {
      {"format", [](Interpreter &in, const Value &self, CallArgs &args) { return Value::str(pyFormat(in, self.asStr(), args)); }},
      {"split", [](Interpreter &in, const Value &self, CallArgs &args) { return splitMethod(in, self, args, false); }},
      {"rsplit", [](Interpreter &in, const Value &self, CallArgs &args) { return splitMethod(in, self, args, true); }},
      {"strip", [](Interpreter &in, const Value &self, CallArgs &args) { return stripMethod(in, self, args, 0); }},
      {"lstrip", [](Interpreter &in, const Value &self, CallArgs &args) { return stripMethod(in, self, args, -1); }},
      {"rstrip", [](Interpreter &in, const Value &self, CallArgs &args) { return stripMethod(in, self, args, 1); }},
      {"startswith", [](Interpreter &in, const Value &self, CallArgs &args) { return affixMethod(in, self, args, true); }},
      {"endswith", [](Interpreter &in, const Value &self, CallArgs &args) { return affixMethod(in, self, args, false); }},
      {"upper", [](Interpreter &in, const Value &self, CallArgs &args) { Params(in, args, "upper", {}); return Value::str(py::upper(self.asStr())); }},
      {"lower", [](Interpreter &in, const Value &self, CallArgs &args) { Params(in, args, "lower", {}); return Value::str(py::lower(self.asStr())); }},
      {"replace", [](Interpreter &in, const Value &self, CallArgs &args) {
         Params p(in, args, "replace", {"old", "new", "count"});
         std::string out = py::replace(self.asStr(), p.string("old", ""), p.string("new", ""), p.integer("count", -1));
         in.checkSize(out.size(), args.loc);
         return Value::str(std::move(out));
       }},
      {"join", [](Interpreter &in, const Value &self, CallArgs &args) {
         Params p(in, args, "join", {"iterable"});
         std::string out;
         bool first = true;
         for (const Value &item : in.iterate(p.value("iterable", Value::list()), args.loc)) {
           // str.join does not convert: non-strings are Python's TypeError.
           if (!item.is(K::Str))
             in.fail(args.loc, "sequence item: expected str instance, " + item.typeName() + " found");
           out += (first ? "" : self.asStr()) + item.asStr();
           first = false;
           in.checkSize(out.size(), args.loc);
         }
         return Value::str(std::move(out));
       }},
      // Python indexes by code point, so convert the byte offset.
      {"find", [](Interpreter &in, const Value &self, CallArgs &args) {
         Params p(in, args, "find", {"sub"});
         size_t at = self.asStr().find(p.string("sub", ""));
         if (at == std::string::npos)
           return Value::integer(-1);
         return Value::integer(static_cast<int64_t>(py::length(std::string_view(self.asStr()).substr(0, at))));
       }},
      {"count", [](Interpreter &in, const Value &self, CallArgs &args) {
         Params p(in, args, "count", {"sub"});
         std::string sub = p.string("sub", "");
         // Python counts the empty string once per gap: len(s) + 1.
         if (sub.empty())
           return Value::integer(static_cast<int64_t>(py::length(self.asStr()) + 1));
         int64_t n = 0;
         for (size_t at = self.asStr().find(sub); at != std::string::npos; at = self.asStr().find(sub, at + sub.size()))
           ++n;
         return Value::integer(n);
       }},
      {"splitlines", [](Interpreter &in, const Value &self, CallArgs &args) { Params(in, args, "splitlines", {}); return strList(splitLines(self.asStr())); }},
  };
  auto it = methods.find(name);
  if (it == methods.end())
    return Value::undefined("");
  return Value::callable(std::make_shared<Method>(name, self, it->second));
}

/// The dict methods; `.items()` is the one the template library uses
/// (`for key, value in versions.items()`). Mutation is allowed: the sandbox
/// is not the immutable one (spec section 4.1).
Value dictMethod(Interpreter &in, const Value &self, const std::string &name) {
  static const std::map<std::string, Method::Fn, std::less<>> methods = {
      {"items", [](Interpreter &in, const Value &self, CallArgs &args) {
         Params(in, args, "items", {});
         List out;
         for (const auto &[k, v] : self.asDict().items())
           out.push_back(Value::tuple({k, v}));
         return Value::list(std::move(out));
       }},
      {"keys", [](Interpreter &in, const Value &self, CallArgs &args) {
         Params(in, args, "keys", {});
         List out;
         for (const auto &kv : self.asDict().items())
           out.push_back(kv.first);
         return Value::list(std::move(out));
       }},
      {"values", [](Interpreter &in, const Value &self, CallArgs &args) {
         Params(in, args, "values", {});
         List out;
         for (const auto &kv : self.asDict().items())
           out.push_back(kv.second);
         return Value::list(std::move(out));
       }},
      {"get", [](Interpreter &in, const Value &self, CallArgs &args) {
         Params p(in, args, "get", {"key", "default"});
         Value key = p.value("key", Value::none());
         // An unhashable key cannot be present: the default, where Python raises.
         const Value *v = hashable(key) ? self.asDict().find(key) : nullptr;
         return v ? *v : p.value("default", Value::none());
       }},
      {"copy", [](Interpreter &in, const Value &self, CallArgs &args) {
         Params(in, args, "copy", {});
         return Value::dict(std::make_shared<Dict>(self.asDict()));
       }},
      // In-place mutation is allowed: the sandbox is not the immutable one.
      {"update", [](Interpreter &in, const Value &self, CallArgs &args) {
         for (const Value &other : args.positional) {
           if (!other.is(K::Dict))
             in.fail(args.loc, "dict.update() needs a mapping");
           for (const auto &[k, v] : other.asDict().items())
             self.asDict().set(k, v);
         }
         for (const auto &[k, v] : args.keywords)
           self.asDict().set(Value::str(k), v);
         return Value::none();
       }},
      {"pop", [](Interpreter &in, const Value &self, CallArgs &args) {
         Params p(in, args, "pop", {"key", "default"});
         Value key = p.value("key", Value::none());
         if (const Value *v = hashable(key) ? self.asDict().find(key) : nullptr) {
           Value out = *v;
           self.asDict().erase(key);
           return out;
         }
         if (const Value *d = p.get("default"))
           return *d;
         // Python's KeyError shows the key's repr.
         in.fail(args.loc, "KeyError: " + toRepr(key));
       }},
      {"setdefault", [](Interpreter &in, const Value &self, CallArgs &args) {
         Params p(in, args, "setdefault", {"key", "default"});
         Value key = p.value("key", Value::none());
         if (!hashable(key))
           in.fail(args.loc, "unhashable type: '" + key.typeName() + "'");
         if (const Value *v = self.asDict().find(key))
           return *v;
         Value d = p.value("default", Value::none());
         self.asDict().set(key, d);
         return d;
       }},
  };
  auto it = methods.find(name);
  if (it == methods.end())
    return Value::undefined("");
  return Value::callable(std::make_shared<Method>(name, self, it->second));
}

/// List and tuple methods; only a list offers the mutating ones.
Value listMethod(Interpreter &in, const Value &self, const std::string &name) {
  static const std::map<std::string, Method::Fn, std::less<>> mutating = {
      {"append", [](Interpreter &in, const Value &self, CallArgs &args) {
         Params p(in, args, "append", {"object"});
         in.checkItems(self.asList().size() + 1, args.loc);
         self.asList().push_back(p.value("object", Value::none()));
         return Value::none();
       }},
      {"extend", [](Interpreter &in, const Value &self, CallArgs &args) {
         Params p(in, args, "extend", {"iterable"});
         std::vector<Value> items = in.iterate(p.value("iterable", Value::list()), args.loc);
         in.checkItems(self.asList().size() + items.size(), args.loc);
         self.asList().insert(self.asList().end(), items.begin(), items.end());
         return Value::none();
       }},
      {"pop", [](Interpreter &in, const Value &self, CallArgs &args) {
         Params p(in, args, "pop", {"index"});
         int64_t i = p.integer("index", -1);
         List &l = self.asList();
         if (i < 0)
           i += static_cast<int64_t>(l.size());
         if (i < 0 || static_cast<size_t>(i) >= l.size())
           in.fail(args.loc, l.empty() ? "pop from empty list" : "pop index out of range");
         Value out = l[static_cast<size_t>(i)];
         l.erase(l.begin() + i);
         return out;
       }},
      {"insert", [](Interpreter &in, const Value &self, CallArgs &args) {
         Params p(in, args, "insert", {"index", "object"});
         List &l = self.asList();
         int64_t n = static_cast<int64_t>(l.size());
         int64_t i = p.integer("index", 0);
         // list.insert clamps out-of-range indices instead of failing.
         i = i < 0 ? std::max<int64_t>(0, i + n) : std::min(i, n);
         in.checkItems(l.size() + 1, args.loc);
         l.insert(l.begin() + i, p.value("object", Value::none()));
         return Value::none();
       }},
  };
  static const std::map<std::string, Method::Fn, std::less<>> reading = {
      {"index", [](Interpreter &in, const Value &self, CallArgs &args) {
         Params p(in, args, "index", {"value"});
         Value v = p.value("value", Value::none());
         for (size_t i = 0; i < self.asList().size(); ++i)
           if (equals(self.asList()[i], v))
             return Value::integer(static_cast<int64_t>(i));
         in.fail(args.loc, toRepr(v) + " is not in " + self.typeName());
       }},
      {"count", [](Interpreter &in, const Value &self, CallArgs &args) {
         Params p(in, args, "count", {"value"});
         Value v = p.value("value", Value::none());
         int64_t n = 0;
         for (const Value &item : self.asList())
           n += equals(item, v) ? 1 : 0;
         return Value::integer(n);
       }},
  };
  if (auto it = reading.find(name); it != reading.end())
    return Value::callable(std::make_shared<Method>(name, self, it->second));
  if (self.is(K::List))
    if (auto it = mutating.find(name); it != mutating.end())
      return Value::callable(std::make_shared<Method>(name, self, it->second));
  return Value::undefined("");
}

//===----------------------------------------------------------------------===//
// str.format
//===----------------------------------------------------------------------===//

/// Resolves a replacement field's name: `0`, `name`, then `.attr` / `[key]`.
/// An empty name takes the next automatic index. Attribute access goes
/// through the sandbox: an underscore name is a SecurityError (spec 4.1).
Value formatField(Interpreter &in, const std::string &field, size_t &autoIndex, CallArgs &args) {
  size_t end = field.find_first_of(".[");
  std::string head = field.substr(0, end);
  Value v;
  if (head.empty() || std::all_of(head.begin(), head.end(), ::isdigit)) {
    // Nine digits keep stoull in range; larger indices are out of range anyway.
    size_t index = head.empty() ? autoIndex++ : static_cast<size_t>(std::stoull(head.substr(0, 9)));
    if (index >= args.positional.size())
      in.fail(args.loc, "Replacement index " + std::to_string(index) + " out of range for positional args tuple");
    v = args.positional[index];
  } else {
    const Value *kw = args.keyword(head);
    if (!kw)
      in.fail(args.loc, "KeyError: '" + head + "'");
    v = *kw;
  }
  size_t i = end;
  while (i != std::string::npos && i < field.size()) {
    if (field[i] == '.') {
      size_t next = field.find_first_of(".[", i + 1);
      std::string attr = field.substr(i + 1, next == std::string::npos ? std::string::npos : next - i - 1);
      if (!attr.empty() && attr[0] == '_')
        in.fail(args.loc, "SecurityError: access to attribute '" + attr + "' of '" + v.typeName() + "' object is unsafe.");
      v = in.getattr(v, attr, args.loc);
      i = next;
    } else {
      size_t close = field.find(']', i);
      if (close == std::string::npos)
        in.fail(args.loc, "Missing ']' in format string");
      std::string key = field.substr(i + 1, close - i - 1);
      bool numeric = !key.empty() && std::all_of(key.begin(), key.end(), ::isdigit);
      v = in.getitem(v, numeric ? Value::integer(std::stoll(key.substr(0, 18))) : Value::str(key), args.loc);
      i = close + 1;
    }
  }
  return v;
}

/// Applies a format spec (`^40`, `-^39`, `>6` ...) with Python's format()
/// rules for the value's type; the template library's banner macros need
/// fill, align and width (spec section 4.5).
std::string formatValue(Interpreter &in, const Value &v, const std::string &spec, SourceLoc loc) {
  in.requireDefined(v, loc);
  try {
    switch (v.kind()) {
    case K::Str:
      return py::formatStr(v.asStr(), spec);
    case K::Int:
      return py::formatInt(v.asInt(), spec);
    // Python formats a bool as an int once a spec is given (`{:d}` -> 1).
    case K::Bool:
      return spec.empty() ? toStr(v) : py::formatInt(v.asInt(), spec);
    case K::Float:
      return py::formatFloat(v.asFloat(), spec);
    default:
      if (!spec.empty())
        in.fail(loc, "unsupported format string passed to " + v.typeName() + ".__format__");
      return toStr(v);
    }
  } catch (const std::exception &e) {
    in.fail(loc, e.what());
  }
}

} // namespace

/// Python's str.format: `{{`/`}}` escapes, `{field!conv:spec}` with nested
/// fields in the spec, and Python's error messages.
std::string pyFormat(Interpreter &in, const std::string &fmt, CallArgs &args) {
  std::string out;
  size_t autoIndex = 0;
  for (size_t i = 0; i < fmt.size();) {
    char c = fmt[i];
    if (c == '}') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') {
        out += '}';
        i += 2;
        continue;
      }
      in.fail(args.loc, "Single '}' encountered in format string");
    }
    if (c != '{') {
      out += c;
      ++i;
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out += '{';
      i += 2;
      continue;
    }
    // Find the matching '}' (one level of nesting inside the spec).
    size_t j = i + 1;
    int nesting = 1;
    while (j < fmt.size() && nesting) {
      if (fmt[j] == '{')
        ++nesting;
      else if (fmt[j] == '}')
        --nesting;
      if (nesting)
        ++j;
    }
    if (j >= fmt.size())
      in.fail(args.loc, "expected '}' before end of string");
    std::string field = fmt.substr(i + 1, j - i - 1);
    i = j + 1;
    std::string spec, conversion;
    size_t colon = field.find(':');
    if (colon != std::string::npos) {
      spec = field.substr(colon + 1);
      field.resize(colon);
    }
    size_t bang = field.find('!');
    if (bang != std::string::npos) {
      conversion = field.substr(bang + 1);
      field.resize(bang);
    }
    // Nested fields in the spec, e.g. "{:{width}}".
    if (spec.find('{') != std::string::npos)
      spec = pyFormat(in, spec, args);
    Value v = formatField(in, field, autoIndex, args);
    // `!a` is treated as `!r` (non-ASCII is not escaped).
    if (conversion == "r" || conversion == "a")
      v = Value::str(toRepr(v));
    else if (conversion == "s")
      v = Value::str(in.str(v, args.loc));
    else if (!conversion.empty())
      in.fail(args.loc, "Unknown conversion specifier " + conversion);
    out += formatValue(in, v, spec, args.loc);
    in.checkSize(out.size(), args.loc);
  }
  return out;
}

/// Spec section 4.6: int and bool are str()'d (`True`), None is `null`,
/// anything else is PyYAML's flow-style safe_dump without the `...` marker.
std::string toYaml(Interpreter &in, const Value &v, SourceLoc loc) {
  // str() here: a top-level bool is `True`, not YAML's `true` (spec 4.6).
  if (v.is(K::Int) || v.is(K::Bool))
    return toStr(v);
  if (v.is(K::None))
    return "null";
  return yamlFlow(in, v, 0, loc);
}

/// Runs a filter by name; the parser has already rejected unknown names,
/// so the error here is only a safeguard.
Value applyFilter(Interpreter &in, const std::string &name, const Value &input, CallArgs &args) {
  auto it = filters().find(name);
  if (it == filters().end())
    in.fail(args.loc, "No filter named '" + name + "'.");
  return it->second(in, input, args);
}

Value applyTest(Interpreter &in, const std::string &name, const Value &input, CallArgs &args) {
  auto it = tests().find(name);
  if (it == tests().end())
    in.fail(args.loc, "No test named '" + name + "'.");
  return Value::boolean(it->second(in, input, args));
}

/// Attribute lookup on the built-in types finds their methods first, as
/// Python does, so `d.items` is the method even if `d` has a key "items".
Value boundMethod(Interpreter &in, const Value &self, const std::string &name) {
  switch (self.kind()) {
  case K::Str:
    return strMethod(in, self, name);
  case K::Dict:
    return dictMethod(in, self, name);
  case K::List:
  case K::Tuple:
    return listMethod(in, self, name);
  default:
    return Value::undefined("");
  }
}

/// The parser's registry (ParserRegistry) for compile-time checks.
bool hasFilter(std::string_view name) { return filters().count(name) != 0; }
bool hasTest(std::string_view name) { return tests().count(name) != 0; }

} // namespace fgcc::render
