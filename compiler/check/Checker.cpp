//===- Checker.cpp - Phase "check": config mistakes before anything runs --===//
#include "check/Checker.h"

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace fgcc::check {

using graph::Kind;
using graph::Node;
using resolve::Param;

namespace {

/// How a config value is named in "expected X, got Y" messages: scalars
/// with their Python repr (spec section 4.3), containers and nodes by kind.
std::string describeValue(const Node &v) {
  switch (v.kind) {
  case Kind::Null:
    return "None";
  case Kind::Bool:
    return "bool " + graph::scalarRepr(v);
  case Kind::Int:
    return "int " + graph::scalarRepr(v);
  case Kind::Float:
    return "float " + graph::scalarRepr(v);
  case Kind::Str:
    return "str " + graph::scalarRepr(v);
  case Kind::List:
    return "a list";
  case Kind::Tuple:
    return "a tuple";
  case Kind::Dict:
    return "a mapping";
  default:
    return "a node";
  }
}

/// Whether `v` is a list or tuple (in YAML the two are written alike) whose
/// every item satisfies `ok`; any other kind fails.
bool allItems(const Node &v, bool (*ok)(const Node &)) {
  if (v.kind != Kind::List && v.kind != Kind::Tuple)
    return false;
  return std::all_of(v.items.begin(), v.items.end(), [&](const Node *i) { return ok(*i); });
}

/// An integer passes where a float is wanted, as in Python; a bool does
/// not count as an int here, although Python's bool subclasses int.
bool isInt(const Node &v) { return v.kind == Kind::Int; }
bool isNumber(const Node &v) { return v.kind == Kind::Int || v.kind == Kind::Float; }
/// Calls and vars have no static value type here; they are checked where
/// their own arguments are.
bool isDynamic(const Node &v) { return v.kind == Kind::Callable || v.kind == Kind::Var; }

/// Whether `v` can be passed as a parameter of the manifest's coarse type
/// `category`. Deliberately permissive: a category the checker does not
/// model ("other") and any call or var result are accepted unchecked.
bool fitsCategory(const Node &v, const std::string &category, const std::vector<std::string> &choices) {
  if (isDynamic(v))
    return true;
  // `optional:<c>` is std::optional<c>: None, or whatever <c> accepts.
  if (category.rfind("optional:", 0) == 0)
    return v.kind == Kind::Null || fitsCategory(v, category.substr(9), choices);
  if (category == "int")
    return isInt(v);
  if (category == "float")
    return isNumber(v);
  if (category == "bool")
    return v.kind == Kind::Bool;
  if (category == "string")
    return v.kind == Kind::Str;
  // ExpandingArray parameters (kernel_size) take one int or one per dimension.
  if (category == "int_array")
    return isInt(v) || allItems(v, isInt);
  if (category == "float_array")
    return isNumber(v) || allItems(v, isNumber);
  if (category == "int_list")
    return allItems(v, isInt);
  if (category == "float_list")
    return allItems(v, isNumber);
  if (category == "tuple")
    return v.kind == Kind::List || v.kind == Kind::Tuple;
  if (category == "enum") {
    if (v.kind != Kind::Str)
      return false;
    if (choices.empty())
      return true;
    // Enum choices are the LibTorch names without the `k` (`FanIn`); match
    // case- and underscore-insensitively so the Python spelling `fan_in` fits.
    auto lower = [](std::string s) {
      std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
      s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
      return s;
    };
    for (const std::string &c : choices)
      if (lower(c) == lower(v.str))
        return true;
    return false;
  }
  // Tensors, modules and callables cannot be written as YAML scalars; of
  // the scalars only None ("not given") is accepted.
  if (category == "tensor" || category == "tensor_list" || category == "named_tensors" || category == "module" ||
      category == "callable")
    return !v.isScalar() || v.kind == Kind::Null;
  return true; // "other": no opinion
}

/// The "expected ..." half of a type mismatch: the category in words, then
/// the C++ type as the manifest wrote it, so the user sees both.
std::string expected(const Param &p) {
  std::string c = p.category;
  std::string what = c.rfind("optional:", 0) == 0 ? c.substr(9) + " or None" : c;
  if (c == "int_array")
    what = "an int or a list of ints";
  if (c == "enum" && !p.choices.empty()) {
    what = "one of";
    for (size_t i = 0; i < p.choices.size(); ++i)
      what += (i ? ", '" : " '") + p.choices[i] + "'";
  }
  return what + " (" + p.type + ")";
}

/// Checks every call that resolved to a manifest component against that
/// component's signature. Errors go to the DiagnosticEngine rather than
/// being thrown, so one run reports every mistake in the config.
class Checker {
public:
  Checker(const resolve::TypedGraph &typed, const yaml::PpLocator &where, DiagnosticEngine &diags)
      : typed_(typed), where_(where), diags_(diags) {}

  /// Built-ins and meta functions have no manifest signature; only
  /// component calls are checked.
  void run() {
    for (const auto &[node, resolution] : orderedCalls())
      if (resolution->target == resolve::Target::Component && resolution->signature)
        checkCall(*node, *resolution->signature);
  }

private:
  /// Calls in node-id order, so diagnostics come out in document order.
  std::vector<std::pair<const Node *, const resolve::Resolution *>> orderedCalls() const {
    std::vector<std::pair<const Node *, const resolve::Resolution *>> calls;
    for (const auto &[n, r] : typed_.calls)
      calls.emplace_back(n, &r);
    std::sort(calls.begin(), calls.end(), [](const auto &a, const auto &b) { return a.first->id < b.first->id; });
    return calls;
  }

  /// Reports at a pp-text mark, which the locator maps back to the template
  /// line that wrote it (spec section 12's "true file line").
  void report(yaml::Mark at, const std::string &message) { diags_.report(where_.error(at, message)); }

  /// Binds a call's arguments as Python would (positionals first, then
  /// keywords by name; spec section 7.3 for how YAML spells them) and reports
  /// surplus positionals, unknown or repeated keywords and missing required
  /// arguments.
  void checkCall(const Node &n, const resolve::Signature &sig) {
    const std::string &who = sig.component->name;
    std::vector<std::string> given;
    // Positional arguments bind to the signature's positional parameters.
    for (size_t i = 0; i < n.args.size(); ++i) {
      if (i >= sig.positional.size()) {
        report(n.args[i]->mark, "too many positional arguments for " + who + ": it takes " +
                                    std::to_string(sig.positional.size()) + ", got " + std::to_string(n.args.size()));
        break;
      }
      given.push_back(sig.positional[i].name);
      checkValue(*n.args[i], sig.positional[i], who);
    }
    // Synthetic keyword args have no key node; fall back to the call's mark.
    for (const graph::KeywordArg &kw : n.kwargs) {
      yaml::Mark at = kw.key ? kw.key->mark : n.mark;
      auto param = std::find_if(sig.keywords.begin(), sig.keywords.end(),
                                [&](const Param &p) { return p.name == kw.name; });
      if (param == sig.keywords.end()) {
        std::vector<std::string> names;
        for (const Param &p : sig.keywords)
          names.push_back(p.name);
        // Suggest the nearest accepted keyword (a misspelt option name).
        std::string best = closestName(kw.name, names);
        report(at, "unknown keyword argument '" + kw.name + "' for " + who +
                       (best.empty() ? "" : "; did you mean '" + best + "'?"));
        continue;
      }
      // Python's "got multiple values for argument": the keyword names a
      // parameter already bound by position.
      if (std::find(given.begin(), given.end(), kw.name) != given.end())
        report(at, who + " got multiple values for argument '" + kw.name + "'");
      given.push_back(kw.name);
      checkValue(*kw.value, *param, who);
    }
    // A partial is completed by whoever calls it; the others must be whole.
    if (n.callKind == graph::CallKind::Partial)
      return;
    for (const std::string &required : sig.required) {
      if (std::find(given.begin(), given.end(), required) == given.end())
        report(n.mark, "missing required argument '" + required + "' for " + who);
    }
  }

  /// A `std::function<R(A, B, ...)>` type as the checker reads it: R and
  /// the parameter types.
  struct FunctionType {
    std::string result;
    std::vector<std::string> params;
  };

  /// Parses the type text only; commas inside nested `<...>` or `(...)` do
  /// not separate parameters, and `()` / `(void)` mean zero. Nullopt when
  /// `type` is not a std::function.
  static std::optional<FunctionType> functionType(const std::string &type) {
    size_t f = type.find("function<");
    if (f == std::string::npos)
      return std::nullopt;
    size_t open = type.find('(', f), close = type.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close < open)
      return std::nullopt;
    FunctionType fn{type.substr(f + 9, open - f - 9), {}};
    std::string params = type.substr(open + 1, close - open - 1);
    if (params.find_first_not_of(" \t") == std::string::npos || params == "void")
      return fn;
    int depth = 0;
    std::string current;
    for (char ch : params) {
      depth += (ch == '<' || ch == '(') - (ch == '>' || ch == ')');
      if (ch == ',' && depth == 0) {
        fn.params.push_back(current);
        current.clear();
      } else {
        current += ch;
      }
    }
    fn.params.push_back(current);
    return fn;
  }

  /// The parameters category (resolve::isParametersCategory) of a receiver's
  /// argument type, from its text; empty for any other type.
  static std::string parametersCategoryOf(const std::string &type) {
    if (type.find("OrderedDict<") != std::string::npos)
      return "named_tensors";
    if (type.find("vector<torch::Tensor>") != std::string::npos || type.find("vector<at::Tensor>") != std::string::npos)
      return "tensor_list";
    return "";
  }

  /// How a parameters category hands over the parameters, in messages.
  static std::string parametersWording(const std::string &category) {
    return category == "named_tensors" ? "by name (named_tensors)" : "as a list (tensor_list)";
  }

  /// A receiver that wants an optimizer back must be given one; false
  /// after reporting that it was not.
  bool checkPartialResult(const Node &partial, const resolve::Signature &sig, const FunctionType &fn,
                          const std::string &receiver) {
    if (fn.result.find("torch::optim::Optimizer") == std::string::npos || sig.component->kind == "optimizer")
      return true;
    report(partial.mark, "partial " + sig.component->name + " is not an optimizer, but " + receiver +
                             " builds an optimizer with it");
    return false;
  }

  /// The receiver passes the parameters to optimise one way (a list, or by
  /// name) and the partial's open parameter must take them that way.
  void checkPartialParameters(const Node &partial, const resolve::Signature &sig,
                              const std::vector<std::string> &filled, const FunctionType &fn,
                              const std::string &receiver) {
    const std::string &callee = sig.component->name;
    for (size_t i = 0; i < filled.size() && i < fn.params.size(); ++i) {
      auto param = std::find_if(sig.positional.begin(), sig.positional.end(),
                                [&](const Param &p) { return p.name == filled[i]; });
      std::string passed = parametersCategoryOf(fn.params[i]);
      if (param == sig.positional.end() || passed.empty() || !resolve::isParametersCategory(param->category) ||
          param->category == passed)
        continue;
      report(partial.mark, "partial " + callee + " takes its parameters " + parametersWording(param->category) +
                               ", but " + receiver + " passes them " + parametersWording(passed));
    }
  }

  /// A partial passed where the receiver will call it with `arity`
  /// arguments: those arguments must fill exactly what the partial left open.
  void checkPartialArity(const Node &partial, const Param &param, const std::string &who, const FunctionType &fn) {
    const int arity = static_cast<int>(fn.params.size());
    auto found = typed_.calls.find(&partial);
    if (found == typed_.calls.end() || !found->second.signature)
      return;
    const resolve::Signature &sig = *found->second.signature;
    const std::string &callee = sig.component->name;
    std::vector<std::string> given;
    for (size_t i = 0; i < partial.args.size() && i < sig.positional.size(); ++i)
      given.push_back(sig.positional[i].name);
    for (const graph::KeywordArg &kw : partial.kwargs)
      given.push_back(kw.name);
    std::string receiver = "'" + param.name + "' of " + who;
    std::string context = receiver + " calls it with " + std::to_string(arity) + " argument" +
                          (arity == 1 ? "" : "s") + " (" + param.type + ")";
    if (!checkPartialResult(partial, sig, fn, receiver))
      return;
    // fgcc's partials fill the parameters they left unbound, in order (a
    // bound keyword does not shift the call's arguments, unlike Python's
    // functools.partial, which would raise "multiple values").
    std::vector<std::string> open;
    for (const Param &p : sig.positional)
      if (std::find(given.begin(), given.end(), p.name) == given.end())
        open.push_back(p.name);
    if (static_cast<size_t>(arity) > open.size()) {
      report(partial.mark, "partial " + callee + " takes at most " + std::to_string(open.size()) +
                               " more positional argument" + (open.size() == 1 ? "" : "s") + ", but " + context);
      return;
    }
    given.insert(given.end(), open.begin(), open.begin() + arity);
    for (const std::string &required : sig.required)
      if (std::find(given.begin(), given.end(), required) == given.end())
        report(partial.mark, "partial " + callee + " leaves required argument '" + required + "' unset, and " + context);
    checkPartialParameters(partial, sig, std::vector<std::string>(open.begin(), open.begin() + arity), fn, receiver);
  }

  /// Type-checks one bound argument; a partial handed to a std::function
  /// parameter is additionally checked against the arity it will be called
  /// with.
  void checkValue(const Node &value, const Param &param, const std::string &who) {
    if (value.isCallable() && value.callKind == graph::CallKind::Partial)
      if (std::optional<FunctionType> fn = functionType(param.type))
        checkPartialArity(value, param, who, *fn);
    const Node *v = &value;
    if (v->kind == Kind::Var && v->hasDefault)
      v = v->defaultValue; // the default is what runs unless overridden
    std::string why;
    if (!valueFits(*v, param, why))
      report(value.mark, "wrong type for argument '" + param.name + "' of " + who + ": " + why);
  }

  const resolve::TypedGraph &typed_;
  const yaml::PpLocator &where_;
  DiagnosticEngine &diags_;
};

} // namespace

/// The category test plus the wording of the mismatch message; the
/// Checker reports `why` at the offending value.
bool valueFits(const Node &value, const Param &param, std::string &why) {
  if (fitsCategory(value, param.category, param.choices))
    return true;
  why = "expected " + expected(param) + ", got " + describeValue(value);
  return false;
}

/// Entry point of the "check" phase; see Checker.
void checkTypedGraph(const resolve::TypedGraph &typed, const yaml::PpLocator &where, DiagnosticEngine &diags) {
  Checker(typed, where, diags).run();
}

} // namespace fgcc::check
