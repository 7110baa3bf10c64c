//===- Value.cpp - Python-like values of the template interpreter ---------===//
#include "render/Value.h"

#include "support/PyText.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace fgcc::render {

//===----------------------------------------------------------------------===//
// Construction
//===----------------------------------------------------------------------===//

/// StrictUndefined (spec section 4.1): the lookup's error message travels
/// with the value and is raised only when the value is used.
Value Value::undefined(std::string message, std::function<std::string()> suggest) {
  Value v;
  v.kind_ = Kind::Undefined;
  v.ptr_ = std::make_shared<StrData>(StrData{std::move(message), nullptr, std::move(suggest)});
  return v;
}

Value Value::boolean(bool b) {
  Value v;
  v.kind_ = Kind::Bool;
  v.b_ = b;
  return v;
}

Value Value::integer(int64_t i) {
  Value v;
  v.kind_ = Kind::Int;
  v.i_ = i;
  return v;
}

Value Value::real(double d) {
  Value v;
  v.kind_ = Kind::Float;
  v.d_ = d;
  return v;
}

Value Value::str(std::string s) { return str(std::move(s), nullptr); }

/// `marks` records where captured text (a macro's output, super()) was
/// written, so its lines still map to their templates when printed.
Value Value::str(std::string s, std::shared_ptr<const OriginMarks> marks) {
  Value v;
  v.kind_ = Kind::Str;
  v.ptr_ = std::make_shared<StrData>(StrData{std::move(s), std::move(marks), nullptr});
  return v;
}

/// Containers register with the active ContainerRegistry so a render can
/// break reference cycles when it ends.
Value Value::list(List items) {
  Value v;
  v.kind_ = Kind::List;
  auto list = std::make_shared<List>(std::move(items));
  ContainerRegistry::track(list);
  v.ptr_ = std::move(list);
  return v;
}

/// A tuple shares List storage; only the kind differs.
Value Value::tuple(List items) {
  // Immutability is enforced by the operations, not by the storage.
  Value v = list(std::move(items));
  v.kind_ = Kind::Tuple;
  return v;
}

Value Value::dict(std::shared_ptr<Dict> d) {
  Value v;
  v.kind_ = Kind::Dict;
  if (!d)
    d = std::make_shared<Dict>();
  ContainerRegistry::track(d);
  v.ptr_ = std::move(d);
  return v;
}

Value Value::ns(std::shared_ptr<Namespace> n) {
  Value v;
  v.kind_ = Kind::Namespace;
  if (!n)
    n = std::make_shared<Namespace>();
  ContainerRegistry::track(n);
  v.ptr_ = std::move(n);
  return v;
}

Value Value::callable(std::shared_ptr<Callable> c) {
  Value v;
  v.kind_ = Kind::Callable;
  v.ptr_ = std::move(c);
  return v;
}

const void *Value::identity() const { return ptr_.get(); }

/// The names Python puts in TypeError / UndefinedError messages, e.g.
/// `'jinja2.utils.Namespace object' has no attribute 'x'` (spec 4.5).
std::string Value::typeName() const {
  switch (kind_) {
  case Kind::Undefined:
    return "Undefined";
  case Kind::None:
    return "NoneType";
  case Kind::Bool:
    return "bool";
  case Kind::Int:
    return "int";
  case Kind::Float:
    return "float";
  case Kind::Str:
    return "str";
  case Kind::List:
    return "list";
  case Kind::Tuple:
    return "tuple";
  case Kind::Dict:
    return "dict";
  case Kind::Namespace:
    return "jinja2.utils.Namespace";
  case Kind::Callable:
    return asCallable().isMacro() ? "Macro" : "function";
  }
  return "object";
}

//===----------------------------------------------------------------------===//
// Container registry
//===----------------------------------------------------------------------===//

namespace {
// Registries nest: the innermost collects, and restores the outer one.
thread_local ContainerRegistry *activeRegistry = nullptr;
}

/// Becomes the active registry until destroyed.
ContainerRegistry::ContainerRegistry() : previous_(activeRegistry) { activeRegistry = this; }

ContainerRegistry::~ContainerRegistry() {
  activeRegistry = previous_;
  // Move the contents out before destroying them: destroying one container
  // may free others that are still in these lists.
  std::vector<List> listContents;
  std::vector<Dict> dictContents;
  for (auto &w : lists_)
    if (auto l = w.lock())
      listContents.push_back(std::move(*l)), l->clear();
  for (auto &w : dicts_)
    if (auto d = w.lock())
      dictContents.push_back(std::move(*d)), *d = Dict();
  for (auto &w : namespaces_)
    if (auto n = w.lock())
      dictContents.push_back(std::move(n->attrs)), n->attrs = Dict();
}

/// Records a container; sweeps expired entries at power-of-two sizes,
/// which keeps the cost amortised constant.
template <typename T> void ContainerRegistry::add(std::vector<std::weak_ptr<T>> &v, const std::shared_ptr<T> &p) {
  // Drop expired entries now and then so long loops stay bounded.
  if (v.size() >= 1024 && (v.size() & (v.size() - 1)) == 0)
    v.erase(std::remove_if(v.begin(), v.end(), [](const std::weak_ptr<T> &w) { return w.expired(); }), v.end());
  v.push_back(p);
}

// Outside a render (no active registry) containers are not tracked.
void ContainerRegistry::track(const std::shared_ptr<List> &l) {
  if (activeRegistry)
    activeRegistry->add(activeRegistry->lists_, l);
}
void ContainerRegistry::track(const std::shared_ptr<Dict> &d) {
  if (activeRegistry)
    activeRegistry->add(activeRegistry->dicts_, d);
}
void ContainerRegistry::track(const std::shared_ptr<Namespace> &n) {
  if (activeRegistry)
    activeRegistry->add(activeRegistry->namespaces_, n);
}

//===----------------------------------------------------------------------===//
// Equality and hashing (Python semantics: 1 == 1.0 == True)
//===----------------------------------------------------------------------===//

/// Numbers compare by value across bool/int/float; containers compare
/// deeply; callables and namespaces by identity.
bool equals(const Value &a, const Value &b) {
  using K = Value::Kind;
  if (a.isNumber() && b.isNumber()) {
    if (a.is(K::Float) || b.is(K::Float))
      return a.asFloat() == b.asFloat();
    return a.asInt() == b.asInt();
  }
  if (a.kind() != b.kind())
    return false;
  switch (a.kind()) {
  case K::None:
    return true;
  case K::Str:
    return a.asStr() == b.asStr();
  case K::List:
  case K::Tuple: {
    const List &x = a.asList(), &y = b.asList();
    if (x.size() != y.size())
      return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (!equals(x[i], y[i]))
        return false;
    return true;
  }
  case K::Dict: {
    const Dict &x = a.asDict(), &y = b.asDict();
    if (x.size() != y.size())
      return false;
    for (const auto &[k, v] : x.items()) {
      const Value *other = y.find(k);
      if (!other || !equals(v, *other))
        return false;
    }
    return true;
  }
  default:
    // Namespaces and callables: Python's default equality is identity.
    return a.identity() == b.identity();
  }
}

/// Python's hashability: lists, dicts and namespaces are not, a tuple is
/// when its items are.
bool hashable(const Value &v) {
  switch (v.kind()) {
  case Value::Kind::List:
  case Value::Kind::Dict:
  case Value::Kind::Namespace:
  case Value::Kind::Undefined:
    return false;
  case Value::Kind::Tuple:
    for (const Value &item : v.asList())
      if (!hashable(item))
        return false;
    return true;
  default:
    return true;
  }
}

/// Consistent with equals(): True, 1 and 1.0 hash alike.
size_t hashValue(const Value &v) {
  using K = Value::Kind;
  switch (v.kind()) {
  case K::Bool:
  case K::Int:
    return std::hash<int64_t>()(v.asInt());
  case K::Float: {
    double d = v.asFloat();
    // Integral floats must hash like the equal int.
    if (std::floor(d) == d && std::fabs(d) < 9.2e18)
      return std::hash<int64_t>()(static_cast<int64_t>(d));
    return std::hash<double>()(d);
  }
  case K::Str:
    return std::hash<std::string>()(v.asStr());
  case K::Tuple: {
    size_t h = 0x345678;
    for (const Value &item : v.asList())
      // The multiplier of CPython's old tuple hash; any mix would do.
      h = h * 1000003 ^ hashValue(item);
    return h;
  }
  case K::None:
    return 0x9e3779b9;
  default:
    return std::hash<const void *>()(v.identity());
  }
}

//===----------------------------------------------------------------------===//
// Dict
//===----------------------------------------------------------------------===//

/// A hash bucket may hold unequal keys; equals() decides.
const Value *Dict::find(const Value &key) const {
  auto range = index_.equal_range(hashValue(key));
  for (auto it = range.first; it != range.second; ++it)
    if (equals(items_[it->second].first, key))
      return &items_[it->second].second;
  return nullptr;
}

Value *Dict::find(const Value &key) {
  return const_cast<Value *>(static_cast<const Dict *>(this)->find(key));
}

/// Python dict assignment: an existing key keeps its position and takes the
/// new value (equal keys such as 1 and 1.0 count as the same key).
void Dict::set(const Value &key, Value value) {
  if (Value *existing = find(key)) {
    *existing = std::move(value);
    return;
  }
  index_.emplace(hashValue(key), items_.size());
  items_.emplace_back(key, std::move(value));
}

/// Linear, then a reindex, since erasing shifts every later index.
bool Dict::erase(const Value &key) {
  for (size_t i = 0; i < items_.size(); ++i) {
    if (equals(items_[i].first, key)) {
      items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(i));
      reindex();
      return true;
    }
  }
  return false;
}

/// Rebuilds the hash index after a copy or an erase.
void Dict::reindex() {
  index_.clear();
  for (size_t i = 0; i < items_.size(); ++i)
    index_.emplace(hashValue(items_[i].first), i);
}

//===----------------------------------------------------------------------===//
// str() and repr()
//===----------------------------------------------------------------------===//

namespace {

/// Python prints a container that contains itself as `[...]` / `{...}`.
class ReprPrinter {
public:
  /// repr() of any value; containers go through the cycle check.
  std::string repr(const Value &v) {
    using K = Value::Kind;
    switch (v.kind()) {
    case K::Str:
      return py::strRepr(v.asStr());
    case K::List:
    case K::Tuple:
    case K::Dict:
    case K::Namespace:
      return container(v);
    default:
      return toStr(v);
    }
  }

private:
  std::string container(const Value &v) {
    using K = Value::Kind;
    for (const void *seen : active_)
      if (seen == v.identity())
        return v.is(K::List) ? "[...]" : v.is(K::Tuple) ? "(...)" : "{...}";
    active_.push_back(v.identity());
    std::string out;
    if (v.is(K::Namespace)) {
      // The repr of Jinja's Namespace (spec section 4.3's table).
      out = "<Namespace " + dictBody(v.asNamespace().attrs) + ">";
    } else if (v.is(K::Dict)) {
      out = dictBody(v.asDict());
    } else {
      const List &items = v.asList();
      bool tuple = v.is(K::Tuple);
      out = tuple ? "(" : "[";
      for (size_t i = 0; i < items.size(); ++i)
        out += (i ? ", " : "") + repr(items[i]);
      // A one-tuple needs its comma: `(1,)`.
      if (tuple && items.size() == 1)
        out += ",";
      out += tuple ? ")" : "]";
    }
    active_.pop_back();
    return out;
  }

  /// `{k: v, ...}` with reprs of keys and values, in insertion order.
  std::string dictBody(const Dict &d) {
    std::string out = "{";
    bool first = true;
    for (const auto &[k, val] : d.items()) {
      out += (first ? "" : ", ") + repr(k) + ": " + repr(val);
      first = false;
    }
    return out + "}";
  }

  std::vector<const void *> active_;
};

} // namespace

/// Undefined gives ""; StrictUndefined errors are the callers' to raise
/// before printing.
std::string toStr(const Value &v) {
  using K = Value::Kind;
  switch (v.kind()) {
  case K::Undefined:
    return "";
  case K::None:
    return "None";
  case K::Bool:
    return v.asBool() ? "True" : "False";
  case K::Int:
    return std::to_string(v.asInt());
  case K::Float:
    return py::floatRepr(v.asFloat());
  case K::Str:
    return v.asStr();
  case K::Callable:
    // Approximations of Python's reprs; object addresses are left out so the
    // output stays deterministic.
    return v.asCallable().isMacro() ? "<Macro '" + v.asCallable().name() + "'>"
                                    : "<function " + v.asCallable().name() + ">";
  default:
    return ReprPrinter().repr(v);
  }
}

/// Python's repr: strings quoted as Python would (`'a'`, `"it's"`).
std::string toRepr(const Value &v) { return ReprPrinter().repr(v); }

/// Empty containers, zero, "" and None are false; namespaces and
/// callables are true.
bool truthy(const Value &v) {
  using K = Value::Kind;
  switch (v.kind()) {
  case K::Undefined:
  case K::None:
    return false;
  case K::Bool:
    return v.asBool();
  case K::Int:
    return v.asInt() != 0;
  case K::Float:
    return v.asFloat() != 0.0;
  case K::Str:
    return !v.asStr().empty();
  case K::List:
  case K::Tuple:
    return !v.asList().empty();
  case K::Dict:
    return v.asDict().size() != 0;
  default:
    return true;
  }
}

} // namespace fgcc::render
