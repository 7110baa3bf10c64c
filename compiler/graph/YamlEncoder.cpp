//===- YamlEncoder.cpp - The graph as YAML (spec section 9.2) -------------===//
#include "graph/Encoders.h"

#include "support/PyText.h"
#include "support/YamlScalar.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

namespace fgcc::graph {

/// `alpha_` is digit 0, so index 24 is `beta_alpha_` (spec section 9.1):
/// the do/while gives index 0 one digit instead of none.
std::string generatedName(size_t index) {
  static const char *const digits[] = {"alpha",   "beta", "gamma", "delta", "epsilon", "zeta",
                                       "eta",     "theta", "iota", "kappa", "lambda",  "mu",
                                       "nu",      "xi",   "omicron", "pi",  "rho",     "sigma",
                                       "tau",     "upsilon", "phi", "chi",  "psi",     "omega"};
  std::vector<size_t> parts;
  do {
    parts.push_back(index % 24);
    index /= 24;
  } while (index);
  std::string name;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it)
    name += std::string(digits[*it]) + "_";
  return name;
}

namespace {

/// NodeNameDict (section 9.1): counts references to each callable in a
/// top-down walk, then names the explicitly named ones and those referenced
/// more than once, in order of first visit. Plain containers are walked
/// once; a later visit re-counts the callables reached through them, which
/// is what the reference's repeated walks amount to. Counts saturate at 2
/// (only "more than once" matters), so an alias bomb stays linear.
class Namer {
public:
  /// `withCaptured` also walks latent_args, submodule_searchpath and var
  /// defaults (the fixed dialect writes them, so their nodes need names).
  Namer(const Node *root, bool withCaptured) : withCaptured_(withCaptured) {
    if (root)
      visit(root, nullptr);
    size_t next = 0;
    for (const Node *n : order_) {
      if (n->hasName)
        names_[n] = n->explicitName;
      else if (count_[n] > 1)
        names_[n] = generatedName(next++);
    }
  }

  const std::string *name(const Node *n) const {
    auto it = names_.find(n);
    return it == names_.end() ? nullptr : &it->second;
  }

private:
  using Reached = std::unordered_map<const Node *, uint8_t>;

  /// Adds `k` references of callable `c` to a tally, saturating at 2.
  static void add(Reached &into, const Node *c, uint8_t k) {
    uint8_t &slot = into[c];
    slot = static_cast<uint8_t>(std::min(2, slot + k));
  }

  /// The reference's walk order (spec section 8.2), plus the captured values
  /// when they will be written.
  template <typename Fn> void children(const Node *n, Fn fn) {
    forEachChild(n, fn);
    if (!withCaptured_)
      return;
    for (const Node *extra : {n->latentArgs, n->submoduleSearchpath, n->defaultValue})
      if (extra)
        fn(extra);
  }

  /// Counts `n` and what it reaches. `sink` collects the callables reached
  /// through the enclosing container so that container's memo can replay
  /// them on its next visit instead of walking it again.
  void visit(const Node *n, Reached *sink) {
    if (n->isCallable()) {
      if (sink)
        add(*sink, n, 1);
      uint8_t &c = count_[n];
      bool first = c == 0;
      c = static_cast<uint8_t>(std::min(2, c + 1));
      // Like the reference: a repeated callable is counted but not re-entered.
      if (!first)
        return;
      order_.push_back(n);
      children(n, [&](const Node *ch) { visit(ch, nullptr); });
      return;
    }
    if (!n->isContainer() && !(withCaptured_ && n->kind == Kind::Var))
      return;
    auto memo = reached_.find(n);
    if (memo != reached_.end()) {
      for (const auto &[c, k] : memo->second) {
        count_[c] = static_cast<uint8_t>(std::min(2, count_[c] + k));
        if (sink)
          add(*sink, c, k);
      }
      return;
    }
    Reached reached;
    children(n, [&](const Node *ch) { visit(ch, &reached); });
    if (sink)
      for (const auto &[c, k] : reached)
        add(*sink, c, k);
    reached_.emplace(n, std::move(reached));
  }

  bool withCaptured_;
  std::unordered_map<const Node *, uint8_t> count_;
  std::vector<const Node *> order_;
  std::unordered_map<const Node *, Reached> reached_;
  std::unordered_map<const Node *, std::string> names_;
};

/// Counts how often each plain container is referenced (fixed dialect:
/// shared ones get an anchor).
/// Callables are counted too, only so that a shared callable's subtree is
/// walked once.
void countContainers(const Node *n, std::unordered_map<const Node *, size_t> &refs) {
  if ((n->isContainer() || n->kind == Kind::Var) && refs[n]++ > 0)
    return;
  if (n->isCallable() && refs[n]++ > 0)
    return;
  forEachChild(n, [&](const Node *c) { countContainers(c, refs); });
  if (n->isCallable()) {
    if (n->submoduleSearchpath)
      countContainers(n->submoduleSearchpath, refs);
    if (n->latentArgs)
      countContainers(n->latentArgs, refs);
  }
  if (n->kind == Kind::Var && n->defaultValue)
    countContainers(n->defaultValue, refs);
}

/// Writes `graph --format yaml` (spec section 9.2) in either dialect; see
/// Encoders.h for what the fixed dialect changes. `level` follows the
/// reference: it starts at -1 and each nested value is one level deeper.
class YamlEncoder {
public:
  YamlEncoder(const Graph &g, YamlDialect dialect, EncodeLimits limits)
      : g_(g), fixed_(dialect == YamlDialect::Fixed), limits_(limits), namer_(g.root, fixed_) {
    if (fixed_ && g.root)
      countContainers(g.root, refs_);
  }

  /// A mapping root gets the `.define:` section first; any other root has
  /// its named nodes anchored inline at their first occurrence.
  std::string run() {
    const Node *root = g_.root;
    if (!root)
      return fixed_ ? "null" : "None";
    std::string out;
    if (root->kind == Kind::Dict) {
      // Definitions first, in bottom-up order, at level 0.
      std::unordered_set<const Node *> walked;
      defineBottomUp(root, walked, out);
      for (const auto &e : root->entries)
        append(out, "\n" + key(*e.first) + ": " + encode(e.second, 0));
    } else {
      out = encode(root, -1);
    }
    // The reference strip()s its result (the CLI's print adds the newline).
    std::string text = py::strip(out);
    if (fixed_ && text.empty() && root->kind == Kind::Dict)
      return "{}"; // every key was a dot-key
    return text;
  }

private:
  /// Every write goes through here so the size limit bounds memory before
  /// an alias bomb can exhaust it.
  void append(std::string &out, const std::string &text) {
    if (out.size() + text.size() > limits_.maxBytes)
      throw FatalError(SourceLoc{}, "the encoded graph exceeds " + std::to_string(limits_.maxBytes >> 20) +
                                        " MiB (shared subgraphs repeated; the fixed dialect keeps them shared)");
    out += text;
  }

  /// Four spaces per level; the root's level -1 indents like level 0.
  static std::string indent(int level) { return std::string(static_cast<size_t>(level < 0 ? 0 : level) * 4, ' '); }

  /// The definitions section: every named callable, children before parents,
  /// each written once as `.define: &name ...` followed by a blank line.
  /// Skipping walked nodes changes nothing, since a node is defined once.
  void defineBottomUp(const Node *n, std::unordered_set<const Node *> &walked, std::string &out) {
    if (!walked.insert(n).second)
      return;
    forEachChild(n, [&](const Node *c) { defineBottomUp(c, walked, out); });
    if (fixed_) {
      for (const Node *captured : {n->submoduleSearchpath, n->latentArgs, n->defaultValue})
        if (captured)
          defineBottomUp(captured, walked, out);
    }
    if (n->isCallable() && namer_.name(n) && !defined_.count(n))
      append(out, ".define: " + encodeCallable(n, 0) + "\n\n");
  }

  //===--- values ---===//

  /// One value at `level`. Scalars are Python reprs in the Forgather dialect
  /// and YAML 1.1 scalars that read back identically in the fixed one.
  std::string encode(const Node *n, int level) {
    switch (n->kind) {
    case Kind::Null:
      return "null";
    case Kind::Bool:
      return n->boolValue ? "True" : "False";
    case Kind::Int:
      return std::to_string(n->intValue);
    case Kind::Float:
      return fixed_ ? yaml11::floatToYaml(n->floatValue) : py::floatRepr(n->floatValue);
    case Kind::Str:
      return string(n->str, level + 1);
    case Kind::List:
      // The reference writes an empty container as nothing (read back as
      // null); the fixed dialect writes `[]` / `{}`.
      if (fixed_ && n->items.empty())
        return shared(n, level, [] { return std::string("[]"); });
      return shared(n, level, [&] { return list(n->items, level + 1); });
    case Kind::Tuple:
      return shared(n, level, [&] { return "!tuple" + list(n->items, level + 1); });
    case Kind::Dict:
      if (fixed_ && n->entries.empty())
        return shared(n, level, [] { return std::string("{}"); });
      return shared(n, level, [&] { return dict(n->entries, level + 1); });
    case Kind::Var:
      return shared(n, level, [&] { return var(n, level + 1); });
    case Kind::Callable:
      return encodeCallable(n, level);
    // checkGraph rejects these before any encoding; write the text anyway.
    case Kind::Unsupported:
      return string(n->written, level + 1);
    }
    return "null";
  }

  /// Fixed dialect: a plain container referenced more than once is written
  /// with an anchor the first time and as an alias afterwards.
  template <typename Body> std::string shared(const Node *n, int, Body body) {
    if (!fixed_ || refs_[n] < 2)
      return body();
    auto it = containerAnchors_.find(n);
    if (it != containerAnchors_.end())
      return "*" + it->second;
    std::string anchor = "shared" + std::to_string(containerAnchors_.size() + 1) + "_";
    for (int k = 2; usedAnchors_.count(anchor); ++k)
      anchor = "shared" + std::to_string(containerAnchors_.size() + 1) + "_" + std::to_string(k);
    usedAnchors_.insert(anchor);
    containerAnchors_.emplace(n, anchor);
    return "&" + anchor + " " + body();
  }

  /// Block sequence items, each `\n<indent>- value`; the caller's line thus
  /// ends with a trailing space after `key:` (spec section 9.2).
  std::string list(const std::vector<Node *> &items, int level) {
    std::string out;
    for (const Node *item : items)
      append(out, "\n" + indent(level) + "- " + encode(item, level));
    return out;
  }

  /// Block mapping entries, each `\n<indent>key: value`.
  std::string dict(const std::vector<std::pair<Node *, Node *>> &entries, int level) {
    std::string out;
    for (const auto &[k, v] : entries)
      append(out, "\n" + indent(level) + key(*k) + ": " + encode(v, level));
    return out;
  }

  /// A call's keyword arguments, written like mapping entries.
  std::string keywords(const std::vector<KeywordArg> &kwargs, int level) {
    std::string out;
    for (const KeywordArg &kw : kwargs)
      append(out, "\n" + indent(level) + keyText(kw.name) + ": " + encode(kw.value, level));
    return out;
  }

  /// Keys are `str(key)` in the reference; the fixed dialect quotes a
  /// string key that would read back as something else.
  std::string key(const Node &k) {
    if (k.kind == Kind::Str)
      return keyText(k.str);
    if (k.kind == Kind::Null)
      return fixed_ ? "null" : "None";
    return fixed_ && k.kind == Kind::Float ? yaml11::floatToYaml(k.floatValue) : scalarRepr(k);
  }

  std::string keyText(const std::string &s) {
    if (!fixed_)
      return s;
    return yaml11::strToYaml(s, yaml11::ScalarContext{1, true});
  }

  /// A string value: `repr(s)` in the reference, or `|` plus its lines when
  /// it holds a newline (spec section 9.2).
  std::string string(const std::string &s, int level) {
    // NEL and the Unicode line separators are line breaks to a YAML reader.
    bool breaks = s.find("\xc2\x85") != std::string::npos || s.find("\xe2\x80\xa8") != std::string::npos ||
                  s.find("\xe2\x80\xa9") != std::string::npos;
    if (fixed_ && breaks)
      return "\"" + escapeDouble(s) + "\"";
    if (s.find('\n') == std::string::npos)
      return fixed_ ? yaml11::strToYaml(s, yaml11::ScalarContext{1, false}) : py::strRepr(s);
    // Multi-line: the fixed dialect writes one double-quoted line that reads
    // back exactly; the reference writes `|` and the lines (kept with their
    // newlines) at the current indent.
    if (fixed_)
      return "\"" + escapeDouble(s) + "\"";
    std::string out = "|\n";
    size_t begin = 0;
    while (begin < s.size()) {
      size_t end = s.find('\n', begin);
      end = end == std::string::npos ? s.size() : end + 1;
      append(out, indent(level) + s.substr(begin, end - begin));
      begin = end;
    }
    return out;
  }

  /// `!var 'name'`, or with a default `!var { name: ..., default: ... }`,
  /// whose default the reference prints as a Python repr.
  std::string var(const Node *n, int level) {
    std::string name = fixed_ ? yaml11::strToYaml(n->str, yaml11::ScalarContext{1, false}) : py::strRepr(n->str);
    if (!n->hasDefault)
      return "!var " + name;
    if (fixed_) // a block mapping holds any default, nodes included
      return "!var\n" + indent(level) + "name: " + name + "\n" + indent(level) + "default: " +
             encode(n->defaultValue, level);
    return "!var { name: " + name + ", default: " + pythonRepr(n->defaultValue) + " }";
  }

  /// Python repr of a default value (the reference prints it that way).
  std::string pythonRepr(const Node *n) {
    switch (n->kind) {
    case Kind::List:
    case Kind::Tuple: {
      std::string out = n->kind == Kind::List ? "[" : "(";
      for (size_t i = 0; i < n->items.size(); ++i)
        out += (i ? ", " : "") + pythonRepr(n->items[i]);
      if (n->kind == Kind::Tuple && n->items.size() == 1)
        out += ",";
      return out + (n->kind == Kind::List ? "]" : ")");
    }
    case Kind::Dict: {
      std::string out = "{";
      for (size_t i = 0; i < n->entries.size(); ++i)
        out += (i ? ", " : "") + pythonRepr(n->entries[i].first) + ": " + pythonRepr(n->entries[i].second);
      return out + "}";
    }
    case Kind::Callable:
      return "<" + std::string(n->callKind == CallKind::Factory ? "FactoryNode" : "SingletonNode") + " " + n->spec + ">";
    case Kind::Var:
      return "<VarNode " + n->str + ">";
    default:
      return scalarRepr(*n);
    }
  }

  /// A YAML double-quoted scalar body: escapes for quotes, backslashes and
  /// control characters.
  static std::string escapeDouble(const std::string &in) {
    std::string s = in;
    // Mark the multi-byte line separators with a \x01 placeholder first, so
    // the byte loop below can write them as YAML's \N \L \P escapes.
    for (auto [from, to] : {std::pair<const char *, const char *>{"\xc2\x85", "\x01N"}, {"\xe2\x80\xa8", "\x01L"},
                            {"\xe2\x80\xa9", "\x01P"}})
      for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at))
        s.replace(at, std::strlen(from), to);
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      if (c == '\x01' && i + 1 < s.size() && std::strchr("NLP", s[i + 1])) { // YAML's \N \L \P
        out += std::string("\\") + s[++i];
        continue;
      }
      unsigned char u = static_cast<unsigned char>(c);
      if (c == '\n')
        out += "\\n";
      else if (c == '\t')
        out += "\\t";
      else if (c == '"' || c == '\\')
        out += std::string("\\") + c;
      else if (u < 0x20 || u == 0x7f) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02x", u);
        out += buf;
      } else
        out += c;
    }
    return out;
  }

  //===--- callables ---===//

  /// The tag a callable is written with: the reference collapses the tag
  /// families to `!meta`, `!factory`, `!lambda` or `!singleton` plus
  /// `:spec@name` (spec section 9.2).
  std::string tagOf(const Node *n) {
    if (fixed_) {
      // Containers keep their own tags, so that they read back as written.
      switch (n->form) {
      case TagForm::List:
      case TagForm::DList:
      case TagForm::Tuple:
        if (n->spec == "named_tuple")
          return "!tuple" + nameSuffix(n, true);
        // An empty `!dlist` (and the reference's empty `!tuple`) call
        // named_list with no argument; an empty `!list` passes [].
        if (n->spec == "named_list")
          return (n->args.empty() ? "!dlist" : "!list") + nameSuffix(n, true);
        break;
      case TagForm::Dict:
        return "!dict" + nameSuffix(n, true);
      default:
        break;
      }
    }
    const char *base = n->callKind == CallKind::Meta      ? "!meta"
                       : n->callKind == CallKind::Factory ? "!factory"
                       : n->callKind == CallKind::Partial ? "!lambda"
                                                          : "!singleton";
    return std::string(base) + ":" + n->spec + nameSuffix(n, false);
  }

  /// `@name` after a spec, or `:@name` on a container tag, which has none.
  static std::string nameSuffix(const Node *n, bool container) {
    if (!n->hasName)
      return "";
    return (container ? ":@" : "@") + n->explicitName;
  }

  /// Whether the fixed dialect writes `n` with its own container tag.
  bool isContainerTag(const Node *n) const {
    return fixed_ && (n->form == TagForm::List || n->form == TagForm::DList || n->form == TagForm::Tuple ||
                      n->form == TagForm::Dict) &&
           (n->spec == "named_list" || n->spec == "named_tuple" || n->spec == "named_dict");
  }

  /// The anchor of a named node: the name itself in the reference; in the
  /// fixed dialect, reduced to the characters YAML readers accept in anchors
  /// (the tag's `@name` keeps the real name).
  std::string anchorOf(const Node *n, const std::string &name) {
    if (!fixed_)
      return name;
    auto it = anchors_.find(n);
    if (it != anchors_.end())
      return it->second;
    std::string a;
    for (char c : name)
      a += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') ? c : '_';
    std::string unique = a;
    for (int k = 2; usedAnchors_.count(unique); ++k)
      unique = a + "_" + std::to_string(k);
    usedAnchors_.insert(unique);
    return anchors_[n] = unique;
  }

  /// A callable: an alias if it was already written; otherwise `&name ` when
  /// named, then the tag and the arguments (spec section 9.2).
  std::string encodeCallable(const Node *n, int level) {
    const std::string *name = namer_.name(n);
    if (name && defined_.count(n))
      return "*" + anchorOf(n, *name);
    std::string out;
    if (name) {
      out = "&" + anchorOf(n, *name) + " ";
      defined_.insert(n);
    }
    out += tagOf(n);
    if (isContainerTag(n)) {
      if (n->spec == "named_dict") {
        std::vector<KeywordArg> kwargs = n->kwargs;
        for (auto [name, value] : {std::pair<const char *, Node *>{"submodule_searchpath", n->submoduleSearchpath},
                                   {"latent_args", n->latentArgs}})
          if (value)
            kwargs.push_back({name, value});
        out += keywords(kwargs, level + 1);
      }
      else if (!n->args.empty() && (n->args[0]->kind == Kind::List || n->args[0]->kind == Kind::Tuple))
        out += list(n->args[0]->items, level + 1);
      return out;
    }
    // The reference's special forms for the container built-ins.
    if (!fixed_ && n->spec == "named_list" && n->kwargs.empty()) {
      if (!n->args.empty())
        out += encode(n->args[0], level);
      return out;
    }
    if (!fixed_ && n->spec == "named_dict" && n->args.empty())
      return out + keywords(n->kwargs, level + 1);
    // The reference appends `!tuple` right after the tag, giving the
    // unreloadable `!singleton:named_tuple!tuple` (spec section 9.2, a quirk).
    if (!fixed_ && n->spec == "named_tuple" && n->kwargs.empty()) {
      if (!n->args.empty() && n->args[0]->isContainer())
        out += "!tuple" + list(n->args[0]->items, level + 1);
      return out;
    }
    std::vector<KeywordArg> kwargs = n->kwargs;
    if (fixed_) {
      if (n->submoduleSearchpath)
        kwargs.push_back({"submodule_searchpath", n->submoduleSearchpath});
      if (n->latentArgs)
        kwargs.push_back({"latent_args", n->latentArgs});
    }
    bool args = !n->args.empty(), kws = !kwargs.empty();
    // A call with only positional arguments named like `argN` keywords
    // would read back differently; args/kwargs sections are unambiguous.
    if (args && kws) {
      out += "\n" + indent(level + 1) + "args:" + list(n->args, level + 2);
      out += "\n" + indent(level + 1) + "kwargs:" + keywords(kwargs, level + 2);
    } else if (args) {
      out += list(n->args, level + 1);
    } else if (kws) {
      // Keywords named `args`, `kwargs` or `argN` would be read back as the
      // explicit sections or as positionals (spec section 7.3); nest them.
      bool ambiguous = fixed_ && [&] {
        for (const KeywordArg &k : kwargs)
          if (k.name == "args" || k.name == "kwargs" || (k.name.rfind("arg", 0) == 0 && k.name.size() > 3 &&
                                                          k.name.find_first_not_of("0123456789", 3) == std::string::npos))
            return true;
        return false;
      }();
      if (ambiguous)
        out += "\n" + indent(level + 1) + "kwargs:" + keywords(kwargs, level + 2);
      else
        out += keywords(kwargs, level + 1);
    }
    return out;
  }

  const Graph &g_;
  bool fixed_;
  EncodeLimits limits_;
  Namer namer_;
  std::unordered_set<const Node *> defined_;
  std::unordered_map<const Node *, size_t> refs_;
  std::unordered_map<const Node *, std::string> containerAnchors_;
  std::unordered_map<const Node *, std::string> anchors_;
  std::unordered_set<std::string> usedAnchors_;
};

} // namespace

/// Entry point of `graph --format yaml`.
std::string encodeYaml(const Graph &graph, YamlDialect dialect, EncodeLimits limits) {
  return YamlEncoder(graph, dialect, limits).run();
}

} // namespace fgcc::graph
