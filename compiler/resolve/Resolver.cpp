//===- Resolver.cpp - Phase "resolve": callable specs -> components -------===//
#include "resolve/Resolver.h"

#include <map>
#include <set>
#include <unordered_set>

namespace fgcc::resolve {

namespace {

/// The reference's built-ins (spec section 8.5) and the Python built-ins a
/// generated program can express.
const std::set<std::string> kBuiltins = {
    "getitem", "getattr", "call",  "len",   "named_list", "named_dict", "named_tuple", "items", "keys",
    "values",  "list",    "dict",  "tuple", "str",        "int",        "float",       "bool",  "pow",
    "min",     "max",     "sum",   "range", "abs",        "round",      "sorted",      "reversed", "zip",
    "enumerate", "print"};

/// LibTorch factory functions a config may call (`!singleton:torch:randn
/// [2, 2]`); functions are not classes, so the manifest does not list them.
const std::set<std::string> kTorchFunctions = {"torch::randn", "torch::rand",   "torch::zeros",  "torch::ones",
                                               "torch::full",  "torch::arange", "torch::tensor", "torch::manual_seed",
                                               "torch::linspace", "torch::eye"};

/// Replaces every occurrence; used to map between `.` (config) and `::`
/// (C++) name separators.
std::string replaceAll(std::string s, const std::string &from, const std::string &to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

/// One walk over the graph, memoised by node identity (a node shared through
/// aliases is resolved once), filling a TypedGraph.
class Resolver {
public:
  Resolver(const Manifest &m, const yaml::PpLocator &where, DiagnosticEngine &diags, TypedGraph &out)
      : manifest_(m), where_(where), diags_(diags), out_(out) {}

  void visit(const graph::Node *n) {
    if (!n || !seen_.insert(n).second)
      return;
    switch (n->kind) {
    case graph::Kind::Callable:
      resolveCall(n);
      if (n->callKind == graph::CallKind::Meta)
        return; // a meta function receives its arguments unevaluated
      for (const graph::Node *a : n->args)
        visit(a);
      for (const graph::KeywordArg &k : n->kwargs)
        visit(k.value);
      visit(n->latentArgs);
      visit(n->submoduleSearchpath);
      break;
    case graph::Kind::Var:
      recordVar(n);
      visit(n->defaultValue);
      break;
    default:
      for (const graph::Node *c : n->items)
        visit(c);
      for (const auto &e : n->entries)
        visit(e.second);
      break;
    }
  }

private:
  /// Order matters: meta first (its spec names a function fgcc implements),
  /// then built-ins, LibTorch functions, and finally manifest components.
  void resolveCall(const graph::Node *n) {
    Resolution r;
    if (n->callKind == graph::CallKind::Meta) {
      r.target = Target::Meta;
      r.cppName = n->spec;
    // Built-ins are spelt without a module (spec section 8.5: no `:`).
    } else if (n->spec.find(':') == std::string::npos && kBuiltins.count(n->spec)) {
      r.target = Target::Builtin;
      r.cppName = n->spec;
    } else if (kTorchFunctions.count(cppNameOf(n->spec))) {
      r.target = Target::Builtin;
      r.cppName = cppNameOf(n->spec);
    } else if (const ClassInfo *c = lookup(n->spec)) {
      r.target = Target::Component;
      r.cppName = c->name;
      r.component = c;
      r.signature = manifest_.signature(*c);
      if (!r.signature)
        report(n, "'" + n->spec + "' names " + c->kind + " " + c->name + ", which a config cannot call" +
                      (c->kind == "module" ? " (name the module holder instead)" : ""));
    } else {
      reportUnknown(n);
    }
    out_.calls[n] = std::move(r);
  }

  /// A component by config spec, C++ name, or header file spec (the symbol
  /// of a scanned user header, qualified or not).
  const ClassInfo *lookup(const std::string &spec) const {
    if (!headerOfSpec(spec).empty())
      return manifest_.findLoose(replaceAll(spec.substr(spec.rfind(':') + 1), ".", "::"));
    std::string cpp = cppNameOf(spec);
    // Modules PyTorch has and LibTorch 1.13 lacks come from the model library.
    static const std::map<std::string, std::string> kSubstitutes = {{"torch::nn::RMSNorm", "fgcc::nn::RMSNorm"}};
    if (auto sub = kSubstitutes.find(cpp); sub != kSubstitutes.end() && !manifest_.find(cpp))
      cpp = sub->second;
    return manifest_.find(cpp);
  }

  /// A bare name is reported with the reference's message for a missing
  /// built-in (spec section 8.5); a module spec gets the closest component,
  /// spelt the way the user spelt theirs (config or C++ form).
  void reportUnknown(const graph::Node *n) {
    if (n->spec.find(':') == std::string::npos && n->spec.find("::") == std::string::npos &&
        n->spec.find('.') == std::string::npos) {
      report(n, "Built-in callable " + n->spec + " was not found");
      return;
    }
    std::vector<std::string> candidates;
    for (const std::string &name : manifest_.componentNames())
      candidates.push_back(n->spec.find("::") != std::string::npos ? name : configNameOf(name));
    std::string best = closestName(n->spec, candidates);
    report(n, "unknown component '" + n->spec + "'" + (best.empty() ? "" : "; did you mean '" + best + "'?"));
  }

  /// The first use of a name fixes its position among the program's
  /// parameters; a later use may supply the default the first one lacked.
  void recordVar(const graph::Node *n) {
    for (ProgramVar &v : out_.vars) {
      if (v.name != n->str)
        continue;
      if (!v.defaultValue && n->hasDefault)
        v.defaultValue = n->defaultValue;
      return;
    }
    out_.vars.push_back({n->str, n->hasDefault ? n->defaultValue : nullptr, n});
  }

  void report(const graph::Node *n, const std::string &message) { diags_.report(where_.error(n->mark, message)); }

  const Manifest &manifest_;
  const yaml::PpLocator &where_;
  DiagnosticEngine &diags_;
  TypedGraph &out_;
  std::unordered_set<const graph::Node *> seen_;
};

} // namespace

/// `module:symbol` -> `module::symbol` with dots as `::`. A spec with more
/// than one `:` or no module is not an import spec (spec section 8.5).
std::string cppNameOf(const std::string &spec) {
  if (spec.find("::") != std::string::npos)
    return spec;
  size_t colon = spec.find(':');
  if (colon == std::string::npos) // a dotted built-in such as torch.nn.SiLU
    return replaceAll(spec, ".", "::");
  std::string module = spec.substr(0, colon), symbol = spec.substr(colon + 1);
  if (module.empty() || spec.find(':', colon + 1) != std::string::npos)
    return "";
  // Relative modules (`.causal_multihead_attn:CausalMultiheadAttn`) name
  // fgcc's model library, whose components live in fgcc::nn.
  if (module[0] == '.')
    return "fgcc::nn::" + replaceAll(symbol, ".", "::");
  return replaceAll(module, ".", "::") + "::" + replaceAll(symbol, ".", "::");
}

/// `CausalMultiheadAttn` -> `causal_multihead_attn` (the model library's
/// file names, which the reference's specs use as module names).
std::string snakeCase(const std::string &name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool upper = std::isupper(static_cast<unsigned char>(c));
    bool boundary = upper && i > 0 &&
                    (std::islower(static_cast<unsigned char>(name[i - 1])) ||
                     (i + 1 < name.size() && std::islower(static_cast<unsigned char>(name[i + 1]))));
    if (boundary)
      out += '_';
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

/// The reference loads `path.py:Symbol` from a file (spec section 8.5);
/// fgcc's counterpart is a C++ header holding the component.
std::string headerOfSpec(const std::string &spec) {
  size_t colon = spec.rfind(':');
  // `a::b` is a C++ name, not `<header>:<symbol>`.
  if (colon == std::string::npos || colon == 0 || spec[colon - 1] == ':')
    return "";
  std::string module = spec.substr(0, colon);
  for (const char *ext : {".hpp", ".h", ".hh", ".hxx"}) {
    size_t n = std::char_traits<char>::length(ext);
    if (module.size() > n && module.compare(module.size() - n, n, ext) == 0)
      return module;
  }
  return "";
}

/// The inverse of cppNameOf, used to suggest names in the user's spelling.
std::string configNameOf(const std::string &cppName) {
  if (cppName.rfind("fgcc::nn::", 0) == 0) // the model library: `.snake_case:Name`
    return "." + snakeCase(cppName.substr(10)) + ":" + cppName.substr(10);
  size_t last = cppName.rfind("::");
  if (last == std::string::npos)
    return cppName;
  return replaceAll(cppName.substr(0, last), "::", ".") + ":" + cppName.substr(last + 2);
}

/// Entry point of the "resolve" phase.
TypedGraph resolveGraph(const graph::Graph &graph, const Manifest &manifest, const yaml::PpLocator &where,
                        DiagnosticEngine &diags) {
  TypedGraph out;
  out.graph = &graph;
  Resolver resolver(manifest, where, diags, out);
  resolver.visit(graph.root);
  return out;
}

} // namespace fgcc::resolve
