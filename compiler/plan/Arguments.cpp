//===- Arguments.cpp - Reading a lowered construction's values ------------===//
#include "plan/Arguments.h"

namespace fgcc::plan {

using nlohmann::json;

std::string ComponentRef::describe() const {
  const std::string &origin = construction->origin;
  return construction->component + (origin.empty() ? "" : " (" + origin + ")");
}

ComponentRef ArgumentReader::root() const {
  if (plan_.locals.empty())
    throw PlanError("the plan of target '" + plan_.target + "' is empty");
  const lower::Local &last = plan_.locals.back();
  return ComponentRef{&last.construction, {}, last.node};
}

ComponentRef ArgumentReader::local(const std::string &name) const {
  for (const lower::Local &l : plan_.locals)
    if (l.name == name)
      return ComponentRef{&l.construction, {}, l.node};
  throw PlanError("the plan of target '" + plan_.target + "' has no local '" + name + "'");
}

const lower::NamedArg *ArgumentReader::find(const ComponentRef &c, const std::string &name) const {
  // Setters come after the constructor: a name is in one list or the other.
  for (const auto *list : {&c.construction->ctorArgs, &c.construction->setters})
    for (const lower::NamedArg &a : *list)
      if (a.name == name)
        return &a;
  return nullptr;
}

bool ArgumentReader::given(const ComponentRef &c, const std::string &name) const {
  const lower::NamedArg *arg = find(c, name);
  // A constructor default written out to keep the call positional has no
  // JSON: the config did not give it.
  return arg && !(arg->value.kind == lower::ArgValue::Kind::Literal && arg->value.json.empty());
}

json ArgumentReader::defaultOf(const ComponentRef &c, const std::string &name) const {
  // A rule that reads an argument the component lacks is out of date with
  // the model library: say so rather than assume a value.
  std::optional<DefaultValue> d = defaults_ ? defaults_(c.component(), name) : std::nullopt;
  if (!d)
    throw PlanError(c.describe() + " has no argument '" + name + "' (fgcc plan reads it to count the component)",
                    c.node);
  if (d->required)
    throw PlanError(c.describe() + " needs '" + name + "', which has no default", c.node);
  json value = json::parse(d->json, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded())
    throw PlanError("the default of '" + name + "' of " + c.describe() + " is not a constant", c.node);
  return value;
}

json ArgumentReader::constant(const ComponentRef &c, const std::string &name, const lower::ArgValue &v) const {
  using Kind = lower::ArgValue::Kind;
  switch (v.kind) {
  case Kind::Literal:
    // The JSON is config.json's value; a literal without it is a
    // constructor default the lowering wrote out as C++ text.
    return v.json.empty() ? defaultOf(c, name) : json::parse(v.json);
  case Kind::Var: {
    // `args.<name>`: the field of the generated arguments struct. The plan
    // is of the run with the config's defaults; a command line that
    // changes them changes the run, not this estimate.
    std::string field = v.text.rfind("args.", 0) == 0 ? v.text.substr(5) : v.text;
    for (const lower::ModelVar &mv : plan_.vars)
      if (mv.name == field) {
        if (mv.defaultValue.text.empty())
          throw PlanError("'" + name + "' of " + c.describe() + " is the variable '" + mv.spelling +
                              "', which has no default: a plan needs a constant",
                          c.node);
        return constant(c, name, mv.defaultValue);
      }
    throw PlanError("'" + name + "' of " + c.describe() + " names an unknown variable '" + field + "'", c.node);
  }
  case Kind::Parameter:
    // Bound by called(): what the caller passes to the partial.
    if (auto it = c.bound.find(v.text); it != c.bound.end())
      return it->second;
    throw PlanError("'" + name + "' of " + c.describe() + " is supplied by its caller, which fgcc plan does not know",
                    c.node);
  case Kind::Local:
  case Kind::Inline:
    break;
  }
  throw PlanError("'" + name + "' of " + c.describe() + " is a component, not a constant", c.node);
}

json ArgumentReader::value(const ComponentRef &c, const std::string &name) const {
  const lower::NamedArg *arg = find(c, name);
  return arg ? constant(c, name, arg->value) : defaultOf(c, name);
}

int64_t ArgumentReader::integer(const ComponentRef &c, const std::string &name) const {
  json v = value(c, name);
  if (!v.is_number_integer())
    throw PlanError("'" + name + "' of " + c.describe() + " must be an integer constant, got " + v.dump(), c.node);
  return v.get<int64_t>();
}

double ArgumentReader::number(const ComponentRef &c, const std::string &name) const {
  json v = value(c, name);
  if (!v.is_number())
    throw PlanError("'" + name + "' of " + c.describe() + " must be a number, got " + v.dump(), c.node);
  return v.get<double>();
}

bool ArgumentReader::flag(const ComponentRef &c, const std::string &name) const {
  json v = value(c, name);
  if (!v.is_boolean())
    throw PlanError("'" + name + "' of " + c.describe() + " must be true or false, got " + v.dump(), c.node);
  return v.get<bool>();
}

std::string ArgumentReader::string(const ComponentRef &c, const std::string &name) const {
  json v = value(c, name);
  if (!v.is_string())
    throw PlanError("'" + name + "' of " + c.describe() + " must be a string, got " + v.dump(), c.node);
  return v.get<std::string>();
}

/// The construction of local `l` as the component `caller` calls it
/// through argument `name`: a partial's open parameters take `callArgs`,
/// in order, as the generated lambda's parameters do.
ComponentRef ArgumentReader::called(const lower::Local &l, const std::vector<json> &callArgs,
                                    const ComponentRef &caller, const std::string &name) const {
  if (l.params.size() != callArgs.size())
    throw PlanError("'" + name + "' of " + caller.describe() + " takes " + std::to_string(l.params.size()) +
                        " arguments where fgcc plan passes " + std::to_string(callArgs.size()),
                    caller.node);
  ComponentRef ref{&l.construction, {}, l.node};
  for (size_t i = 0; i < callArgs.size(); ++i)
    ref.bound[l.params[i].second] = callArgs[i];
  return ref;
}

std::optional<ComponentRef> ArgumentReader::component(const ComponentRef &c, const std::string &name,
                                                      const std::vector<json> &callArgs) const {
  const lower::NamedArg *arg = find(c, name);
  if (!arg) {
    // Not given: fine when the default is "none" (an unset factory).
    if (!defaultOf(c, name).is_null())
      throw PlanError("'" + name + "' of " + c.describe() + " has a default fgcc plan cannot follow: give it", c.node);
    return std::nullopt;
  }
  const lower::ArgValue &v = arg->value;
  if (v.kind == lower::ArgValue::Kind::Inline)
    // A factory built in place; it shares the caller's node for errors.
    return ComponentRef{v.construction.get(), {}, c.node};
  if (v.kind == lower::ArgValue::Kind::Local) {
    for (const lower::Local &l : plan_.locals)
      if (l.name == v.text)
        return called(l, callArgs, c, name);
    throw PlanError("'" + name + "' of " + c.describe() + " names an unknown local '" + v.text + "'", c.node);
  }
  // A literal null (`pos_encoder: null`) or a written-out `nullptr` default.
  if (v.kind == lower::ArgValue::Kind::Literal && (v.json == "null" || v.text == "nullptr" || v.text == "{}"))
    return std::nullopt;
  throw PlanError("'" + name + "' of " + c.describe() + " must be a component", c.node);
}

} // namespace fgcc::plan
