//===- GraphBuilder.cpp - Phase "graph": YAML tree -> node graph ----------===//
//
// PyYAML's SafeLoader construction plus Forgather's tag constructors, applied
// depth-first (spec sections 6 and 7). Every YAML node is constructed once:
// aliases of an anchor yield the same graph node.
//
//===----------------------------------------------------------------------===//
#include "graph/Graph.h"

#include "parse/ScalarResolver.h"
#include "support/PyText.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <unordered_map>
#include <unordered_set>

namespace fgcc::graph {

using yaml::NodeKind;
using YNode = yaml::Node;

namespace {

/// What the `!!` handle expands to: `!!float` arrives as
/// `tag:yaml.org,2002:float`.
const char *const kCorePrefix = "tag:yaml.org,2002:";

/// Key of a scalar for dict lookups with Python equality (1 == 1.0 == True).
std::string keyOf(const Node &n) {
  switch (n.kind) {
  case Kind::Null:
    return "N";
  case Kind::Bool:
    // True == 1 == 1.0 in a Python dict, so all three share the "I" space.
    return "I" + std::to_string(n.boolValue ? 1 : 0);
  case Kind::Int:
    return "I" + std::to_string(n.intValue);
  case Kind::Float:
    if (std::isfinite(n.floatValue) && std::floor(n.floatValue) == n.floatValue && std::fabs(n.floatValue) < 9e18)
      return "I" + std::to_string(static_cast<int64_t>(n.floatValue));
    return "F" + py::floatRepr(n.floatValue);
  case Kind::Str:
    return "S" + n.str;
  default:
    return "?" + std::to_string(n.id);
  }
}

/// The custom tags, in the reference's matching order (section 7.1).
struct TagRule {
  const char *prefix;
  TagForm form;
};
const TagRule kTagRules[] = {{"!factory", TagForm::Factory}, {"!singleton", TagForm::Singleton},
                             {"!call", TagForm::Call},       {"!lambda", TagForm::Lambda},
                             {"!partial", TagForm::Partial}, {"!meta", TagForm::Meta},
                             {"!tuple", TagForm::Tuple},     {"!list", TagForm::List},
                             {"!dlist", TagForm::DList},     {"!dict", TagForm::Dict}};

/// The node class each tag creates (spec section 7.3's table): `!call` and
/// the container tags are singletons, `!lambda` is `!partial`.
CallKind callKindOf(TagForm f) {
  switch (f) {
  case TagForm::Factory:
    return CallKind::Factory;
  case TagForm::Partial:
  case TagForm::Lambda:
    return CallKind::Partial;
  case TagForm::Meta:
    return CallKind::Meta;
  default:
    return CallKind::Singleton;
  }
}

/// Python's PyYAML-style description of a node for error messages.
std::string describe(const YNode &n) {
  switch (n.kind) {
  case NodeKind::Sequence:
    return "a sequence";
  case NodeKind::Mapping:
    return "a mapping";
  default:
    return "a scalar";
  }
}

/// Constructs graph nodes from YAML nodes depth-first (children before the
/// node that takes them, as the reference's `load_depth_first`, spec
/// section 6.1), memoised by YAML node id so an anchor and all its aliases
/// yield one Node.
class Builder {
public:
  Builder(Graph &g, const yaml::PpLocator &where, size_t yamlNodes)
      : g_(g), where_(where), built_(yamlNodes + 1, nullptr), inProgress_(yamlNodes + 1, 0) {}

  Node *build(const YNode *y) {
    if (!y)
      return make(Kind::Null, nullptr);
    // YAML node ids are dense, so the memo is a plain vector.
    if (Node *done = built_[y->id])
      return done;
    // An alias of an enclosing anchor: PyYAML's "unconstructable recursive
    // node". Later phases may therefore assume the graph is acyclic.
    if (inProgress_[y->id])
      fail(y, "found unconstructable recursive node (a reference cycle: the node contains an alias of itself)");
    // Bound the recursion so hostile input cannot overflow the C++ stack.
    if (++depth_ > 10000)
      fail(y, "the document is nested too deeply");
    inProgress_[y->id] = 1;
    Node *n = construct(y);
    --depth_;
    inProgress_[y->id] = 0;
    built_[y->id] = n;
    return n;
  }

  /// The root mapping loses its keys that start with "." (section 6.6).
  void elideDotKeys(Node *root) {
    if (!root || root->kind != Kind::Dict)
      return;
    std::vector<std::pair<Node *, Node *>> kept;
    for (auto &e : root->entries) {
      // The reference calls key.startswith("."): a non-string key crashes there,
      // and fgcc reports the same AttributeError text.
      if (e.first->kind != Kind::Str)
        fail(e.first, "'" + typeName(*e.first) + "' object has no attribute 'startswith'");
      if (e.first->str.empty() || e.first->str[0] != '.')
        kept.push_back(e);
    }
    root->entries = std::move(kept);
  }

private:
  /// Errors are fatal, as PyYAML's exceptions are; the locator puts them at
  /// the template line that produced the pp text.
  [[noreturn]] void fail(const YNode *y, const std::string &message) {
    throw FatalError(where_.error(y ? y->mark : yaml::Mark{}, message));
  }
  [[noreturn]] void fail(const Node *n, const std::string &message) {
    throw FatalError(where_.error(n->mark, message));
  }

  /// Python's type name of a value, for messages copied from the reference.
  static std::string typeName(const Node &n) {
    switch (n.kind) {
    case Kind::Null:
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
    default:
      return "Node";
    }
  }

  /// A new node carrying both locations: the pp-text mark (for PyYAML-style
  /// messages) and the template line it maps to (for fgcc's diagnostics).
  Node *make(Kind kind, const YNode *y) {
    Node *n = g_.newNode(kind);
    if (y) {
      n->mark = y->mark;
      n->loc = where_.templateLoc(y->mark);
    }
    return n;
  }

  //===--- dispatch on the tag ---===//

  /// Picks the constructor as the reference's loader does: no tag, a core
  /// `!!` tag, the exact tag `!var`, then the first matching tag prefix
  /// (spec section 7.1); any other tag is a ConstructorError.
  Node *construct(const YNode *y) {
    const std::string &tag = y->tag;
    if (tag.empty())
      return constructUntagged(y);
    if (tag.rfind(kCorePrefix, 0) == 0)
      return constructCore(y, tag.substr(std::char_traits<char>::length(kCorePrefix)));
    if (tag == "!var")
      return constructVar(y);
    for (const TagRule &rule : kTagRules) {
      size_t len = std::char_traits<char>::length(rule.prefix);
      if (tag.compare(0, len, rule.prefix) == 0)
        return constructTagged(y, rule.form, tag.substr(len));
    }
    fail(y, "could not determine a constructor for the tag '" + tag + "'");
  }

  /// An untagged node: quoted scalars are always strings; plain scalars are
  /// typed by the YAML 1.1 implicit resolvers (spec section 6.3).
  Node *constructUntagged(const YNode *y) {
    switch (y->kind) {
    case NodeKind::Null:
      return make(Kind::Null, y);
    case NodeKind::Sequence:
      return constructList(y);
    case NodeKind::Mapping:
      return constructDict(y);
    case NodeKind::Scalar:
      break;
    }
    if (y->style == yaml::ScalarStyle::Quoted)
      return str(y, y->value);
    yaml11::ResolvedScalar r = yaml11::resolvePlain(y->value);
    switch (r.type) {
    case yaml11::ScalarType::Null:
      return make(Kind::Null, y);
    case yaml11::ScalarType::Bool: {
      Node *n = make(Kind::Bool, y);
      n->boolValue = r.boolValue;
      return n;
    }
    case yaml11::ScalarType::Int:
      return integer(y, r);
    case yaml11::ScalarType::Float: {
      Node *n = make(Kind::Float, y);
      n->floatValue = r.floatValue;
      return n;
    }
    case yaml11::ScalarType::Timestamp: {
      Node *n = make(Kind::Unsupported, y);
      // Kept, not rejected: the reference loads it and fails only in its graph
      // check, whose message names the Python type (`YYYY-MM-DD` is a date).
      n->str = y->value.size() == 10 ? "datetime.date" : "datetime.datetime";
      n->written = y->value;
      return n;
    }
    // `<<` outside a key position has no constructor in PyYAML.
    case yaml11::ScalarType::Merge:
      fail(y, "could not determine a constructor for the tag 'tag:yaml.org,2002:merge'");
    case yaml11::ScalarType::Value:
      fail(y, "could not determine a constructor for the tag 'tag:yaml.org,2002:value'");
    case yaml11::ScalarType::Str:
      break;
    }
    return str(y, y->value);
  }

  Node *str(const YNode *y, const std::string &value) {
    Node *n = make(Kind::Str, y);
    n->str = value;
    return n;
  }

  /// Python ints are unbounded; fgcc's are int64 (enough for the template
  /// library, spec section 14), so a larger literal is an error, not a wrap.
  Node *integer(const YNode *y, const yaml11::ResolvedScalar &r) {
    if (r.overflow)
      fail(y, "integer " + y->value + " does not fit in 64 bits");
    Node *n = make(Kind::Int, y);
    n->intValue = r.intValue;
    return n;
  }

  /// `!!str`, `!!int`, `!!float` and the other core tags.
  Node *constructCore(const YNode *y, const std::string &name) {
    if (name == "omap" || name == "pairs")
      return pairsList(y);
    // `!!seq`/`!!map` only restate what an untagged collection already is.
    if (name == "seq" || name == "map") {
      YNode copy = *y;
      copy.tag.clear();
      return constructUntagged(&copy);
    }
    static const char *const known[] = {"str", "null", "bool", "int", "float", "binary", "timestamp", "set"};
    if (std::find(std::begin(known), std::end(known), name) == std::end(known))
      fail(y, "could not determine a constructor for the tag '" + y->tag + "'");
    // `!!set` is written as a mapping; every other core tag needs a scalar.
    if (y->kind != NodeKind::Scalar && y->kind != NodeKind::Null && name != "set")
      fail(y, "expected a scalar node, but found " + describe(*y).substr(2));
    if (name == "str")
      return str(y, y->value);
    if (name == "null")
      return make(Kind::Null, y);
    if (name == "bool") {
      yaml11::ResolvedScalar r = yaml11::resolvePlain(y->value);
      if (r.type != yaml11::ScalarType::Bool)
        fail(y, "invalid boolean value '" + y->value + "'");
      Node *n = make(Kind::Bool, y);
      n->boolValue = r.boolValue;
      return n;
    }
    if (name == "int") {
      yaml11::ResolvedScalar r = yaml11::resolvePlain(y->value);
      if (r.type != yaml11::ScalarType::Int)
        fail(y, "invalid literal for int() with base 10: '" + y->value + "'");
      return integer(y, r);
    }
    if (name == "float")
      return lenientFloat(y);
    // Loadable but rejected by the graph check (spec section 6.7).
    if (name == "binary" || name == "timestamp" || name == "set") {
      Node *n = make(Kind::Unsupported, y);
      n->str = name == "binary" ? "bytes" : name == "set" ? "set" : "datetime.datetime";
      n->written = y->value;
      return n;
    }
    fail(y, "could not determine a constructor for the tag '" + y->tag + "'");
  }

  /// `!!omap` / `!!pairs`: a sequence of one-pair mappings, loaded as a
  /// list of (key, value) tuples.
  Node *pairsList(const YNode *y) {
    if (y->kind != NodeKind::Sequence)
      fail(y, "while constructing an ordered map: expected a sequence, but found " + describe(*y).substr(2));
    Node *list = make(Kind::List, y);
    for (const YNode *item : y->items) {
      if (item->kind != NodeKind::Mapping || item->pairs.size() != 1)
        fail(item, "while constructing an ordered map: expected a mapping of length 1");
      Node *pair = make(Kind::Tuple, item);
      pair->items = {build(item->pairs[0].first), build(item->pairs[0].second)};
      list->items.push_back(pair);
    }
    return list;
  }

  /// `!!float` accepts what Python's float() accepts once `_` is removed.
  Node *lenientFloat(const YNode *y) {
    yaml11::ResolvedScalar r = yaml11::resolvePlain(y->value);
    Node *n = make(Kind::Float, y);
    if (r.type == yaml11::ScalarType::Float) {
      n->floatValue = r.floatValue;
      return n;
    }
    if (r.type == yaml11::ScalarType::Int && !r.overflow && y->value.find(':') != std::string::npos) {
      // `!!float 1:30` is 90.0 (sexagesimal); `!!float 0x10` stays invalid.
      n->floatValue = static_cast<double>(r.intValue);
      return n;
    }
    std::string text;
    for (char c : py::strip(y->value))
      if (c != '_')
        text += c;
    char *end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    // strtod takes hex floats, Python's float() does not.
    bool hex = text.find_first_of("xX") != std::string::npos;
    if (text.empty() || *end || hex)
      fail(y, "could not convert string to float: '" + y->value + "'");
    n->floatValue = v;
    return n;
  }

  //===--- collections ---===//

  /// An untagged sequence: a Python list.
  Node *constructList(const YNode *y) {
    Node *n = make(Kind::List, y);
    for (const YNode *item : y->items)
      n->items.push_back(build(item));
    return n;
  }

  /// A plain `<<` or an explicit `!!merge` key; a quoted '<<' is an ordinary
  /// string key.
  static bool isMergeKey(const YNode *k) {
    return k->kind == NodeKind::Scalar &&
           ((k->tag.empty() && k->style == yaml::ScalarStyle::Plain && k->value == "<<") ||
            k->tag == "tag:yaml.org,2002:merge");
  }

  /// PyYAML's flatten_mapping: merged pairs first (a list of maps in
  /// reverse order), then the mapping's own pairs.
  void flatten(const YNode *m, std::vector<std::pair<const YNode *, const YNode *>> &out, int depth) {
    // A merge can pull in a mapping that merges another; bound the chain.
    if (depth > 200)
      fail(m, "merge keys nested too deeply");
    std::vector<std::pair<const YNode *, const YNode *>> merged, own;
    for (const auto &[k, v] : m->pairs) {
      if (!isMergeKey(k)) {
        own.emplace_back(k, v);
        continue;
      }
      if (v->kind == NodeKind::Mapping) {
        flatten(v, merged, depth + 1);
      } else if (v->kind == NodeKind::Sequence) {
        std::vector<std::vector<std::pair<const YNode *, const YNode *>>> subs;
        for (const YNode *sub : v->items) {
          if (sub->kind != NodeKind::Mapping)
            fail(sub, "while constructing a mapping: expected a mapping for merging, but found " +
                          describe(*sub).substr(2));
          subs.emplace_back();
          flatten(sub, subs.back(), depth + 1);
        }
        // Reversed, so that with "last value wins" the earlier list entries
        // override the later ones (spec section 6.4).
        for (auto it = subs.rbegin(); it != subs.rend(); ++it)
          merged.insert(merged.end(), it->begin(), it->end());
      } else {
        fail(v, "while constructing a mapping: expected a mapping or list of mappings for merging, but found " +
                    describe(*v).substr(2));
      }
    }
    out.insert(out.end(), merged.begin(), merged.end());
    out.insert(out.end(), own.begin(), own.end());
  }

  /// A mapping's entries with dict semantics: first position, last value.
  std::vector<std::pair<Node *, Node *>> constructPairs(const YNode *m) {
    std::vector<std::pair<const YNode *, const YNode *>> pairs;
    flatten(m, pairs, 0);
    std::vector<std::pair<Node *, Node *>> entries;
    std::unordered_map<std::string, size_t> index;
    for (const auto &[k, v] : pairs) {
      // A `=` key is a plain string key (the "value" resolver).
      Node *key = (k->kind == NodeKind::Scalar && k->tag.empty() && k->style == yaml::ScalarStyle::Plain &&
                   k->value == "=")
                      ? str(k, "=")
                      : build(k);
      if (!key->isScalar())
        fail(k, "while constructing a mapping: found unhashable key");
      Node *value = build(v);
      // Duplicate keys are allowed (spec section 6.4): template overrides and
      // `!dlist` rely on the first position keeping the last value.
      auto [it, inserted] = index.emplace(keyOf(*key), entries.size());
      if (inserted)
        entries.emplace_back(key, value);
      else
        entries[it->second].second = value;
    }
    return entries;
  }

  /// An untagged mapping: a Python dict, merge keys applied.
  Node *constructDict(const YNode *y) {
    Node *n = make(Kind::Dict, y);
    n->entries = constructPairs(y);
    return n;
  }

  //===--- Forgather's tags ---===//

  /// `!var name` or `!var {name: n, default: d}` (spec section 7.5); the
  /// mapping keys are VarNode's constructor parameters, hence the
  /// TypeError-style messages for anything else.
  Node *constructVar(const YNode *y) {
    Node *n = make(Kind::Var, y);
    if (y->kind == NodeKind::Sequence)
      fail(y, "Var nodes may not be sequences.");
    if (y->kind != NodeKind::Mapping) {
      n->str = y->value;
      return n;
    }
    bool named = false;
    for (const auto &[key, value] : constructPairs(y)) {
      std::string k = key->kind == Kind::Str ? key->str : scalarRepr(*key);
      if (k == "name") {
        n->str = value->kind == Kind::Str ? value->str : scalarRepr(*value);
        named = true;
      } else if (k == "default") {
        n->defaultValue = value;
        n->hasDefault = true;
      } else if (k == "_identity") {
        // The node's identity: it takes part in the duplicate-name check.
        n->explicitName = value->kind == Kind::Str ? value->str : scalarRepr(*value);
        n->hasName = true;
      } else {
        fail(key, "VarNode.__init__() got an unexpected keyword argument '" + k + "'");
      }
    }
    if (!named)
      fail(y, "VarNode.__init__() missing 1 required positional argument: 'name'");
    return n;
  }

  /// A callable or container tag. The suffix after the matched prefix is
  /// `<any char>spec[@name]` (spec section 7.2).
  Node *constructTagged(const YNode *y, TagForm form, const std::string &suffix) {
    Node *n = make(Kind::Callable, y);
    n->form = form;
    n->callKind = callKindOf(form);
    // The first character of the suffix (normally ':') is dropped unchecked;
    // the rest splits at the first '@' into spec and name.
    std::string value = suffix.empty() ? "" : suffix.substr(py::length(suffix.substr(0, 1)) ? 1 : 0);
    if (!suffix.empty()) {
      size_t first = 0;
      // Python drops one character, which may be several UTF-8 bytes.
      py::decodeUtf8(suffix, first);
      value = suffix.substr(first);
    }
    size_t at = value.find('@');
    n->spec = value.substr(0, at);
    // No `@`, or nothing after it: unnamed. So `!dict@name`, whose `@` is the
    // dropped first character, loses its name to the spec, as in the reference.
    if (at != std::string::npos && at + 1 < value.size()) {
      n->explicitName = value.substr(at + 1);
      n->hasName = true;
    }
    switch (form) {
    case TagForm::List:
    case TagForm::Tuple:
      return containerList(n, y, form);
    case TagForm::Dict:
      return containerDict(n, y);
    case TagForm::DList:
      return containerDList(n, y);
    default:
      callArguments(n, y);
      return n;
    }
  }

  /// The "empty" accepted by container tags: a tag with no value.
  static bool emptyScalar(const YNode *y) {
    return y->kind == NodeKind::Null || (y->kind == NodeKind::Scalar && y->value.empty());
  }

  /// `!list` / `!tuple` (spec section 7.4): the sequence becomes ONE
  /// positional argument of named_list / named_tuple.
  Node *containerList(Node *n, const YNode *y, TagForm form) {
    n->spec = form == TagForm::Tuple ? "named_tuple" : "named_list";
    if (emptyScalar(y)) {
      // An empty `!list` is named_list([]); the reference's empty `!tuple`
      // gives a named_list with no arguments (section 7.4).
      if (form == TagForm::List)
        n->args.push_back(make(Kind::List, y));
      n->spec = "named_list";
      return n;
    }
    if (y->kind != NodeKind::Sequence)
      fail(y, std::string(form == TagForm::Tuple ? "tuple" : "list") +
                  " nodes must be sequencess or empty. Found " + describe(*y));
    Node *list = make(Kind::List, y);
    for (const YNode *item : y->items)
      list->items.push_back(build(item));
    n->args.push_back(list);
    return n;
  }

  /// `!dict` (spec section 7.4): the mapping's entries become keyword
  /// arguments of named_dict.
  Node *containerDict(Node *n, const YNode *y) {
    n->spec = "named_dict";
    if (emptyScalar(y))
      return n;
    if (y->kind != NodeKind::Mapping)
      fail(y, "dict nodes must be mappings or empty. Found " + describe(*y));
    std::vector<KeywordArg> keywords;
    for (const auto &[key, value] : constructPairs(y)) {
      if (key->kind != Kind::Str)
        fail(key, "keywords must be strings");
      keywords.push_back({key->str, value, key});
    }
    // `!dict` builds SingletonNode("named_dict", **mapping): the node's own
    // keywords are captured here too.
    captureKeywords(n, keywords);
    return n;
  }

  /// `!dlist` (spec section 7.4): the values of a mapping, in first-key
  /// position, minus those set to null. Keys are labels that let a child
  /// template replace (`key: new`) or delete (`key: ~`) an item.
  Node *containerDList(Node *n, const YNode *y) {
    n->spec = "named_list";
    if (emptyScalar(y))
      return n;
    if (y->kind != NodeKind::Mapping)
      fail(y, "dlist nodes must be mappings or empty. Found " + describe(*y));
    Node *list = make(Kind::List, y);
    for (const auto &[key, value] : constructPairs(y))
      if (value->kind != Kind::Null)
        list->items.push_back(value);
    n->args.push_back(list);
    return n;
  }

  /// Arguments of a callable tag by YAML node kind (section 7.3).
  void callArguments(Node *n, const YNode *y) {
    if (y->kind == NodeKind::Sequence) {
      for (const YNode *item : y->items)
        n->args.push_back(build(item));
      return;
    }
    if (y->kind != NodeKind::Mapping) {
      // A scalar's text is spread into one argument per character.
      const std::string &text = y->value;
      for (size_t pos = 0; pos < text.size();) {
        size_t begin = pos;
        py::decodeUtf8(text, pos);
        n->args.push_back(str(y, text.substr(begin, pos - begin)));
      }
      return;
    }
    // Mapping form: the reference applies its `arg(\d+)` regex to every key,
    // so a non-string key is Python's TypeError from `re`.
    std::vector<std::pair<Node *, Node *>> entries = constructPairs(y);
    for (const auto &e : entries)
      if (e.first->kind != Kind::Str)
        fail(e.first, "expected string or bytes-like object, got '" + typeName(*e.first) + "'");
    auto find = [&](const char *key) -> Node * {
      for (const auto &e : entries)
        if (e.first->str == key)
          return e.second;
      return nullptr;
    };
    Node *args = find("args"), *kwargs = find("kwargs");
    // Explicit `args`/`kwargs` only when they are the sole keys and non-null;
    // `{args: ~}` is a keyword argument named `args`.
    bool onlyArgs = entries.size() == 1 && args && args->kind != Kind::Null;
    bool onlyKwargs = entries.size() == 1 && kwargs && kwargs->kind != Kind::Null;
    bool both = entries.size() == 2 && args && kwargs && args->kind != Kind::Null && kwargs->kind != Kind::Null;
    std::vector<KeywordArg> keywords;
    if (onlyArgs || onlyKwargs || both) {
      if (args) {
        if (args->kind != Kind::List && args->kind != Kind::Tuple)
          fail(args, "args must be a list, not " + typeName(*args));
        n->args = args->items;
      }
      if (kwargs) {
        if (kwargs->kind != Kind::Dict)
          fail(kwargs, "kwargs must be a mapping, not " + typeName(*kwargs));
        for (const auto &e : kwargs->entries) {
          if (e.first->kind != Kind::Str)
            fail(e.first, "keywords must be strings");
          keywords.push_back({e.first->str, e.second, e.first});
        }
      }
    } else {
      positionalFromArgN(n, entries, keywords);
    }
    captureKeywords(n, keywords);
  }

  /// Keys `argN` become positional arguments ordered by N; the rest are
  /// keyword arguments in mapping order.
  void positionalFromArgN(Node *n, const std::vector<std::pair<Node *, Node *>> &entries,
                          std::vector<KeywordArg> &keywords) {
    std::vector<std::pair<uint64_t, Node *>> positional;
    for (const auto &[key, value] : entries) {
      const std::string &k = key->str;
      bool argN = k.size() > 3 && k.compare(0, 3, "arg") == 0 &&
                  std::all_of(k.begin() + 3, k.end(), [](char c) { return c >= '0' && c <= '9'; });
      // Keeps stoull in range; an absurdly long index stays a keyword.
      if (argN && k.size() < 22)
        positional.emplace_back(std::stoull(k.substr(3)), value);
      else
        keywords.push_back({k, value, key});
    }
    // Stable: equal indices (`arg1`, `arg01`) keep mapping order, where the
    // reference would go on to compare the values.
    std::stable_sort(positional.begin(), positional.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });
    for (const auto &p : positional)
      n->args.push_back(p.second);
  }

  /// `submodule_searchpath` and `latent_args` belong to the node, not the
  /// callee; `_identity` cannot be given.
  void captureKeywords(Node *n, std::vector<KeywordArg> &keywords) {
    for (KeywordArg &kw : keywords) {
      if (kw.name == "submodule_searchpath")
        n->submoduleSearchpath = kw.value;
      else if (kw.name == "latent_args")
        n->latentArgs = kw.value;
      else if (kw.name == "_identity")
        fail(kw.value, "__init__() got multiple values for keyword argument '_identity'");
      else
        n->kwargs.push_back(kw);
    }
  }

  Graph &g_;
  const yaml::PpLocator &where_;
  std::vector<Node *> built_;
  std::vector<char> inProgress_;
  int depth_ = 0;
};

} // namespace

/// Python's repr for scalars (spec section 4.3); containers and nodes are
/// never asked for theirs here.
std::string scalarRepr(const Node &n) {
  switch (n.kind) {
  case Kind::Null:
    return "None";
  case Kind::Bool:
    return n.boolValue ? "True" : "False";
  case Kind::Int:
    return std::to_string(n.intValue);
  case Kind::Float:
    return py::floatRepr(n.floatValue);
  case Kind::Str:
    return py::strRepr(n.str);
  default:
    return "<node>";
  }
}

bool sameKey(const Node &a, const Node &b) { return keyOf(a) == keyOf(b); }

/// An empty document gives a null root (the reference's None config).
/// `isConfig` is false for standalone values (a `-D` define), which keep
/// their dot keys.
std::unique_ptr<Graph> buildGraph(const yaml::Document &doc, const yaml::PpLocator &where, bool isConfig) {
  auto g = std::make_unique<Graph>();
  Builder builder(*g, where, doc.size());
  g->root = doc.root ? builder.build(doc.root) : nullptr;
  if (isConfig)
    builder.elideDotKeys(g->root);
  return g;
}

std::vector<std::string> targetNames(const Graph &graph) {
  std::vector<std::string> names;
  if (graph.root && graph.root->kind == Kind::Dict)
    for (const auto &e : graph.root->entries)
      names.push_back(e.first->kind == Kind::Str ? e.first->str : scalarRepr(*e.first));
  return names;
}

} // namespace fgcc::graph
