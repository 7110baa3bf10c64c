//===- Value.h - Python-like values of the template interpreter -----------===//
//
// Templates compute with Python values (Jinja runs in Python), and the bytes
// they print depend on Python's conversions: `str(1e-05)`, `repr(['a'])`,
// `10 // 3`. Value reproduces that model: None, bool, int, float, str, list,
// tuple, dict (insertion ordered), namespace, callables, and Jinja's strict
// undefined, which carries the error message of the lookup that produced it.
//
// Containers and namespaces are shared by reference like Python objects, so a
// mutation through one name is seen through every other.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "render/Origin.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace fgcc::render {

class Value;
class Interpreter;
struct CallArgs;

using List = std::vector<Value>;

/// An insertion-ordered dict with Python key equality (1 == 1.0 == True).
class Dict {
public:
  Dict() = default;
  Dict(const Dict &other) : items_(other.items_) { reindex(); }
  Dict &operator=(const Dict &other) {
    items_ = other.items_;
    reindex();
    return *this;
  }

  /// Returns null when the key is absent.
  const Value *find(const Value &key) const;
  Value *find(const Value &key);
  void set(const Value &key, Value value);
  bool erase(const Value &key);
  size_t size() const { return items_.size(); }
  const std::vector<std::pair<Value, Value>> &items() const { return items_; }

private:
  void reindex();
  std::vector<std::pair<Value, Value>> items_;
  /// Key hash -> index into items_; keeps lookups O(1) for large dicts.
  std::unordered_multimap<size_t, size_t> index_;
};

/// Jinja's `namespace()`: a mutable attribute bag, the one object templates
/// may assign attributes on.
struct Namespace {
  Dict attrs;
};

/// Anything a template can call: globals, macros, bound methods, `super`.
class Callable {
public:
  virtual ~Callable() = default;
  virtual Value call(Interpreter &interp, CallArgs &args) = 0;
  /// The name in messages and in `repr`.
  virtual std::string name() const = 0;
  /// Macros print as `<Macro 'name'>`, other callables as functions.
  virtual bool isMacro() const { return false; }
};

/// A string plus where its lines came from (kept only for rendered text).
struct StrData {
  std::string text;
  std::shared_ptr<const OriginMarks> marks;
  /// Undefined values only: computes a "did you mean" name when the error is
  /// reported (lazily, because most undefined values meet `default`).
  std::function<std::string()> suggest;
};

/// One template value, a tagged union: scalars inline, everything else
/// behind one shared pointer (spec section 14's value model).
class Value {
public:
  enum class Kind : uint8_t { Undefined, None, Bool, Int, Float, Str, List, Tuple, Dict, Namespace, Callable };

  Value() : kind_(Kind::None) {}
  static Value none() { return Value(); }
  static Value undefined(std::string message, std::function<std::string()> suggest = nullptr);
  static Value boolean(bool b);
  static Value integer(int64_t i);
  static Value real(double d);
  static Value str(std::string s);
  static Value str(std::string s, std::shared_ptr<const OriginMarks> marks);
  static Value list(List items = {});
  static Value tuple(List items);
  static Value dict(std::shared_ptr<Dict> d = nullptr);
  static Value ns(std::shared_ptr<Namespace> n = nullptr);
  static Value callable(std::shared_ptr<Callable> c);

  Kind kind() const { return kind_; }
  bool is(Kind k) const { return kind_ == k; }
  bool isUndefined() const { return kind_ == Kind::Undefined; }
  /// Bool counts as a number, since Python's bool is an int subclass.
  bool isNumber() const { return kind_ == Kind::Int || kind_ == Kind::Float || kind_ == Kind::Bool; }
  bool isSequence() const { return kind_ == Kind::List || kind_ == Kind::Tuple; }

  bool asBool() const { return b_; }
  int64_t asInt() const { return kind_ == Kind::Bool ? (b_ ? 1 : 0) : i_; }
  double asFloat() const { return kind_ == Kind::Float ? d_ : static_cast<double>(asInt()); }
  const std::string &asStr() const { return strData().text; }
  const std::shared_ptr<const OriginMarks> &strMarks() const { return strData().marks; }
  /// The message of an undefined value (`'x' is undefined`).
  const std::string &undefinedMessage() const { return strData().text; }
  /// The closest existing name, or empty.
  std::string undefinedSuggestion() const { return strData().suggest ? strData().suggest() : std::string(); }
  List &asList() const { return *static_cast<List *>(ptr_.get()); }
  Dict &asDict() const { return *static_cast<Dict *>(ptr_.get()); }
  Namespace &asNamespace() const { return *static_cast<Namespace *>(ptr_.get()); }
  Callable &asCallable() const { return *static_cast<Callable *>(ptr_.get()); }
  /// Non-owning handles, for closures that must not keep a value alive
  /// (an undefined value stored inside the namespace it came from).
  std::weak_ptr<Namespace> weakNamespace() const { return std::static_pointer_cast<Namespace>(ptr_); }
  std::weak_ptr<Dict> weakDict() const { return std::static_pointer_cast<Dict>(ptr_); }
  /// Object identity (Python's `is`) for shared values; scalars have none.
  const void *identity() const;

  /// Python type name for messages: 'str', 'int', 'dict', ...
  std::string typeName() const;

private:
  Kind kind_;
  union {
    bool b_;
    int64_t i_;
    double d_;
  };
  const StrData &strData() const { return *static_cast<const StrData *>(ptr_.get()); }

  /// The heap part: StrData (str, undefined), List (list, tuple), Dict,
  /// Namespace or Callable, as the kind says. One pointer keeps values small
  /// and copies cheap.
  std::shared_ptr<void> ptr_;
};

/// Collects the containers created while it is active, so that a render can
/// break the reference cycles templates may build (`l.append(l)`, a
/// namespace holding itself) when it ends. Python's garbage collector does
/// this for the reference.
class ContainerRegistry {
public:
  ContainerRegistry();
  ~ContainerRegistry(); ///< clears every container still alive
  ContainerRegistry(const ContainerRegistry &) = delete;
  ContainerRegistry &operator=(const ContainerRegistry &) = delete;

  static void track(const std::shared_ptr<List> &l);
  static void track(const std::shared_ptr<Dict> &d);
  static void track(const std::shared_ptr<Namespace> &n);

private:
  template <typename T> void add(std::vector<std::weak_ptr<T>> &v, const std::shared_ptr<T> &p);
  std::vector<std::weak_ptr<List>> lists_;
  std::vector<std::weak_ptr<Dict>> dicts_;
  std::vector<std::weak_ptr<Namespace>> namespaces_;
  ContainerRegistry *previous_;
};

/// Python `str(v)` and `repr(v)`.
/// `{{ x }}` prints `str(x)`: floats as Python's shortest repr, containers
/// as their repr (spec section 4.3).
std::string toStr(const Value &v);
std::string toRepr(const Value &v);
/// Python truthiness. The caller handles undefined values.
bool truthy(const Value &v);
/// Python `==` for values (numbers across int/float/bool, deep for containers).
bool equals(const Value &a, const Value &b);
/// Whether a value can be a dict key (no list/dict/namespace inside).
bool hashable(const Value &v);
/// Python-compatible hash: equal values hash equally.
size_t hashValue(const Value &v);

} // namespace fgcc::render
