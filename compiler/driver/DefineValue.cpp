//===- DefineValue.cpp - `-D NAME=VALUE` values as YAML flow values -------===//
#include "driver/Session.h"

#include "parse/ScalarResolver.h"

#include <yaml-cpp/yaml.h>

namespace fgcc {

namespace {

render::Value fromNode(const YAML::Node &node, int depth) {
  using render::Value;
  if (depth > 64)
    throw FatalError(SourceLoc{}, "-D value is nested too deeply");
  switch (node.Type()) {
  case YAML::NodeType::Null:
    return Value::none();
  case YAML::NodeType::Scalar: {
    // Quoted scalars (tag "!") are strings; plain ones are typed by YAML 1.1.
    if (node.Tag() == "!")
      return Value::str(node.Scalar());
    yaml11::ResolvedScalar r = yaml11::resolvePlain(node.Scalar());
    switch (r.type) {
    case yaml11::ScalarType::Null:
      return Value::none();
    case yaml11::ScalarType::Bool:
      return Value::boolean(r.boolValue);
    case yaml11::ScalarType::Int:
      if (r.overflow)
        throw FatalError(SourceLoc{}, "-D value " + node.Scalar() + " does not fit in a 64-bit integer");
      return Value::integer(r.intValue);
    case yaml11::ScalarType::Float:
      return Value::real(r.floatValue);
    default:
      return Value::str(node.Scalar());
    }
  }
  case YAML::NodeType::Sequence: {
    render::List items;
    for (const auto &item : node)
      items.push_back(fromNode(item, depth + 1));
    return Value::list(std::move(items));
  }
  case YAML::NodeType::Map: {
    auto d = std::make_shared<render::Dict>();
    for (const auto &kv : node)
      d->set(fromNode(kv.first, depth + 1), fromNode(kv.second, depth + 1));
    return Value::dict(d);
  }
  default:
    return Value::none();
  }
}

} // namespace

render::Value parseDefineValue(const std::string &text) {
  try {
    return fromNode(YAML::Load(text), 0);
  } catch (const YAML::Exception &e) {
    throw FatalError(SourceLoc{}, "-D value '" + text + "' is not a YAML flow value: " + e.msg);
  }
}

} // namespace fgcc
