//===- Check.cpp - The reference's load-time graph check ------------------===//
//
// Walks the graph as the reference's Latent.check does (list items, dict
// values, call arguments; never latent_args or var defaults) and rejects
// values the graph cannot hold and two distinct nodes with one `@name`.
// The walk is memoised by node identity: a shared subgraph is checked once.
//
//===----------------------------------------------------------------------===//
#include "graph/Graph.h"

#include <map>
#include <unordered_set>

namespace fgcc::graph {

namespace {

/// One memoised walk; the first problem found is thrown, as the reference
/// raises on the first one.
class Checker {
public:
  Checker(const yaml::PpLocator &where, size_t nodes) : where_(where), seen_(nodes + 1, 0) {}

  void visit(const Node *n) {
    if (!n || seen_[n->id])
      return;
    seen_[n->id] = 1;
    if (n->kind == Kind::Unsupported)
      throw FatalError(where_.error(n->mark, "Found unsupported type in graph: <class '" + n->str + "'>"));
    if ((n->isCallable() || n->kind == Kind::Var) && n->hasName)
      checkName(n);
    forEachChild(n, [&](const Node *c) { visit(c); });
  }

private:
  /// Identity is by object (spec section 8.1): the same node reached twice
  /// through aliases is fine, two nodes with one `@name` are not.
  void checkName(const Node *n) {
    auto [it, inserted] = names_.emplace(n->explicitName, n);
    if (inserted || it->second == n)
      return;
    Diagnostic d = where_.error(n->mark, "Multiple definitions found for node " + n->explicitName);
    d.note(it->second->loc, "the other definition of '" + n->explicitName + "'");
    throw FatalError(d);
  }

  const yaml::PpLocator &where_;
  std::vector<char> seen_; ///< by node id (ids are dense)
  std::map<std::string, const Node *> names_;
};

} // namespace

void checkGraph(const Graph &graph, const yaml::PpLocator &where) {
  Checker checker(where, graph.size());
  checker.visit(graph.root);
}

} // namespace fgcc::graph
