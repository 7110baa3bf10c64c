//===- Manifest.cpp - The component manifest ------------------------------===//
#include "resolve/Manifest.h"

#include "support/PyPath.h"

#include <algorithm>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace fgcc::resolve {

namespace {

using json = nlohmann::json;

/// A string member of `j`, or "" when it is absent or not a string: the
/// reader is lenient, so a hand-edited manifest degrades rather than fails.
std::string str(const json &j, const char *key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

/// Reads one PARAM object of the manifest format (manifest/README.md).
Param readParam(const json &j) {
  Param p;
  p.name = str(j, "name");
  p.type = str(j, "type");
  p.category = str(j, "category");
  if (auto d = j.find("default"); d != j.end() && d->is_string())
    p.defaultText = d->get<std::string>();
  // Kept as JSON text: the evaluated default may be a number, bool, string
  // or list, and null means "none, or not a constant".
  if (auto v = j.find("default_value"); v != j.end() && !v->is_null())
    p.defaultValueJson = v->dump();
  if (auto c = j.find("choices"); c != j.end() && c->is_array())
    for (const json &choice : *c)
      if (choice.is_string())
        p.choices.push_back(choice.get<std::string>());
  p.doc = str(j, "doc");
  return p;
}

bool isFile(const std::string &p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

/// The constructor with the most parameters describes the options best.
const Constructor *widest(const ClassInfo &c) {
  const Constructor *best = nullptr;
  for (const Constructor &ctor : c.constructors)
    if (!best || ctor.params.size() > best->params.size())
      best = &ctor;
  return best;
}

/// Whether `p` is the options object itself (its type mentions the options
/// class's unqualified name, e.g. `const LinearOptions&`).
bool isOptionsParam(const Param &p, const ClassInfo *options) {
  return options && (p.type.find(options->name.substr(options->name.rfind(':') + 1)) != std::string::npos);
}

} // namespace

/// The parameters to optimise come as a list (`std::vector<Tensor>`,
/// parameter groups) or by name (`named_parameters()`).
bool isParametersCategory(const std::string &category) {
  return category == "tensor_list" || category == "named_tensors";
}

/// Only the "format" marker is validated; missing members read as empty, and
/// a class without a name is skipped.
void Manifest::loadText(const std::string &text, const std::string &origin) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception &e) {
    throw FatalError(SourceLoc{}, "manifest '" + origin + "' is not valid JSON: " + e.what());
  }
  if (str(root, "format") != "fgcc-manifest")
    throw FatalError(SourceLoc{}, "'" + origin + "' is not an fgcc manifest");
  for (const json &c : root.value("classes", json::array())) {
    ClassInfo info;
    info.name = str(c, "name");
    info.header = str(c, "header");
    info.kind = str(c, "kind");
    info.impl = str(c, "impl");
    info.options = str(c, "options");
    info.doc = str(c, "doc");
    for (const json &b : c.value("bases", json::array()))
      if (b.is_string())
        info.bases.push_back(b.get<std::string>());
    for (const json &ctor : c.value("constructors", json::array())) {
      Constructor k;
      for (const json &p : ctor.value("params", json::array()))
        k.params.push_back(readParam(p));
      info.constructors.push_back(std::move(k));
    }
    for (const json &a : c.value("args", json::array()))
      info.args.push_back(readParam(a));
    if (!info.name.empty())
      classes_[info.name] = std::move(info);
  }
}

void Manifest::load(const std::string &path) {
  std::ifstream in(path);
  if (!in)
    throw FatalError(SourceLoc{}, "cannot read manifest '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  loadText(ss.str(), path);
}

const ClassInfo *Manifest::find(const std::string &name) const {
  auto it = classes_.find(name);
  return it == classes_.end() ? nullptr : &it->second;
}

/// A unique `::name` suffix match lets a user header's spec name its class
/// without the namespace; an ambiguous suffix finds nothing.
const ClassInfo *Manifest::findLoose(const std::string &name) const {
  if (const ClassInfo *exact = find(name))
    return exact;
  const ClassInfo *found = nullptr;
  std::string suffix = "::" + name;
  for (const auto &[qualified, info] : classes_) {
    if (qualified.size() > suffix.size() && qualified.compare(qualified.size() - suffix.size(), suffix.size(), suffix) == 0) {
      if (found)
        return nullptr; // ambiguous
      found = &info;
    }
  }
  return found;
}

/// The candidates offered in "did you mean" suggestions for unknown specs.
std::vector<std::string> Manifest::componentNames() const {
  std::vector<std::string> names;
  for (const auto &[name, c] : classes_)
    if (c.kind == "module_holder" || c.kind == "optimizer" || c.kind == "class" || c.kind == "options")
      names.push_back(name);
  return names;
}

/// Derives the Python-style signature a config sees. LibTorch modules take
/// an options object, so positional and keyword arguments are mapped onto
/// the options' constructor and its TORCH_ARG setters.
std::optional<Signature> Manifest::signature(const ClassInfo &cls) const {
  Signature sig;
  sig.component = &cls;
  const ClassInfo *impl = &cls;
  if (cls.kind == "module_holder") {
    impl = find(cls.impl);
    if (!impl)
      return std::nullopt;
  } else if (cls.kind == "module") {
    return std::nullopt; // configs name the holder, not the Impl
  }
  // A holder usually records its options on the Impl; an options class is
  // its own options (a config may build `LinearOptions` directly).
  std::string optionsName = !cls.options.empty() ? cls.options : impl->options;
  sig.options = optionsName.empty() ? nullptr : find(optionsName);
  if (!sig.options && cls.kind == "options")
    sig.options = &cls;
  sig.takesParameters = cls.kind == "optimizer";

  // The component's own constructor that does not take the options object
  // (for components without an options class).
  const Constructor *direct = nullptr;
  for (const Constructor &ctor : impl->constructors) {
    bool takesOptions = ctor.params.size() == 1 && isOptionsParam(ctor.params[0], sig.options);
    if (!takesOptions && (!direct || ctor.params.size() > direct->params.size()))
      direct = &ctor;
  }
  const Constructor *optionsCtor = sig.options ? widest(*sig.options) : nullptr;
  if (sig.takesParameters) {
    // Optimizer(params, options): in a config, the parameters come first
    // and the options' constructor arguments (lr) follow, as in Python. An
    // optimizer without options (Multiopt) takes the rest of its own
    // constructor's parameters instead.
    for (const Constructor &ctor : impl->constructors)
      if (!ctor.params.empty() && isParametersCategory(ctor.params[0].category)) {
        sig.positional.push_back(ctor.params[0]);
        if (!optionsCtor)
          sig.positional.insert(sig.positional.end(), ctor.params.begin() + 1, ctor.params.end());
        break;
      }
    if (optionsCtor)
      sig.positional.insert(sig.positional.end(), optionsCtor->params.begin(), optionsCtor->params.end());
  } else if (optionsCtor) {
    // Positional arguments bind to the options' constructor, whose names
    // are also the keywords (`Conv2d(3, 8, 3)` = in_channels, out_channels,
    // kernel_size); the Impl's shortcut constructor may name them otherwise.
    sig.positional = optionsCtor->params;
  } else if (direct) {
    for (const Param &p : direct->params)
      if (!isOptionsParam(p, sig.options))
        sig.positional.push_back(p);
    // `Component(first, options)`, such as an LR scheduler built on its
    // optimizer: like an optimizer's parameters, the first argument goes
    // to the component and the rest of the call configures the options.
    sig.takesParameters = sig.options && direct->params.size() == 2 && isOptionsParam(direct->params[1], sig.options);
  }
  // Keywords: constructor parameters and TORCH_ARG options.
  // First spelling wins, so the positional's name and doc take precedence
  // over a TORCH_ARG of the same name.
  auto addKeyword = [&](const Param &p) {
    for (const Param &k : sig.keywords)
      if (k.name == p.name)
        return;
    sig.keywords.push_back(p);
  };
  for (const Param &p : sig.positional)
    addKeyword(p);
  if (sig.options) {
    if (optionsCtor)
      for (const Param &p : optionsCtor->params)
        addKeyword(p);
    for (const Param &a : sig.options->args)
      addKeyword(a);
  }
  // An options class's own args were added above as sig.options->args.
  if (sig.options != &cls)
    for (const Param &a : cls.args)
      addKeyword(a);
  for (const Param &p : sig.positional)
    if (!p.defaultText)
      sig.required.push_back(p.name);
  return sig;
}

/// FGCC_MANIFEST_DIR, when set, replaces `<exe>/../share/fgcc/manifest`,
/// which serves both the build tree and an install tree.
std::vector<std::string> defaultManifestPaths() {
  // Every manifest in the directory: LibTorch's, the model library's, and
  // any a user installs there.
  const char *env = std::getenv("FGCC_MANIFEST_DIR");
  std::string dir = env && *env ? std::string(env) : pypath::normpath(executableDir() + "/../share/fgcc/manifest");
  std::vector<std::string> paths;
  if (DIR *d = opendir(dir.c_str())) {
    while (dirent *e = readdir(d)) {
      std::string name = e->d_name;
      if (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0 && isFile(dir + "/" + name))
        paths.push_back(dir + "/" + name);
    }
    closedir(d);
  }
  // readdir order is unspecified; sort so later-loaded (overriding) entries
  // are the same on every machine.
  std::sort(paths.begin(), paths.end());
  return paths;
}

} // namespace fgcc::resolve
