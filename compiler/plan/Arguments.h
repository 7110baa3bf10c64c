//===- Arguments.h - Reading a lowered construction's values ----*- C++ -*-===//
//
// `fgcc plan` estimates from the same program model the code generator
// writes (compiler/lower/ModelPlan.h), so that what it counts is what the
// generated program builds. A construction there holds typed C++ argument
// values; the planner needs them as numbers, flags and names, and needs to
// follow the module arguments (`layer_factory = layer_factory`) to the
// constructions they name. This file is that reader:
//
//   Literal    -> its JSON value (config.json's), or the manifest default
//                 when the construction only spells out a constructor default
//   Var        -> the variable's default: a plan is made before any command
//                 line sets it
//   Parameter  -> the value the caller passes to the partial (an attention
//                 calls its qk_norm_factory with the head width)
//   Local      -> the singleton or partial it names; Inline -> the factory
//
// An argument the config does not give takes the manifest's default, so the
// planner never copies a default from the component headers. Anything it
// cannot read as a constant is a PlanError naming the component, the
// argument and where the config wrote it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "lower/ModelPlan.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace fgcc::plan {

/// A problem that stops the estimate. `node` is the config node it is
/// about (null when unknown), so the driver can point at the template line.
class PlanError : public std::runtime_error {
public:
  PlanError(const std::string &message, const graph::Node *node = nullptr)
      : std::runtime_error(message), node(node) {}
  const graph::Node *node;
};

/// The default of one parameter of a component, as the manifest records it.
struct DefaultValue {
  bool required = false; ///< no default: the config must give it
  /// The evaluated default as JSON text; "null" for an unset optional, an
  /// empty function or module (`nullptr`, `c10::nullopt`, `{}`).
  std::string json;
};

/// The default of parameter `param` of component `component` (a C++ class
/// name), or nullopt when the component has no such parameter. The driver
/// answers from the manifest; tests from a table.
using DefaultLookup = std::function<std::optional<DefaultValue>(const std::string &component, const std::string &param)>;

/// One construction reached from the plan, with the values of the open
/// parameters its caller passes (a partial's lambda parameters).
struct ComponentRef {
  const lower::Construction *construction = nullptr;
  std::map<std::string, nlohmann::json> bound; ///< lambda parameter -> value
  const graph::Node *node = nullptr;           ///< the config node, for errors

  const std::string &component() const { return construction->component; }
  /// "fgcc::nn::RMSNorm (models/llama.yaml:14)": what error messages name.
  std::string describe() const;
};

/// Reads the arguments of the constructions of one lowered plan.
class ArgumentReader {
public:
  ArgumentReader(const lower::ModelPlan &plan, DefaultLookup defaults)
      : plan_(plan), defaults_(std::move(defaults)) {}

  /// The plan's last local: the model, or the trainer's options.
  ComponentRef root() const;
  /// The local named `name` (a singleton, or a partial called with no
  /// arguments); a PlanError when there is none.
  ComponentRef local(const std::string &name) const;

  /// The constant value of argument `name`: given, or the manifest's
  /// default; JSON null when it is unset. A PlanError when it is not a
  /// constant (a module, a required variable).
  nlohmann::json value(const ComponentRef &c, const std::string &name) const;
  /// value() as an integer, a number, a flag or a string; a PlanError
  /// naming the expected type otherwise (null included).
  int64_t integer(const ComponentRef &c, const std::string &name) const;
  double number(const ComponentRef &c, const std::string &name) const;
  bool flag(const ComponentRef &c, const std::string &name) const;
  std::string string(const ComponentRef &c, const std::string &name) const;

  /// The construction a module argument names, called with `callArgs`
  /// when it is a partial; nullopt when the argument is unset (no final
  /// norm, no positional encoder).
  std::optional<ComponentRef> component(const ComponentRef &c, const std::string &name,
                                        const std::vector<nlohmann::json> &callArgs = {}) const;

  /// Whether the construction gives argument `name` itself (not a default).
  bool given(const ComponentRef &c, const std::string &name) const;

private:
  /// The argument as the construction spells it, or null.
  const lower::NamedArg *find(const ComponentRef &c, const std::string &name) const;
  /// A literal or variable value as JSON; a PlanError for anything else.
  nlohmann::json constant(const ComponentRef &c, const std::string &name, const lower::ArgValue &v) const;
  nlohmann::json defaultOf(const ComponentRef &c, const std::string &name) const;
  ComponentRef called(const lower::Local &l, const std::vector<nlohmann::json> &callArgs,
                      const ComponentRef &caller, const std::string &name) const;

  const lower::ModelPlan &plan_;
  DefaultLookup defaults_;
};

} // namespace fgcc::plan
