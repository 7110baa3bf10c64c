//===- DynamicArgs.cpp - A config's own command-line options --------------===//
#include "driver/DynamicArgs.h"

#include "support/PyPath.h"

#include <cstdlib>
#include "driver/YamlLookup.h"

namespace fgcc {

namespace {

/// argparse's dest: the first long option without dashes, `-` -> `_`.
std::string destOf(const std::vector<std::string> &names) {
  std::string pick;
  for (const std::string &n : names)
    if (n.rfind("--", 0) == 0) {
      pick = n.substr(2);
      break;
    }
  if (pick.empty() && !names.empty())
    pick = names[0].substr(names[0].find_first_not_of('-'));
  for (char &c : pick)
    if (c == '-')
      c = '_';
  return pick;
}

/// argparse's `type=` conversion, with argparse's error wording. `choices`
/// is checked on the text, before conversion.
render::Value convert(const DynamicArg &arg, const std::string &text) {
  using render::Value;
  if (!arg.choices.empty()) {
    bool ok = false;
    for (const std::string &c : arg.choices)
      ok = ok || c == text;
    if (!ok)
      throw UsageError("argument " + arg.names[0] + ": invalid choice: '" + text + "'");
  }
  char *end = nullptr;
  if (arg.type == "int") {
    long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end)
      throw UsageError("argument " + arg.names[0] + ": invalid int value: '" + text + "'");
    return Value::integer(v);
  }
  if (arg.type == "float") {
    double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end)
      throw UsageError("argument " + arg.names[0] + ": invalid float value: '" + text + "'");
    return Value::real(v);
  }
  if (arg.type == "bool") // Python's bool(str): any non-empty text is true
    return Value::boolean(!text.empty());
  if (arg.type == "path") {
    const char *home = std::getenv("HOME");
    // `path` is the reference's os.path.expanduser (spec section 10.6).
    return Value::str(pypath::expanduser(text, home ? home : "/"));
  }
  return Value::str(text);
}

} // namespace

/// The reference materialises the `dynamic_args` target; fgcc reads the
/// option descriptions straight from the pp text (none if it does not parse).
std::vector<DynamicArg> readDynamicArgs(const std::string &ppText) {
  std::vector<DynamicArg> out;
  YAML::Node root;
  try {
    root = YAML::Load(ppText);
  } catch (const YAML::Exception &) {
    return out; // the reference prints "Loading dynamic args failed!" and goes on
  }
  if (!root.IsMap())
    return out;
  YAML::Node list = lastMapValue(root, "dynamic_args");
  if (!list)
    return out;
  // A !dlist is written as a mapping whose values are the items.
  std::vector<YAML::Node> items;
  if (list.IsSequence())
    for (const auto &item : list)
      items.push_back(item);
  else if (list.IsMap())
    for (const auto &kv : list)
      if (kv.second.IsMap())
        items.push_back(kv.second);
  for (const YAML::Node &item : items) {
    if (!item.IsMap())
      continue;
    DynamicArg arg;
    // `names` is one option string or a list of them (`[--max-steps, -m]`).
    YAML::Node names = lastMapValue(item, "names");
    if (names && names.IsScalar())
      arg.names.push_back(names.Scalar());
    else if (names && names.IsSequence())
      for (const auto &n : names)
        arg.names.push_back(n.Scalar());
    if (arg.names.empty())
      continue;
    arg.dest = destOf(arg.names);
    std::string type = lastMapScalar(item, "type");
    if (!type.empty())
      arg.type = type;
    arg.action = lastMapScalar(item, "action");
    arg.help = lastMapScalar(item, "help");
    YAML::Node choices = lastMapValue(item, "choices");
    if (choices && choices.IsSequence())
      for (const auto &c : choices)
        arg.choices.push_back(c.Scalar());
    out.push_back(std::move(arg));
  }
  return out;
}

/// A small argparse: `--name value` or `--name=value`, exact option names
/// only (no prefix matching), the last occurrence winning.
std::vector<std::pair<std::string, render::Value>> parseDynamicArgs(const std::vector<DynamicArg> &declared,
                                                                    const std::vector<std::string> &args) {
  std::vector<std::pair<std::string, render::Value>> values;
  std::vector<bool> seen(declared.size(), false);
  std::vector<render::Value> given(declared.size());
  for (size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i], inlineValue;
    bool hasInline = false;
    // Only long options take the `--name=value` form.
    if (size_t eq = name.find('='); eq != std::string::npos && name.rfind("--", 0) == 0) {
      inlineValue = name.substr(eq + 1);
      name.resize(eq);
      hasInline = true;
    }
    size_t k = 0;
    for (; k < declared.size(); ++k) {
      bool match = false;
      for (const std::string &n : declared[k].names)
        match = match || n == name;
      if (match)
        break;
    }
    if (k == declared.size())
      // argparse's wording; exit status 2 like any usage error.
      throw UsageError("unrecognized argument: " + args[i]);
    const DynamicArg &arg = declared[k];
    seen[k] = true;
    if (arg.action == "store_true" || arg.action == "store_false") {
      given[k] = render::Value::boolean(arg.action == "store_true");
      continue;
    }
    if (!hasInline) {
      if (i + 1 >= args.size())
        throw UsageError("argument " + name + ": expected one argument");
      inlineValue = args[++i];
    }
    given[k] = convert(arg, inlineValue);
  }
  for (size_t k = 0; k < declared.size(); ++k) {
    const DynamicArg &arg = declared[k];
    if (seen[k])
      values.emplace_back(arg.dest, given[k]);
    // Flags are always passed, with their default when absent (store_true:
    // False), as in the reference (spec section 10.6).
    else if (arg.action == "store_true" || arg.action == "store_false")
      values.emplace_back(arg.dest, render::Value::boolean(arg.action == "store_false"));
  }
  return values;
}

} // namespace fgcc
