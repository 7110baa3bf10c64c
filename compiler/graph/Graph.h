//===- Graph.h - The node graph IR ----------------------------------------===//
//
// What a config means, before any C++ exists: plain values (None, bool, int,
// float, str, list, tuple, dict) and nodes that describe calls (singleton,
// factory, partial, meta) or program variables (var). A node reached through
// several YAML aliases is ONE Node object here, so sharing is explicit and
// every walk can be memoised by identity (the reference re-walks shared
// subgraphs; fgcc never does).
//
// Nodes live in the Graph's arena, have stable ids (creation order, which
// follows the document), and keep their source location: the pp-text mark
// and the template file:line that wrote them.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "parse/YamlDocument.h"
#include "support/Source.h"

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace fgcc::graph {

/// The kinds of graph values; the scalar kinds come first so that
/// isScalar() is one comparison.
enum class Kind : uint8_t {
  Null,
  Bool,
  Int,
  Float,
  Str,
  List,
  Tuple,
  Dict,
  Callable, ///< singleton / factory / partial / meta
  Var,
  /// A YAML value the reference loads but rejects in its graph check
  /// (timestamps, binary, sets); kept so the check can report it.
  Unsupported,
};

/// How a callable behaves (spec section 8.4).
enum class CallKind : uint8_t { Singleton, Factory, Partial, Meta };

/// The tag family a callable was written with; the encoders need it
/// (`!call` prints as `!singleton`, `!partial` as `!lambda`, containers as
/// `named_*` singletons).
enum class TagForm : uint8_t { Singleton, Call, Factory, Partial, Lambda, Meta, List, Tuple, Dict, DList };

struct Node;

/// One keyword argument of a call, in mapping order (spec section 7.3).
struct KeywordArg {
  std::string name;
  Node *value;
  /// The key as written (for diagnostics at the key); null when synthetic.
  const Node *key = nullptr;
};

/// One graph value. A single struct for every kind keeps the arena simple;
/// which fields are meaningful depends on `kind` (see the groups below).
struct Node {
  uint32_t id = 0;
  Kind kind = Kind::Null;

  // Scalars.
  bool boolValue = false;
  int64_t intValue = 0;
  double floatValue = 0;
  std::string str; ///< Str value; Var name; Unsupported: Python type name
  std::string written; ///< Unsupported: the scalar as written

  // Containers: List/Tuple items; Dict entries (scalar key nodes).
  std::vector<Node *> items;
  std::vector<std::pair<Node *, Node *>> entries;

  // Callables.
  CallKind callKind = CallKind::Singleton;
  TagForm form = TagForm::Singleton;
  std::string spec;          ///< `torch.nn:Linear`, `getitem`, `named_dict`, ...
  std::string explicitName;  ///< from `@name`
  bool hasName = false;
  std::vector<Node *> args;
  std::vector<KeywordArg> kwargs;
  Node *submoduleSearchpath = nullptr; ///< captured kwarg
  Node *latentArgs = nullptr;          ///< captured kwarg

  // Vars.
  Node *defaultValue = nullptr;
  bool hasDefault = false;

  // Where it was written.
  yaml::Mark mark;
  SourceLoc loc;

  bool isCallable() const { return kind == Kind::Callable; }
  bool isContainer() const { return kind == Kind::List || kind == Kind::Tuple || kind == Kind::Dict; }
  bool isScalar() const { return kind <= Kind::Str; }
};

/// Owns the nodes of one loaded document. A deque keeps Node pointers
/// stable as nodes are added, and ids are dense (1, 2, ...), so passes can
/// index side tables by id.
class Graph {
public:
  Node *root = nullptr;
  Node *newNode(Kind kind) {
    nodes_.emplace_back();
    Node *n = &nodes_.back();
    n->id = static_cast<uint32_t>(nodes_.size());
    n->kind = kind;
    return n;
  }
  size_t size() const { return nodes_.size(); }
  const std::deque<Node> &nodes() const { return nodes_; }

private:
  std::deque<Node> nodes_;
};

/// Children in the reference's walk order (spec section 8.2): list and tuple
/// items, dict values, a call's positional then keyword arguments. Never
/// latent_args or var defaults, which the reference does not walk either.
template <typename Fn> void forEachChild(const Node *n, Fn fn) {
  switch (n->kind) {
  case Kind::List:
  case Kind::Tuple:
    for (const Node *item : n->items)
      fn(item);
    break;
  case Kind::Dict:
    for (const auto &e : n->entries)
      fn(e.second);
    break;
  case Kind::Callable:
    for (const Node *a : n->args)
      fn(a);
    for (const KeywordArg &k : n->kwargs)
      fn(k.value);
    break;
  default:
    break;
  }
}

/// Python's `str()`/`repr()` of scalar nodes and value equality of keys.
std::string scalarRepr(const Node &n);
bool sameKey(const Node &a, const Node &b);

/// Builds the graph of a parsed document with the reference's constructor
/// semantics (spec sections 6-7): implicit typing, merge keys, duplicate
/// keys, the custom tags, and (for a config) dot-name elision at the root.
/// Throws FatalError.
std::unique_ptr<Graph> buildGraph(const yaml::Document &doc, const yaml::PpLocator &where, bool isConfig = true);

/// The reference's load-time check (section 8.3): unsupported values and
/// duplicate explicit names. Throws FatalError at the offending node.
void checkGraph(const Graph &graph, const yaml::PpLocator &where);

/// Top-level target names in document order (after dot-name elision).
std::vector<std::string> targetNames(const Graph &graph);

} // namespace fgcc::graph
