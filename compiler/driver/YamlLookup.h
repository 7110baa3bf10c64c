//===- YamlLookup.h - Reading small YAML documents the PyYAML way ---------===//
//
// The driver reads a few values from rendered documents (meta.yaml, a
// config's `meta` and `dynamic_args` targets) with yaml-cpp until the parse
// phase exists. PyYAML keeps the LAST of duplicate keys, yaml-cpp's
// operator[] returns the first, so lookups go through here.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <yaml-cpp/yaml.h>

namespace fgcc {

/// The value of the last `key` in a mapping, or an undefined node.
inline YAML::Node lastMapValue(const YAML::Node &map, const std::string &key) {
  YAML::Node found;
  if (!map.IsMap())
    return found;
  for (const auto &kv : map)
    if (kv.first.IsScalar() && kv.first.Scalar() == key)
      found = kv.second;
  return found;
}

/// The scalar text of the last `key`, or `dflt`.
inline std::string lastMapScalar(const YAML::Node &map, const std::string &key, const std::string &dflt = "") {
  YAML::Node v = lastMapValue(map, key);
  return v && v.IsScalar() ? v.Scalar() : dflt;
}

} // namespace fgcc
