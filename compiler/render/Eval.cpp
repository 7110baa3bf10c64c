//===- Eval.cpp - Expressions with Python semantics ------------------------===//
//
// Arithmetic, comparison and conversion follow Python 3 (int + float -> float,
// `/` is true division, `//` floors, `**` of ints stays int), with fgcc's one
// deviation: ints are 64-bit and overflow is an error instead of a bignum.
//
//===----------------------------------------------------------------------===//
#include "render/Interpreter.h"

#include "support/PyText.h"

#include <cmath>

namespace fgcc::render {

using K = Value::Kind;

namespace {

/// Python's TypeError text for an operator the operand types do not support.
std::string typeError(const std::string &op, const Value &a, const Value &b) {
  return "unsupported operand type(s) for " + op + ": '" + a.typeName() + "' and '" + b.typeName() + "'";
}

/// Python's float floor division and modulo (Objects/floatobject.c).
void floatDivmod(double vx, double wx, double &floordiv, double &mod) {
  mod = std::fmod(vx, wx);
  double div = (vx - mod) / wx;
  if (mod != 0.0) {
    if ((wx < 0) != (mod < 0)) {
      mod += wx;
      div -= 1.0;
    }
  } else {
    mod = std::copysign(0.0, wx);
  }
  if (div != 0.0) {
    floordiv = std::floor(div);
    // (vx - mod) / wx may be a hair below an integer; round to it.
    if (div - floordiv > 0.5)
      floordiv += 1.0;
  } else {
    floordiv = std::copysign(0.0, vx / wx);
  }
}

/// Integer power by squaring with overflow detection.
bool intPow(int64_t base, int64_t exp, int64_t &out) {
  int64_t result = 1;
  while (exp > 0) {
    if (exp & 1)
      if (__builtin_mul_overflow(result, base, &result))
        return false;
    exp >>= 1;
    if (exp && __builtin_mul_overflow(base, base, &base))
      return false;
  }
  out = result;
  return true;
}

/// Python sequence index normalisation; false when out of range.
bool normaliseIndex(int64_t &i, size_t size) {
  if (i < 0)
    i += static_cast<int64_t>(size);
  return i >= 0 && static_cast<size_t>(i) < size;
}

/// Code points of a UTF-8 string, for indexing and slicing.
std::vector<std::string> codePoints(const std::string &s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t begin = pos;
    py::decodeUtf8(s, pos);
    out.push_back(s.substr(begin, pos - begin));
  }
  return out;
}

/// Jinja's `object_type_repr` for undefined-attribute messages.
std::string objectTypeRepr(const Value &v) {
  if (v.is(K::None))
    return "None";
  return v.typeName() + " object";
}

} // namespace

//===----------------------------------------------------------------------===//
// Names
//===----------------------------------------------------------------------===//

/// Name resolution: locals from the innermost scope out, then the context's
/// exported variables, then render arguments and globals (spec section
/// 4.2). A miss is a StrictUndefined carrying Jinja's "'x' is undefined".
Value Interpreter::lookup(const std::string &name, const FramePtr &frame) {
  for (const Frame *f = frame.get(); f; f = f->parent.get()) {
    auto it = f->locals.find(name);
    if (it != f->locals.end())
      return it->second;
  }
  Context &ctx = *frame->context;
  if (auto it = ctx.vars.find(name); it != ctx.vars.end())
    return it->second;
  if (const Value *v = ctx.parent->find(Value::str(name)))
    return *v;
  // The suggestion closure holds the frame weakly: the undefined value may be
  // stored in that very frame.
  std::weak_ptr<Frame> weakFrame = frame;
  return Value::undefined("'" + name + "' is undefined", [weakFrame, name] {
    std::vector<std::string> visible;
    FramePtr frame = weakFrame.lock();
    if (!frame)
      return std::string();
    for (const Frame *f = frame.get(); f; f = f->parent.get())
      for (const auto &kv : f->locals)
        visible.push_back(kv.first);
    for (const auto &kv : frame->context->vars)
      visible.push_back(kv.first);
    if (frame->context->parent)
      for (const auto &kv : frame->context->parent->items())
        if (kv.first.is(K::Str))
          visible.push_back(kv.first.asStr());
    return closestName(name, visible);
  });
}

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

/// Evaluates one expression. Undefined values flow through untouched until
/// something uses them, so `x | default(1)` works on a missing `x`.
Value Interpreter::eval(const Expr &e, const FramePtr &frame) {
  SourceLoc loc = locOf(frame->tmpl, e.pos);
  switch (e.kind) {
  case ExprKind::Const:
    return e.value;
  case ExprKind::Name:
    return lookup(e.name, frame);
  case ExprKind::Getattr:
    return getattr(eval(*e.operands[0], frame), e.name, loc);
  case ExprKind::Getitem: {
    Value obj = eval(*e.operands[0], frame);
    if (e.operands[1]->kind == ExprKind::Slice)
      return evalSlice(obj, *e.operands[1], frame, loc);
    return getitem(obj, eval(*e.operands[1], frame), loc);
  }
  case ExprKind::Slice:
    fail(loc, "a slice is only valid inside []");
  case ExprKind::Call:
    return evalCall(e, frame);
  case ExprKind::Filter:
    return evalFilter(e, Value(), frame);
  case ExprKind::Test:
    return evalTest(e, frame);
  case ExprKind::Binary:
    return evalBinary(e.name, eval(*e.operands[0], frame), eval(*e.operands[1], frame), loc);
  case ExprKind::Unary:
    return evalUnary(e.name, eval(*e.operands[0], frame), loc);
  case ExprKind::Compare: {
    // Python's chained comparison: `a < b < c` is `a < b and b < c`, each
    // operand evaluated once, stopping at the first false.
    Value left = eval(*e.operands[0], frame);
    for (size_t i = 0; i < e.ops.size(); ++i) {
      Value right = eval(*e.operands[i + 1], frame);
      if (!compare(e.ops[i], left, right, loc))
        return Value::boolean(false);
      left = std::move(right);
    }
    return Value::boolean(true);
  }
  case ExprKind::And:
  case ExprKind::Or: {
    Value left = eval(*e.operands[0], frame);
    // `and`/`or` return an operand, not a bool, as in Python.
    requireDefined(left, loc);
    bool t = truthy(left);
    if (e.kind == ExprKind::And ? !t : t)
      return left;
    return eval(*e.operands[1], frame);
  }
  case ExprKind::CondExpr: {
    Value cond = eval(*e.operands[1], frame);
    requireDefined(cond, loc);
    if (truthy(cond))
      return eval(*e.operands[0], frame);
    if (e.operands[2])
      return eval(*e.operands[2], frame);
    // Jinja's `a if c` without else yields an undefined with this message.
    return Value::undefined("the inline if-expression on line " + std::to_string(loc.line) +
                            " evaluated to false and no else section was defined.");
  }
  case ExprKind::List:
  case ExprKind::Tuple: {
    List items;
    for (const ExprPtr &op : e.operands)
      items.push_back(eval(*op, frame));
    return e.kind == ExprKind::List ? Value::list(std::move(items)) : Value::tuple(std::move(items));
  }
  case ExprKind::Dict: {
    auto d = std::make_shared<Dict>();
    for (size_t i = 0; i + 1 < e.operands.size(); i += 2) {
      Value key = eval(*e.operands[i], frame);
      requireDefined(key, loc);
      if (!hashable(key))
        fail(loc, "unhashable type: '" + key.typeName() + "'");
      d->set(key, eval(*e.operands[i + 1], frame));
    }
    return Value::dict(d);
  }
  case ExprKind::Concat: {
    std::string out;
    for (const ExprPtr &op : e.operands) {
      // `~` converts each operand with str(), unlike `+` (spec section 4.3).
      out += str(eval(*op, frame), loc);
      checkSize(out.size(), loc);
    }
    return Value::str(std::move(out));
  }
  }
  fail(loc, "internal error: unknown expression");
}

/// Evaluates call arguments; `*args` and `**kwargs` are spread after the
/// explicit ones, as Jinja passes them.
CallArgs Interpreter::evalArgs(const ArgList &args, const FramePtr &frame, SourceLoc loc) {
  CallArgs out;
  out.loc = loc;
  for (const ExprPtr &p : args.positional)
    out.positional.push_back(eval(*p, frame));
  for (const Keyword &k : args.keywords)
    out.keywords.emplace_back(k.name, eval(*k.value, frame));
  if (args.starArgs)
    for (Value &v : iterate(eval(*args.starArgs, frame), loc))
      out.positional.push_back(std::move(v));
  if (args.starKwargs) {
    Value kw = eval(*args.starKwargs, frame);
    requireDefined(kw, loc);
    if (!kw.is(K::Dict))
      fail(loc, "argument after ** must be a mapping, not " + kw.typeName());
    for (const auto &[k, v] : kw.asDict().items()) {
      if (!k.is(K::Str))
        fail(loc, "keywords must be strings");
      out.keywords.emplace_back(k.asStr(), v);
    }
  }
  return out;
}

/// `f(args)`: callee first, then the arguments left to right, as in Python.
Value Interpreter::evalCall(const Expr &e, const FramePtr &frame) {
  SourceLoc loc = locOf(frame->tmpl, e.pos);
  Value fn = eval(*e.operands[0], frame);
  CallArgs args = evalArgs(e.args, frame, loc);
  return call(fn, args);
}

/// Calls a global, macro, bound method or super().
Value Interpreter::call(const Value &fn, CallArgs &args) {
  requireDefined(fn, args.loc);
  if (!fn.is(K::Callable))
    fail(args.loc, "'" + fn.typeName() + "' object is not callable");
  return fn.asCallable().call(*this, args);
}

/// A filter chain `x | f | g` nests Filter nodes; a filter block's chain has
/// no base, and `input` (the captured body) stands in for it.
Value Interpreter::evalFilter(const Expr &e, const Value &input, const FramePtr &frame) {
  SourceLoc loc = locOf(frame->tmpl, e.pos);
  Value operand;
  const Expr *base = e.operands[0].get();
  if (!base)
    operand = input;
  else if (base->kind == ExprKind::Filter)
    operand = evalFilter(*base, input, frame);
  else
    operand = eval(*base, frame);
  CallArgs args = evalArgs(e.args, frame, loc);
  return applyFilter(*this, e.name, operand, args);
}

/// `x is [not] test(args)`; the operand may be undefined (`is defined`).
Value Interpreter::evalTest(const Expr &e, const FramePtr &frame) {
  SourceLoc loc = locOf(frame->tmpl, e.pos);
  Value operand = eval(*e.operands[0], frame);
  CallArgs args = evalArgs(e.args, frame, loc);
  bool result = truthy(applyTest(*this, e.name, operand, args));
  return Value::boolean(e.negated ? !result : result);
}

//===----------------------------------------------------------------------===//
// Attributes, items, slices, iteration
//===----------------------------------------------------------------------===//

/// Jinja's sandboxed getattr: namespace attributes, then methods of the
/// built-in types, then (Jinja's fallback) dict items. A miss is an
/// undefined value with Jinja's message (spec section 4.5).
Value Interpreter::getattr(const Value &obj, const std::string &name, SourceLoc loc) {
  requireDefined(obj, loc);
  // The sandbox hides every attribute whose name starts with an underscore.
  if (!name.empty() && name[0] == '_')
    return Value::undefined("access to attribute '" + name + "' of '" + obj.typeName() + "' object is unsafe.");
  // A namespace has no methods; a missing attribute is undefined, with the
  // `'jinja2.utils.Namespace object' has no attribute` message (spec 4.5).
  if (obj.is(K::Namespace)) {
    if (const Value *v = obj.asNamespace().attrs.find(Value::str(name)))
      return *v;
  } else {
    Value method = boundMethod(*this, obj, name);
    if (!method.isUndefined())
      return method;
    if (obj.is(K::Dict))
      if (const Value *v = obj.asDict().find(Value::str(name)))
        return *v;
  }
  std::weak_ptr<Namespace> weakNs = obj.is(K::Namespace) ? obj.weakNamespace() : std::weak_ptr<Namespace>();
  std::weak_ptr<Dict> weakDict = obj.is(K::Dict) ? obj.weakDict() : std::weak_ptr<Dict>();
  return Value::undefined("'" + objectTypeRepr(obj) + "' has no attribute '" + name + "'", [weakNs, weakDict, name] {
    std::vector<std::string> attrs;
    auto ns = weakNs.lock();
    auto dict = weakDict.lock();
    const Dict *d = ns ? &ns->attrs : dict.get();
    if (d)
      for (const auto &kv : d->items())
        if (kv.first.is(K::Str))
          attrs.push_back(kv.first.asStr());
    return closestName(name, attrs);
  });
}

/// `obj[key]`: dict lookup or Python indexing (negative indices count from
/// the end; strings index by code point).
Value Interpreter::getitem(const Value &obj, const Value &key, SourceLoc loc) {
  requireDefined(obj, loc);
  requireDefined(key, loc);
  if (obj.is(K::Dict)) {
    // An unhashable key cannot be in the dict; treat it as missing.
    if (hashable(key))
      if (const Value *v = obj.asDict().find(key))
        return *v;
  } else if (obj.isSequence() || obj.is(K::Str)) {
    if (key.is(K::Int) || key.is(K::Bool)) {
      int64_t i = key.asInt();
      if (obj.is(K::Str)) {
        std::vector<std::string> cps = codePoints(obj.asStr());
        if (normaliseIndex(i, cps.size()))
          return Value::str(cps[static_cast<size_t>(i)]);
      } else if (normaliseIndex(i, obj.asList().size())) {
        return obj.asList()[static_cast<size_t>(i)];
      }
    }
  }
  // Jinja falls back to attribute lookup for string keys.
  if (key.is(K::Str))
    return getattr(obj, key.asStr(), loc);
  return Value::undefined(objectTypeRepr(obj) + " has no element " + toRepr(key));
}

/// `obj[start:stop:step]` with Python's clamping rules; strings slice by
/// code point, and a tuple stays a tuple.
Value Interpreter::evalSlice(const Value &obj, const Expr &slice, const FramePtr &frame, SourceLoc loc) {
  requireDefined(obj, loc);
  auto part = [&](int i, int64_t dflt, bool &given) -> int64_t {
    given = false;
    if (!slice.operands[i])
      return dflt;
    Value v = eval(*slice.operands[i], frame);
    // `x[None:2]` is the same as `x[:2]`.
    if (v.is(K::None))
      return dflt;
    if (!v.is(K::Int) && !v.is(K::Bool))
      fail(loc, "slice indices must be integers or None");
    given = true;
    return v.asInt();
  };
  bool hasStart, hasStop, hasStep;
  int64_t step = part(2, 1, hasStep);
  if (step == 0)
    fail(loc, "slice step cannot be zero");
  std::vector<Value> items;
  std::vector<std::string> cps;
  size_t n;
  if (obj.is(K::Str)) {
    cps = codePoints(obj.asStr());
    n = cps.size();
  } else if (obj.isSequence()) {
    n = obj.asList().size();
  } else {
    fail(loc, "'" + obj.typeName() + "' object is not subscriptable");
  }
  int64_t len = static_cast<int64_t>(n);
  // Python's PySlice_AdjustIndices.
  auto adjust = [&](int64_t v, bool given, int64_t dflt) {
    if (!given)
      return dflt;
    if (v < 0) {
      v += len;
      if (v < 0)
        v = step < 0 ? -1 : 0;
    } else if (v >= len) {
      v = step < 0 ? len - 1 : len;
    }
    return v;
  };
  int64_t start = adjust(part(0, 0, hasStart), hasStart, step < 0 ? len - 1 : 0);
  int64_t stop = adjust(part(1, 0, hasStop), hasStop, step < 0 ? -1 : len);
  std::string s;
  List out;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    if (obj.is(K::Str))
      s += cps[static_cast<size_t>(i)];
    else
      out.push_back(obj.asList()[static_cast<size_t>(i)]);
  }
  if (obj.is(K::Str))
    return Value::str(std::move(s));
  return obj.is(K::Tuple) ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

/// Returns a snapshot, so a loop body that mutates the list it iterates
/// does not disturb the iteration.
std::vector<Value> Interpreter::iterate(const Value &v, SourceLoc loc) {
  requireDefined(v, loc);
  switch (v.kind()) {
  case K::List:
  case K::Tuple:
    return v.asList();
  case K::Dict: {
    std::vector<Value> keys;
    for (const auto &kv : v.asDict().items())
      keys.push_back(kv.first);
    return keys;
  }
  case K::Str: {
    std::vector<Value> chars;
    for (std::string &cp : codePoints(v.asStr()))
      chars.push_back(Value::str(std::move(cp)));
    return chars;
  }
  default:
    fail(loc, "'" + v.typeName() + "' object is not iterable");
  }
}

//===----------------------------------------------------------------------===//
// Operators
//===----------------------------------------------------------------------===//

/// `not`, unary `+` and `-`; `+True` is 1, as in Python.
Value Interpreter::evalUnary(const std::string &op, const Value &a, SourceLoc loc) {
  requireDefined(a, loc);
  if (op == "not")
    return Value::boolean(!truthy(a));
  if (!a.isNumber())
    fail(loc, "bad operand type for unary " + op + ": '" + a.typeName() + "'");
  if (op == "+")
    return a.is(K::Float) ? a : Value::integer(a.asInt());
  if (a.is(K::Float))
    return Value::real(-a.asFloat());
  if (a.asInt() == INT64_MIN)
    fail(loc, "integer overflow (fgcc integers are 64-bit)");
  return Value::integer(-a.asInt());
}

/// The arithmetic operators with Python's type rules and error messages
/// (spec section 4.3): `str + int` is a TypeError, `/` always gives a
/// float, `//` and `%` floor toward negative infinity.
Value Interpreter::evalBinary(const std::string &op, const Value &a, const Value &b, SourceLoc loc) {
  requireDefined(a, loc);
  requireDefined(b, loc);
  auto overflow = [&]() -> Value { fail(loc, "integer overflow (fgcc integers are 64-bit)"); };
  bool ints = (a.is(K::Int) || a.is(K::Bool)) && (b.is(K::Int) || b.is(K::Bool));
  bool nums = a.isNumber() && b.isNumber();
  if (op == "+") {
    if (ints) {
      int64_t r;
      return __builtin_add_overflow(a.asInt(), b.asInt(), &r) ? overflow() : Value::integer(r);
    }
    if (nums)
      return Value::real(a.asFloat() + b.asFloat());
    if (a.is(K::Str) && b.is(K::Str)) {
      checkSize(a.asStr().size() + b.asStr().size(), loc);
      return Value::str(a.asStr() + b.asStr());
    }
    if (a.kind() == b.kind() && a.isSequence()) {
      checkItems(a.asList().size() + b.asList().size(), loc);
      List items = a.asList();
      items.insert(items.end(), b.asList().begin(), b.asList().end());
      return a.is(K::List) ? Value::list(std::move(items)) : Value::tuple(std::move(items));
    }
    // Python's wording for `str + int` (spec section 4.3).
    if (a.is(K::Str) || a.isSequence())
      fail(loc, "can only concatenate " + a.typeName() + " (not \"" + b.typeName() + "\") to " + a.typeName());
    fail(loc, typeError("+", a, b));
  }
  if (op == "-") {
    if (ints) {
      int64_t r;
      return __builtin_sub_overflow(a.asInt(), b.asInt(), &r) ? overflow() : Value::integer(r);
    }
    if (nums)
      return Value::real(a.asFloat() - b.asFloat());
    fail(loc, typeError("-", a, b));
  }
  if (op == "*") {
    if (ints) {
      int64_t r;
      return __builtin_mul_overflow(a.asInt(), b.asInt(), &r) ? overflow() : Value::integer(r);
    }
    if (nums)
      return Value::real(a.asFloat() * b.asFloat());
    // Repetition: str * int, list * int, int * str ...
    const Value &seq = (a.is(K::Str) || a.isSequence()) ? a : b;
    const Value &count = &seq == &a ? b : a;
    if ((seq.is(K::Str) || seq.isSequence()) && (count.is(K::Int) || count.is(K::Bool))) {
      int64_t n = std::max<int64_t>(0, count.asInt());
      if (seq.is(K::Str)) {
        checkSize(static_cast<size_t>(n) * seq.asStr().size(), loc);
        std::string out;
        for (int64_t i = 0; i < n; ++i)
          out += seq.asStr();
        return Value::str(std::move(out));
      }
      checkItems(static_cast<size_t>(n) * seq.asList().size(), loc);
      List out;
      for (int64_t i = 0; i < n; ++i)
        out.insert(out.end(), seq.asList().begin(), seq.asList().end());
      return seq.is(K::List) ? Value::list(std::move(out)) : Value::tuple(std::move(out));
    }
    fail(loc, typeError("*", a, b));
  }
  if (op == "/") {
    if (!nums)
      fail(loc, typeError("/", a, b));
    // Python raises ZeroDivisionError rather than returning inf.
    if (b.asFloat() == 0.0)
      fail(loc, ints ? "division by zero" : "float division by zero");
    return Value::real(a.asFloat() / b.asFloat());
  }
  if (op == "//" || op == "%") {
    // The template library formats with .format(), never with `%`.
    if (a.is(K::Str) && op == "%")
      fail(loc, "printf-style '%' string formatting is not supported by fgcc; use .format()");
    if (!nums)
      fail(loc, typeError(op, a, b));
    if (ints) {
      int64_t x = a.asInt(), y = b.asInt();
      if (y == 0)
        fail(loc, "integer division or modulo by zero");
      if (x == INT64_MIN && y == -1)
        return overflow();
      // C++ truncates toward zero; Python floors, so adjust when the signs differ.
      int64_t q = x / y, r = x % y;
      if (r != 0 && ((r < 0) != (y < 0))) {
        q -= 1;
        r += y;
      }
      return Value::integer(op == "//" ? q : r);
    }
    if (b.asFloat() == 0.0)
      fail(loc, op == "//" ? "float floor division by zero" : "float modulo");
    double q, r;
    floatDivmod(a.asFloat(), b.asFloat(), q, r);
    return Value::real(op == "//" ? q : r);
  }
  if (op == "**") {
    if (!nums)
      fail(loc, typeError("** or pow()", a, b));
    // int ** non-negative int stays an int; a negative exponent gives a float.
    if (ints && b.asInt() >= 0) {
      int64_t r;
      return intPow(a.asInt(), b.asInt(), r) ? Value::integer(r) : overflow();
    }
    if (a.asFloat() == 0.0 && b.asFloat() < 0)
      fail(loc, "0.0 cannot be raised to a negative power");
    return Value::real(std::pow(a.asFloat(), b.asFloat()));
  }
  fail(loc, "internal error: unknown operator " + op);
}

/// One comparison operator with Python semantics: `==` across numeric
/// types, `in` on strings, sequences and dict keys, and ordering only
/// between comparable types (a TypeError otherwise).
bool Interpreter::compare(const std::string &op, const Value &a, const Value &b, SourceLoc loc) {
  requireDefined(a, loc);
  requireDefined(b, loc);
  if (op == "==")
    return equals(a, b);
  if (op == "!=")
    return !equals(a, b);
  if (op == "in" || op == "notin") {
    bool found = false;
    if (b.is(K::Str)) {
      if (!a.is(K::Str))
        fail(loc, "'in <string>' requires string as left operand, not " + a.typeName());
      found = b.asStr().find(a.asStr()) != std::string::npos;
    } else if (b.isSequence()) {
      for (const Value &item : b.asList())
        if (equals(item, a)) {
          found = true;
          break;
        }
    } else if (b.is(K::Dict)) {
      found = hashable(a) && b.asDict().find(a) != nullptr;
    } else {
      fail(loc, "argument of type '" + b.typeName() + "' is not iterable");
    }
    return op == "in" ? found : !found;
  }
  // Ordering: numbers, strings, and sequences of the same kind.
  int c = 0;
  if (a.isNumber() && b.isNumber()) {
    if (a.is(K::Float) || b.is(K::Float))
      c = a.asFloat() < b.asFloat() ? -1 : a.asFloat() > b.asFloat() ? 1 : 0;
    else
      c = a.asInt() < b.asInt() ? -1 : a.asInt() > b.asInt() ? 1 : 0;
    // Every ordering comparison with NaN is false, as in Python.
    if (std::isnan(a.asFloat()) || std::isnan(b.asFloat()))
      return false;
  } else if (a.is(K::Str) && b.is(K::Str)) {
    // Byte order of UTF-8 is code-point order, which is how Python compares.
    c = a.asStr().compare(b.asStr());
  } else if (a.kind() == b.kind() && a.isSequence()) {
    const List &x = a.asList(), &y = b.asList();
    size_t i = 0;
    // Lexicographic: the first unequal items decide, else the shorter is less.
    while (i < x.size() && i < y.size() && equals(x[i], y[i]))
      ++i;
    if (i < x.size() && i < y.size())
      return compare(op, x[i], y[i], loc);
    c = x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
  } else {
    fail(loc, "'" + op + "' not supported between instances of '" + a.typeName() + "' and '" + b.typeName() + "'");
  }
  if (op == "<")
    return c < 0;
  if (op == "<=")
    return c <= 0;
  if (op == ">")
    return c > 0;
  return c >= 0;
}

} // namespace fgcc::render
