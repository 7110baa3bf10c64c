//===- LowerModel.cpp - Phase "lower": a config's model -> a ModelPlan -----===//
//
// Walks the model subgraph from its root in argument order and decides, for
// every node, what C++ it becomes (see ModelPlan.h). The types come from the
// manifest: each argument is converted for the exact parameter type it
// binds, so an `int` in the YAML becomes `256` for an `int64_t` and `256.0`
// for a `double`, and a partial becomes a lambda with the parameter list of
// the std::function that receives it.
//
// The checker has already accepted the config; what is reported here is
// what a config can say but generated C++ cannot express yet (a meta node
// inside a model, a partial where a module is needed, ...).
//
//===----------------------------------------------------------------------===//
#include "lower/ModelPlan.h"
#include "lower/LowerPipeline.h"

#include "load/Project.h"
#include "support/CppText.h"
#include "support/PyPath.h"
#include "support/PyText.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

namespace fgcc::lower {

using graph::Kind;
using graph::Node;

namespace {

// ---------------------------------------------------------------------------
// C++ types as the manifest spells them

/// `const T &` -> `T`.
std::string bareType(std::string t) {
  if (t.rfind("const ", 0) == 0)
    t = t.substr(6);
  while (!t.empty() && (t.back() == '&' || t.back() == ' '))
    t.pop_back();
  return t;
}

/// The template argument text of `prefix<...>`, or empty.
std::string templateArg(const std::string &type, const std::string &prefix) {
  if (type.rfind(prefix + "<", 0) != 0 || type.back() != '>')
    return "";
  return type.substr(prefix.size() + 1, type.size() - prefix.size() - 2);
}

/// Splits `A, B<C, D>, E` at the top-level commas.
std::vector<std::string> splitTopLevel(const std::string &list) {
  std::vector<std::string> parts;
  std::string cur;
  int depth = 0;
  for (char c : list) {
    depth += (c == '<' || c == '(') - (c == '>' || c == ')');
    if (c == ',' && depth == 0) {
      parts.push_back(py::strip(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!py::strip(cur).empty())
    parts.push_back(py::strip(cur));
  return parts;
}

/// The element type of an optional, or empty when `type` is not one.
std::string optionalOf(const std::string &type) {
  std::string inner = templateArg(type, "c10::optional");
  return inner.empty() ? templateArg(type, "std::optional") : inner;
}

/// `T` of a `std::vector<std::shared_ptr<T>>`: a list of objects the program
/// builds and hands on (a trainer's callbacks); else empty.
std::string sharedListElementOf(const std::string &type) {
  std::string element = templateArg(type, "std::vector");
  return element.empty() ? "" : templateArg(py::strip(element), "std::shared_ptr");
}

/// Whether every item of a non-empty list is a call: a list of objects
/// (MultioptRoute singletons), not of literals.
bool isListOfCalls(const Node &list) {
  return !list.items.empty() &&
         std::all_of(list.items.begin(), list.items.end(), [](const Node *item) { return item->isCallable(); });
}

/// `TextgenCallback` -> `textgen_callback`: a local's name from its class.
std::string snakeCaseName(const std::string &cppName) {
  size_t colon = cppName.rfind(':');
  std::string name = colon == std::string::npos ? cppName : cppName.substr(colon + 1), out;
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (std::isupper(c) && i > 0 && !std::isupper(static_cast<unsigned char>(name[i - 1])))
      out += '_';
    out += static_cast<char>(std::tolower(c));
  }
  return out;
}

/// The element type of the list-like parameter types a YAML list fills,
/// or empty.
std::string listElementOf(const std::string &type) {
  if (std::string e = templateArg(type, "std::vector"); !e.empty())
    return e;
  if (std::string e = templateArg(type, "torch::ExpandingArray"); !e.empty()) {
    auto parts = splitTopLevel(e);
    return parts.size() > 1 ? parts[1] : "int64_t";
  }
  for (const char *ref : {"at::IntArrayRef", "c10::IntArrayRef", "torch::IntArrayRef", "at::ArrayRef<int64_t>",
                          "c10::ArrayRef<int64_t>"})
    if (type == ref)
      return "int64_t";
  return "";
}

bool isIntType(const std::string &t) {
  static const std::set<std::string> ints = {"int64_t", "int",      "int32_t", "long",     "size_t",
                                             "uint64_t", "uint32_t", "short",   "unsigned", "long long"};
  return ints.count(t) > 0;
}
bool isFloatType(const std::string &t) { return t == "double" || t == "float"; }
bool isStringType(const std::string &t) {
  return t == "std::string" || t == "c10::string_view" || t == "std::string_view";
}

/// A `std::function<R (A, B)>` split into R and its parameter types;
/// false when `type` is not one.
bool parseFunctionType(const std::string &type, std::string &result, std::vector<std::string> &params) {
  std::string sig = templateArg(type, "std::function");
  size_t open = sig.find('(');
  if (sig.empty() || open == std::string::npos || sig.back() != ')')
    return false;
  result = py::strip(sig.substr(0, open));
  std::string list = sig.substr(open + 1, sig.size() - open - 2);
  params = list == "void" ? std::vector<std::string>{} : splitTopLevel(list);
  return true;
}

// ---------------------------------------------------------------------------
// Literals

/// Python's shortest repr, which is also a valid C++ double literal once it
/// has a `.` or an exponent; infinities and NaN need the library.
std::string cppDouble(double x) {
  if (std::isnan(x))
    return "std::numeric_limits<double>::quiet_NaN()";
  if (std::isinf(x))
    return x > 0 ? "std::numeric_limits<double>::infinity()" : "-std::numeric_limits<double>::infinity()";
  return py::floatRepr(x);
}

/// `"fan_in"` -> `torch::kFanIn`: LibTorch's enum values for the string
/// choices the manifest lists.
std::string cppEnum(const std::string &choice) {
  std::string out = "torch::k";
  bool upper = true;
  for (char c : choice) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

// ---------------------------------------------------------------------------
// The lowering

/// The value of target `key` of the config's root mapping, or null.
const Node *targetNode(const resolve::TypedGraph &typed, const std::string &key) {
  const Node *root = typed.graph->root;
  if (!root || root->kind != Kind::Dict)
    return nullptr;
  for (const auto &[k, v] : root->entries)
    if (k->kind == Kind::Str && k->str == key)
      return v;
  return nullptr;
}

/// Thrown to abandon one argument after its diagnostic was reported; the
/// walk goes on with the next, so one run reports every problem.
struct Unsupported {};

class ModelLowering {
public:
  ModelLowering(const resolve::TypedGraph &typed, const LowerOptions &options, const yaml::PpLocator &where,
                DiagnosticEngine &diags)
      : typed_(typed), options_(options), where_(where), diags_(diags) {}

  ModelPlan run() {
    plan_.configName = options_.configName;
    const Node *root = findRoot();
    if (!root)
      return plan_;
    return runFrom(*root, plan_.target);
  }

  /// Lowers the model whose root is `rootNode`, named `target` in the plan.
  ModelPlan runFrom(const Node &rootNode, const std::string &target) {
    plan_.configName = options_.configName;
    plan_.target = target;
    const Node *root = &rootNode;
    const resolve::Resolution *r = componentOf(*root);
    if (!r || root->callKind != graph::CallKind::Singleton || r->component->kind != "module_holder") {
      diags_.report(where_.error(root->mark, "the model target '" + plan_.target +
                                                 "' must be a !singleton of a module (a torch::nn::ModuleHolder)"));
      return plan_;
    }
    plan_.name = cpp::identifier(plan_.target);
    plan_.rootClass = r->cppName;
    try {
      singletonLocal(*root, root->hasName ? root->explicitName : plan_.target);
    } catch (const Unsupported &) {
    }
    plan_.headers.assign(headers_.begin(), headers_.end());
    return plan_;
  }

  /// Lowers the program whose root is `root`, a singleton whose options
  /// object is the result: the trainer's options. `externals` are nodes built
  /// elsewhere (the model), named by a local the program already has.
  ModelPlan runProgram(const Node &root, const std::string &target,
                       const std::map<const Node *, std::string> &externals) {
    plan_.configName = options_.configName;
    plan_.target = target;
    plan_.name = cpp::identifier(target);
    for (const auto &[node, name] : externals) {
      singletons_[node] = name;
      usedNames_.insert(name);
    }
    const resolve::Resolution *r = componentOf(root);
    if (!r || root.callKind != graph::CallKind::Singleton || !r->signature->options) {
      diags_.report(where_.error(root.mark, "the target '" + target +
                                                "' must be a !singleton of a component built from options"));
      return plan_;
    }
    try {
      singletonLocal(root, root.hasName ? root.explicitName : target);
      // The program returns the options; the runtime builds the object
      // once the command line has had its say.
      Construction &c = plan_.locals.back().construction;
      c.component = c.options;
      c.optionsOnly = true;
      plan_.rootClass = c.component;
    } catch (const Unsupported &) {
    }
    plan_.headers.assign(headers_.begin(), headers_.end());
    return plan_;
  }

private:
  /// The model's root: the requested target, else `model`, else a node
  /// named `model`, else `main`.
  const Node *findRoot() {
    auto target = [&](const std::string &key) { return targetNode(typed_, key); };
    if (!options_.target.empty()) {
      plan_.target = options_.target;
      if (const Node *n = target(options_.target))
        return n;
      diags_.report(Diagnostic{Severity::Error, {}, "the config has no target '" + options_.target + "'", {}});
      return nullptr;
    }
    if (const Node *n = target("model")) {
      plan_.target = "model";
      return n;
    }
    for (const Node &n : typed_.graph->nodes())
      if (n.isCallable() && n.hasName && n.explicitName == "model" && typed_.calls.count(&n)) {
        plan_.target = "model";
        return &n;
      }
    if (const Node *n = target("main")) {
      plan_.target = "main";
      return n;
    }
    diags_.report(Diagnostic{Severity::Error, {}, "the config has no model: no target 'model' or 'main' and no node "
                                                  "named @model",
                             {}});
    return nullptr;
  }

  void fail(const Node &at, const std::string &message) {
    diags_.report(where_.error(at.mark, message));
    throw Unsupported{};
  }

  /// The component a call resolved to, or null (built-ins, meta, unknown).
  const resolve::Resolution *componentOf(const Node &n) const {
    auto it = typed_.calls.find(&n);
    if (it == typed_.calls.end() || it->second.target != resolve::Target::Component || !it->second.signature)
      return nullptr;
    return &it->second;
  }

  /// `models/llama.yaml:14`: the writing template's path relative to the
  /// search directory it was found in, which does not depend on where the
  /// project or fgcc are installed.
  std::string origin(const Node &n) const {
    if (!n.loc.valid())
      return "";
    std::string path = absolutePath(n.loc.file->path());
    for (const std::string &dir : options_.searchPath) {
      std::string d = pypath::normpath(absolutePath(dir));
      if (path.rfind(d + "/", 0) == 0) {
        path = path.substr(d.size() + 1);
        break;
      }
    }
    return path + ":" + std::to_string(n.loc.line);
  }

  /// A fresh local name: the wanted one, else with a numeric suffix.
  std::string freshName(const std::string &wanted) {
    std::string base = cpp::identifier(wanted), name = base;
    for (int i = 2; !usedNames_.insert(name).second; ++i)
      name = base + "_" + std::to_string(i);
    return name;
  }

  /// Declares a singleton as a local (once; later uses name it).
  std::string singletonLocal(const Node &n, const std::string &nameHint) {
    if (auto it = singletons_.find(&n); it != singletons_.end())
      return it->second;
    const resolve::Resolution *r = componentOf(n);
    if (!r)
      fail(n, "'" + n.spec + "' cannot be used in generated model code: only components of the manifest can");
    Local local;
    local.kind = Local::Kind::Singleton;
    local.node = &n;
    local.construction = construct(n, *r, {});
    local.name = freshName(n.hasName ? n.explicitName : nameHint);
    singletons_[&n] = local.name;
    plan_.locals.push_back(std::move(local));
    return plan_.locals.back().name;
  }

  /// Declares a partial as a lambda for a receiver that calls it with
  /// `paramTypes` and expects `resultType` back.
  std::string partialLocal(const Node &n, const std::string &nameHint, const std::string &resultType,
                           const std::vector<std::string> &paramTypes) {
    std::string key = std::to_string(n.id) + "/" + resultType + "/" + std::to_string(paramTypes.size());
    if (auto it = partials_.find(key); it != partials_.end())
      return it->second;
    const resolve::Resolution *r = componentOf(n);
    if (!r)
      fail(n, "'" + n.spec + "' cannot be used in generated model code: only components of the manifest can");
    const resolve::Signature &sig = *r->signature;
    // The open parameters in order take the lambda's arguments (the
    // checker has verified that they fit).
    std::set<std::string> bound;
    for (size_t i = 0; i < n.args.size() && i < sig.positional.size(); ++i)
      bound.insert(sig.positional[i].name);
    for (const graph::KeywordArg &kw : n.kwargs)
      bound.insert(kw.name);
    Local local;
    local.kind = Local::Kind::Partial;
    local.node = &n;
    local.returnType = resultType;
    std::map<std::string, std::string> open;
    for (const resolve::Param &p : sig.positional) {
      if (local.params.size() == paramTypes.size())
        break;
      if (!bound.count(p.name)) {
        local.params.emplace_back(paramTypes[local.params.size()], cpp::identifier(p.name));
        open[p.name] = cpp::identifier(p.name);
      }
    }
    if (local.params.size() != paramTypes.size())
      fail(n, "partial " + r->cppName + " cannot take the " + std::to_string(paramTypes.size()) +
                  " arguments its receiver passes");
    local.construction = construct(n, *r, open);
    local.construction.anyModule = bareType(resultType) == "torch::nn::AnyModule";
    local.construction.makeUnique = !templateArg(bareType(resultType), "std::unique_ptr").empty();
    local.name = freshName(n.hasName ? n.explicitName : nameHint);
    partials_[key] = local.name;
    plan_.locals.push_back(std::move(local));
    return plan_.locals.back().name;
  }

  /// The construction of call `n`: its arguments bound to the signature
  /// (positionals first, then keywords), split into the options' constructor
  /// arguments and setters. `open` maps parameters a lambda supplies to the
  /// lambda's parameter names.
  Construction construct(const Node &n, const resolve::Resolution &r, const std::map<std::string, std::string> &open) {
    const resolve::Signature &sig = *r.signature;
    Construction c;
    c.component = r.cppName;
    c.configSpec = n.spec;
    c.header = r.component->header;
    c.origin = origin(n);
    c.optionsOnly = r.component->kind == "options";
    c.takesParameters = sig.takesParameters;
    if (sig.options && sig.options != r.component)
      c.options = sig.options->name;
    noteHeader(r.component->header);
    // Bind the call's values by parameter name.
    std::map<std::string, const Node *> given;
    for (size_t i = 0; i < n.args.size() && i < sig.positional.size(); ++i)
      given[sig.positional[i].name] = n.args[i];
    for (const graph::KeywordArg &kw : n.kwargs)
      given[kw.name] = kw.value;
    auto paramOf = [&](const std::string &name) -> const resolve::Param * {
      for (const resolve::Param &p : sig.keywords)
        if (p.name == name)
          return &p;
      return nullptr;
    };
    // Constructor arguments, in order; a defaulted one that is not given
    // keeps its default, written out so the call stays positional.
    std::set<std::string> inCtor;
    size_t lastNeeded = 0;
    for (size_t i = 0; i < sig.positional.size(); ++i)
      if (given.count(sig.positional[i].name) || open.count(sig.positional[i].name) ||
          !sig.positional[i].defaultText)
        lastNeeded = i + 1;
    for (size_t i = 0; i < lastNeeded; ++i) {
      const resolve::Param &p = sig.positional[i];
      NamedArg arg{p.name, p.type, {}};
      if (auto o = open.find(p.name); o != open.end())
        arg.value = ArgValue{ArgValue::Kind::Parameter, o->second, nullptr, ""};
      else if (auto g = given.find(p.name); g != given.end())
        arg.value = value(*g->second, p, n);
      else
        arg.value = ArgValue{ArgValue::Kind::Literal, *p.defaultText, nullptr, ""};
      inCtor.insert(p.name);
      c.ctorArgs.push_back(std::move(arg));
    }
    // The remaining keywords become TORCH_ARG setters, in config order.
    for (const graph::KeywordArg &kw : n.kwargs) {
      if (inCtor.count(kw.name))
        continue;
      const resolve::Param *p = paramOf(kw.name);
      if (!p)
        fail(*kw.value, "unknown keyword argument '" + kw.name + "' for " + r.cppName);
      if (!sig.options)
        fail(*kw.value, r.cppName + " has no options class, so '" + kw.name +
                            "' cannot be set after construction in generated code");
      c.setters.push_back(NamedArg{p->name, p->type, value(*kw.value, *p, n)});
    }
    return c;
  }

  void noteHeader(const std::string &header) {
    // LibTorch's own components come with <torch/torch.h>.
    if (header.rfind("torch/", 0) != 0 && header.find("/torch/") == std::string::npos && !header.empty())
      headers_.insert(header);
  }

  /// The value of argument `v` for parameter `p` of the call `owner`.
  ArgValue value(const Node &v, const resolve::Param &p, const Node &owner) {
    return valueOfType(v, bareType(p.type), p, owner);
  }

  ArgValue valueOfType(const Node &v, const std::string &type, const resolve::Param &p, const Node &owner) {
    if (v.kind == Kind::Var)
      return var(v, type, p, owner);
    if (std::string inner = optionalOf(type); !inner.empty()) {
      if (v.kind == Kind::Null)
        return ArgValue{ArgValue::Kind::Literal, "c10::nullopt", nullptr, "null"};
      return valueOfType(v, bareType(inner), p, owner);
    }
    if (v.isCallable())
      return callableValue(v, type, p);
    if ((v.kind == Kind::List || v.kind == Kind::Tuple) && !sharedListElementOf(type).empty())
      return objectList(v, p, /*shared=*/true);
    if ((v.kind == Kind::List || v.kind == Kind::Tuple) && isListOfCalls(v))
      return objectList(v, p, /*shared=*/false);
    return literal(v, type, p);
  }

  /// A list of objects: each item a !singleton (one object, however many
  /// places name it) or a !factory. `shared`: a list of shared_ptr (a
  /// trainer's `callbacks:`), each built with std::make_shared; else the
  /// objects themselves (Multiopt's `routes:`), copied into the list.
  /// Whether each is of the element class is left to the C++ compiler.
  ArgValue objectList(const Node &list, const resolve::Param &p, bool shared) {
    ArgValue out{ArgValue::Kind::List, "", nullptr, ""};
    std::string elementClass;
    for (const Node *item : list.items) {
      const resolve::Resolution *r = item->isCallable() ? componentOf(*item) : nullptr;
      if (!r || item->callKind == graph::CallKind::Partial)
        fail(*item, "each item of '" + p.name + "' (" + p.type +
                        ") must be a !singleton or !factory of a component of the manifest");
      // Objects by value are spelled as a vector of their class, which a
      // braced list passed through std::make_unique needs.
      if (!shared && !elementClass.empty() && elementClass != r->cppName)
        fail(*item, "the items of '" + p.name + "' (" + p.type + ") must all be of one class, not " + elementClass +
                        " and " + r->cppName);
      if (!shared) {
        elementClass = r->cppName;
        out.text = "std::vector<" + elementClass + ">";
      }
      if (item->callKind == graph::CallKind::Factory) {
        auto c = std::make_shared<Construction>(construct(*item, *r, {}));
        c->makeShared = shared;
        out.items.push_back(ArgValue{ArgValue::Kind::Inline, "", c, ""});
        continue;
      }
      std::string name = singletonLocal(*item, snakeCaseName(r->cppName));
      for (Local &local : plan_.locals)
        if (local.name == name && shared)
          local.construction.makeShared = true;
      out.items.push_back(ArgValue{ArgValue::Kind::Local, name, nullptr, ""});
    }
    return out;
  }

  /// A call as an argument: a singleton's local, a partial's lambda, or a
  /// factory built in place.
  ArgValue callableValue(const Node &v, const std::string &type, const resolve::Param &p) {
    const resolve::Resolution *r = componentOf(v);
    if (!r)
      fail(v, "'" + v.spec + "' cannot be used in generated model code: only components of the manifest can");
    std::string result;
    std::vector<std::string> params;
    bool wantsFunction = parseFunctionType(type, result, params);
    if (v.callKind == graph::CallKind::Partial) {
      if (!wantsFunction)
        fail(v, "a partial is passed to '" + p.name + "' (" + p.type + "), which is not a std::function");
      return ArgValue{ArgValue::Kind::Local, partialLocal(v, p.name, result, params), nullptr, ""};
    }
    if (wantsFunction)
      fail(v, "'" + p.name + "' (" + p.type + ") calls its argument: pass a !partial, not a " +
                  (v.callKind == graph::CallKind::Factory ? "!factory" : "!singleton"));
    bool anyModule = type == "torch::nn::AnyModule";
    if (v.callKind == graph::CallKind::Singleton) {
      std::string name = singletonLocal(v, p.name);
      return ArgValue{ArgValue::Kind::Local, name, nullptr, "", anyModule};
    }
    auto c = std::make_shared<Construction>(construct(v, *r, {}));
    c->anyModule = anyModule;
    return ArgValue{ArgValue::Kind::Inline, "", c, ""};
  }

  /// A `!var`: a field of the model's arguments, typed by its first use.
  ArgValue var(const Node &v, const std::string &type, const resolve::Param &p, const Node &owner) {
    std::string name = cpp::identifier(v.str);
    auto known = std::find_if(plan_.vars.begin(), plan_.vars.end(), [&](const ModelVar &m) { return m.name == name; });
    if (known != plan_.vars.end() && known->spelling != v.str)
      fail(v, "variables '" + known->spelling + "' and '" + v.str + "' are both '" + name +
                  "' in C++ and on the command line: rename one");
    if (known == plan_.vars.end()) {
      ModelVar mv{name, type, {}, v.str};
      if (v.hasDefault && v.defaultValue)
        mv.defaultValue = valueOfType(*v.defaultValue, type, p, owner);
      plan_.vars.push_back(std::move(mv));
    } else if (known->type != type) {
      fail(v, "variable '" + v.str + "' is used as " + known->type + " and as " + type);
    }
    return ArgValue{ArgValue::Kind::Var, "args." + name, nullptr, ""};
  }

  /// A YAML value written as a C++ literal of `type`.
  ArgValue literal(const Node &v, const std::string &type, const resolve::Param &p) {
    auto lit = [](std::string text, std::string json) {
      return ArgValue{ArgValue::Kind::Literal, std::move(text), nullptr, std::move(json)};
    };
    if (isIntType(type) && v.kind == Kind::Int)
      return lit(std::to_string(v.intValue), std::to_string(v.intValue));
    if (isFloatType(type) && (v.kind == Kind::Int || v.kind == Kind::Float)) {
      double x = v.kind == Kind::Int ? static_cast<double>(v.intValue) : v.floatValue;
      std::string json = std::isfinite(x) ? py::floatRepr(x) : "null";
      return lit(cppDouble(x), json);
    }
    if (type == "bool" && v.kind == Kind::Bool)
      return lit(v.boolValue ? "true" : "false", v.boolValue ? "true" : "false");
    if (v.kind == Kind::Str && p.category == "enum")
      return lit(cppEnum(v.str), jsonString(v.str));
    if (isStringType(type) && v.kind == Kind::Str)
      return lit(cpp::stringLiteral(v.str), jsonString(v.str));
    std::string element = listElementOf(type);
    if (!element.empty() && (v.kind == Kind::List || v.kind == Kind::Tuple || v.kind == Kind::Int)) {
      // An expanding array also takes one int for all its dimensions.
      std::vector<const Node *> items = v.kind == Kind::Int ? std::vector<const Node *>{&v}
                                                             : std::vector<const Node *>(v.items.begin(), v.items.end());
      std::string text = "{", json = "[";
      for (size_t i = 0; i < items.size(); ++i) {
        ArgValue item = literal(*items[i], bareType(element), p);
        text += (i ? ", " : "") + item.text;
        json += (i ? ", " : "") + item.json;
      }
      return lit(text + "}", json + "]");
    }
    fail(v, "cannot write this value as " + p.type + " for argument '" + p.name + "' in generated code");
    return {};
  }

  static std::string jsonString(const std::string &s) { return nlohmann::json(s).dump(); }

  const resolve::TypedGraph &typed_;
  const LowerOptions &options_;
  const yaml::PpLocator &where_;
  DiagnosticEngine &diags_;
  ModelPlan plan_;
  std::map<const Node *, std::string> singletons_;
  std::map<std::string, std::string> partials_;
  std::set<std::string> usedNames_;
  std::set<std::string> headers_;
};

/// One argument for the plan printer.
std::string printArg(const ArgValue &v) {
  if (v.kind == ArgValue::Kind::Inline)
    return "factory " + v.construction->component;
  if (v.kind == ArgValue::Kind::List) {
    std::string text;
    for (const ArgValue &item : v.items)
      text += (text.empty() ? "" : ", ") + printArg(item);
    return "[" + text + "]";
  }
  return v.text;
}

} // namespace

ModelPlan lowerModel(const resolve::TypedGraph &typed, const LowerOptions &options, const yaml::PpLocator &where,
                     DiagnosticEngine &diags) {
  return ModelLowering(typed, options, where, diags).run();
}

bool isTrainingConfig(const resolve::TypedGraph &typed) {
  const Node *main = targetNode(typed, "main");
  if (!main)
    return false;
  auto it = typed.calls.find(main);
  return it != typed.calls.end() && it->second.target == resolve::Target::Component &&
         it->second.cppName == kTrainerClass;
}

TrainPlan lowerTrainProgram(const resolve::TypedGraph &typed, const LowerOptions &options,
                            const yaml::PpLocator &where, DiagnosticEngine &diags) {
  TrainPlan plan;
  const Node *main = targetNode(typed, "main");
  const Node *model = nullptr;
  for (const graph::KeywordArg &kw : main->kwargs)
    if (kw.name == "model")
      model = kw.value;
  if (!model || !model->isCallable()) {
    diags.report(where.error(main->mark, "the trainer has no model: give it `model: *model`, a !singleton of a "
                                         "module"));
    return plan;
  }
  ModelLowering modelLowering(typed, options, where, diags);
  plan.model = modelLowering.runFrom(*model, "model");
  ModelLowering programLowering(typed, options, where, diags);
  plan.program = programLowering.runProgram(*main, "main", {{model, "model"}});
  lowerPipeline(typed, *main, where, diags, plan);
  return plan;
}

std::string printModelPlan(const ModelPlan &plan) {
  std::ostringstream out;
  out << "model " << plan.name << " : " << plan.rootClass << " (target " << plan.target << ")\n";
  for (const std::string &h : plan.headers)
    out << "header " << h << "\n";
  for (const ModelVar &v : plan.vars)
    out << "var " << v.name << " : " << v.type << (v.defaultValue.text.empty() ? " (required)" : " = " + v.defaultValue.text)
        << "\n";
  for (const Local &l : plan.locals) {
    const Construction &c = l.construction;
    out << "\n" << (l.kind == Local::Kind::Singleton ? "singleton " : "partial ") << l.name;
    if (l.kind == Local::Kind::Partial) {
      out << "(";
      for (size_t i = 0; i < l.params.size(); ++i)
        out << (i ? ", " : "") << l.params[i].first << " " << l.params[i].second;
      out << ") -> " << l.returnType;
    }
    out << " = " << c.component << "  [" << c.origin << "]\n";
    for (const NamedArg &a : c.ctorArgs)
      out << "  ctor " << a.name << " = " << printArg(a.value) << "\n";
    for (const NamedArg &a : c.setters)
      out << "  set " << a.name << " = " << printArg(a.value) << "\n";
  }
  return out.str();
}

} // namespace fgcc::lower
