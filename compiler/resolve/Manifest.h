//===- Manifest.h - The component manifest --------------------------------===//
//
// C++ has no keyword arguments, so fgcc learns every component's parameters
// from a manifest written by tools/fgcc-scan (Clang LibTooling): classes with
// their constructors and their `TORCH_ARG` options, each parameter with its
// type, a coarse type category, its default and its doc comment. This file
// reads manifests (format "fgcc-manifest" version 1) and derives, for each
// component a config can call, the signature the checker needs.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "support/Diagnostics.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fgcc::resolve {

/// One constructor parameter or TORCH_ARG option as the scanner recorded
/// it; `category` is what the checker compares config values against.
struct Param {
  std::string name;
  std::string type;     ///< as written (`int64_t`)
  std::string category; ///< int, float, bool, string, int_array, ..., optional:<c>, enum, other
  /// The default as source text; unset means the parameter is required.
  std::optional<std::string> defaultText;
  std::string defaultValueJson; ///< the evaluated default as JSON text, or empty
  std::vector<std::string> choices; ///< enum categories
  std::string doc;
};

/// One public constructor of a class (inherited ones included).
struct Constructor {
  std::vector<Param> params;
};

/// One class of a manifest: what it is (`kind`), where it is declared,
/// how it is constructed, and which options class carries its arguments.
struct ClassInfo {
  std::string name; ///< fully qualified C++ name
  std::string header;
  std::string kind; ///< module, module_holder, options, optimizer, class
  std::string impl;
  std::string options;
  std::string doc;
  std::vector<std::string> bases;
  std::vector<Constructor> constructors;
  std::vector<Param> args; ///< TORCH_ARG options
};

/// What a config can pass to a component.
struct Signature {
  const ClassInfo *component = nullptr;
  const ClassInfo *options = nullptr; ///< where the keyword arguments live
  std::vector<Param> positional;      ///< in order
  std::vector<Param> keywords;        ///< every accepted keyword
  std::vector<std::string> required;  ///< keywords/positionals without a default
  /// Optimizers, and components built as `Component(first, options)` such
  /// as LR schedulers: the first constructor parameter (the parameters to
  /// optimise, the optimizer) is supplied by the trainer, not by the
  /// config, and goes to the component rather than to its options.
  bool takesParameters = false;
};

/// Every class of every loaded manifest, keyed by qualified C++ name; a
/// later manifest's entry for the same name replaces the earlier one.
class Manifest {
public:
  /// Adds the classes of one manifest file; throws FatalError on bad input.
  void load(const std::string &path);
  /// Adds classes from JSON text (`origin` names it in errors).
  void loadText(const std::string &json, const std::string &origin);

  /// A class by its fully qualified C++ name, or null.
  const ClassInfo *find(const std::string &qualifiedName) const;
  /// A class by its qualified name or, failing that, by its last name
  /// components (`MyAttention` finds `demo::MyAttention` when unique).
  const ClassInfo *findLoose(const std::string &name) const;
  /// Names of the components a config can call (holders, optimizers,
  /// classes; not Impl or Options classes).
  std::vector<std::string> componentNames() const;
  const std::map<std::string, ClassInfo> &classes() const { return classes_; }

  /// The signature of a callable component, or nullopt when `cls` is not
  /// one (an Impl hidden behind its holder, say).
  std::optional<Signature> signature(const ClassInfo &cls) const;

private:
  std::map<std::string, ClassInfo> classes_;
};

/// Whether a parameter of manifest category `category` is what an
/// optimizer's first constructor parameter takes: the parameters to
/// optimise, as a `tensor_list` or by name (`named_tensors`).
bool isParametersCategory(const std::string &category);

/// Where the manifests installed with fgcc are (build tree or install tree).
std::vector<std::string> defaultManifestPaths();

} // namespace fgcc::resolve
