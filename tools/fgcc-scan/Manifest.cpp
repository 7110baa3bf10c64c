//===- Manifest.cpp - Writing the manifest as JSON -------------------------===//
//
// Keys keep the schema's order (ordered_json) and classes keep declaration
// order, so a manifest is deterministic and diffs stay readable.
//
//===----------------------------------------------------------------------===//
#include "Manifest.h"

#include <nlohmann/json.hpp>

namespace fgcc::scan {

namespace {

using json = nlohmann::ordered_json;

json valueJson(const ConstValue &v) {
  struct Visitor {
    json operator()(std::monostate) const { return nullptr; }
    json operator()(bool b) const { return b; }
    json operator()(int64_t i) const { return i; }
    json operator()(uint64_t u) const { return u; }
    json operator()(double d) const { return d; }
    json operator()(const std::string &s) const { return s; }
    json operator()(const ConstValue::List &list) const {
      json out = json::array();
      for (const ConstValue &item : list)
        out.push_back(valueJson(item));
      return out;
    }
  };
  return std::visit(Visitor{}, v.value);
}

json stringsJson(const std::vector<std::string> &items) {
  json out = json::array();
  for (const std::string &s : items)
    out.push_back(s);
  return out;
}

/// `withDoc`: TORCH_ARG options carry their doc comment, constructor
/// parameters do not (C++ has no place for one).
json paramJson(const Param &p, bool withDoc) {
  json out;
  out["name"] = p.name;
  out["type"] = p.type.spelling;
  out["canonical"] = p.type.canonical;
  out["category"] = p.type.category;
  if (!p.type.choices.empty())
    out["choices"] = stringsJson(p.type.choices);
  if (!p.type.alternatives.empty())
    out["alternatives"] = stringsJson(p.type.alternatives);
  out["default"] = p.defaultText ? json(*p.defaultText) : json(nullptr);
  out["default_value"] = valueJson(p.defaultValue);
  if (withDoc)
    out["doc"] = p.doc;
  return out;
}

json classJson(const ClassEntry &c) {
  json out;
  out["name"] = c.name;
  out["header"] = c.header;
  out["kind"] = c.kind;
  if (c.kind == "module_holder")
    out["impl"] = c.impl;
  if (!c.options.empty())
    out["options"] = c.options;
  out["bases"] = stringsJson(c.bases);
  out["doc"] = c.doc;
  json ctors = json::array();
  for (const Constructor &ctor : c.constructors) {
    json params = json::array();
    for (const Param &p : ctor.params)
      params.push_back(paramJson(p, /*withDoc=*/false));
    ctors.push_back(json{{"params", std::move(params)}});
  }
  out["constructors"] = std::move(ctors);
  json args = json::array();
  for (const Param &a : c.args)
    args.push_back(paramJson(a, /*withDoc=*/true));
  out["args"] = std::move(args);
  return out;
}

} // namespace

std::string toJson(const Manifest &manifest) {
  json root;
  root["format"] = "fgcc-manifest";
  root["version"] = 1;
  json classes = json::array();
  for (const ClassEntry &c : manifest.classes)
    classes.push_back(classJson(c));
  root["classes"] = std::move(classes);
  // Doc comments are copied byte for byte; replace rather than throw on a
  // header that is not valid UTF-8.
  return root.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

} // namespace fgcc::scan
