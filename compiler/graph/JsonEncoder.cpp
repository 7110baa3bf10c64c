//===- JsonEncoder.cpp - The graph as JSON (docs/graph-json.md) -----------===//
//
// A stable form for tools: every reachable node once, in id order, with
// children referenced by id, so sharing is explicit and the output stays
// linear in the graph size whatever the aliasing.
//
//===----------------------------------------------------------------------===//
#include "graph/Encoders.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

namespace fgcc::graph {

namespace {

using json = nlohmann::ordered_json;

/// The `kind` strings of docs/graph-json.md.
const char *kindName(Kind k) {
  switch (k) {
  case Kind::Null: return "null";
  case Kind::Bool: return "bool";
  case Kind::Int: return "int";
  case Kind::Float: return "float";
  case Kind::Str: return "str";
  case Kind::List: return "list";
  case Kind::Tuple: return "tuple";
  case Kind::Dict: return "dict";
  case Kind::Callable: return "call";
  case Kind::Var: return "var";
  case Kind::Unsupported: return "unsupported";
  }
  return "null";
}

/// The `call` strings of docs/graph-json.md (spec section 8.4's behaviours).
const char *callKindName(CallKind k) {
  switch (k) {
  case CallKind::Singleton: return "singleton";
  case CallKind::Factory: return "factory";
  case CallKind::Partial: return "partial";
  case CallKind::Meta: return "meta";
  }
  return "singleton";
}

/// Every node reachable from `n`, dict keys and captured values included
/// (unlike the reference's walk): JSON consumers get the whole graph.
void collect(const Node *n, std::set<const Node *, bool (*)(const Node *, const Node *)> &out) {
  if (!n || !out.insert(n).second)
    return;
  for (const Node *c : n->items)
    collect(c, out);
  for (const auto &e : n->entries) {
    collect(e.first, out);
    collect(e.second, out);
  }
  for (const Node *a : n->args)
    collect(a, out);
  for (const KeywordArg &k : n->kwargs)
    collect(k.value, out);
  collect(n->submoduleSearchpath, out);
  collect(n->latentArgs, out);
  collect(n->defaultValue, out);
}

/// One node as an object; children appear as ids, never inline.
json nodeJson(const Node *n) {
  json j;
  j["id"] = n->id;
  j["kind"] = kindName(n->kind);
  switch (n->kind) {
  case Kind::Bool:
    j["value"] = n->boolValue;
    break;
  case Kind::Int:
    j["value"] = n->intValue;
    break;
  case Kind::Float:
    // JSON has no inf/nan, so those are written as strings.
    if (std::isfinite(n->floatValue))
      j["value"] = n->floatValue;
    else
      j["value"] = std::isnan(n->floatValue) ? "nan" : (n->floatValue > 0 ? "inf" : "-inf");
    break;
  case Kind::Str:
    j["value"] = n->str;
    break;
  case Kind::Unsupported:
    j["type"] = n->str;
    j["value"] = n->written;
    break;
  case Kind::List:
  case Kind::Tuple: {
    json items = json::array();
    for (const Node *c : n->items)
      items.push_back(c->id);
    j["items"] = items;
    break;
  }
  case Kind::Dict: {
    json entries = json::array();
    for (const auto &e : n->entries)
      entries.push_back(json::array({e.first->id, e.second->id}));
    j["entries"] = entries;
    break;
  }
  case Kind::Callable: {
    j["call"] = callKindName(n->callKind);
    j["spec"] = n->spec;
    if (n->hasName)
      j["name"] = n->explicitName;
    json args = json::array();
    for (const Node *a : n->args)
      args.push_back(a->id);
    j["args"] = args;
    json kwargs = json::array();
    for (const KeywordArg &k : n->kwargs)
      kwargs.push_back(json::array({k.name, k.value->id}));
    j["kwargs"] = kwargs;
    if (n->submoduleSearchpath)
      j["submodule_searchpath"] = n->submoduleSearchpath->id;
    if (n->latentArgs)
      j["latent_args"] = n->latentArgs->id;
    break;
  }
  case Kind::Var:
    j["name"] = n->str;
    if (n->hasDefault)
      j["default"] = n->defaultValue->id;
    break;
  case Kind::Null:
    break;
  }
  if (n->loc.valid())
    j["loc"] = n->loc.file->path() + ":" + std::to_string(n->loc.line);
  j["pp"] = std::to_string(n->mark.line) + ":" + std::to_string(n->mark.col);
  return j;
}

} // namespace

/// Nodes sorted by id, i.e. in document order, so the same config always
/// gives the same bytes (no addresses leak into the output).
std::string encodeJson(const Graph &graph) {
  std::set<const Node *, bool (*)(const Node *, const Node *)> nodes(
      [](const Node *a, const Node *b) { return a->id < b->id; });
  collect(graph.root, nodes);
  json out;
  out["format"] = "fgcc-graph";
  out["version"] = 1;
  out["root"] = graph.root ? json(graph.root->id) : json(nullptr);
  json list = json::array();
  for (const Node *n : nodes)
    list.push_back(nodeJson(n));
  out["nodes"] = list;
  // Invalid UTF-8 cannot come out of a render, but a tool must never throw here.
  return out.dump(1, ' ', false, json::error_handler_t::replace);
}

} // namespace fgcc::graph
