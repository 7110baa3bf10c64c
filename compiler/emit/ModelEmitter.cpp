//===- ModelEmitter.cpp - Phase "emit": a ModelPlan -> the model/ directory -===//
//
// The C++ is written to read like careful hand-written LibTorch code: one
// local per component the config names, a `// template:line` comment above
// each saying where it came from, constructor arguments labelled with their
// parameter names, and setter chains broken over lines when a statement
// would not fit in 100 columns.
//
//===----------------------------------------------------------------------===//
#include "emit/ModelEmitter.h"

#include "support/Diagnostics.h"
#include "support/CppText.h"
#include "support/PyPath.h"
#include "support/PyText.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <sys/stat.h>

namespace fgcc::emit {

using lower::ArgValue;
using lower::Construction;
using lower::Local;
using lower::ModelPlan;
using lower::NamedArg;
using lower::PipelinePlan;

namespace {

constexpr size_t kLineWidth = 100;

/// `modelsrc/causal_lm.hpp` -> `causal_lm.hpp`: component sources are copied
/// flat into model/components/.
std::string baseName(const std::string &path) { return pypath::basename(path); }

// ---------------------------------------------------------------------------
// C++ expressions

std::string renderConstruction(const Construction &c, size_t indent);

/// One argument value; inline factories are written in full where used.
std::string renderValue(const ArgValue &v, size_t indent) {
  if (v.kind == ArgValue::Kind::Inline)
    return renderConstruction(*v.construction, indent);
  if (v.kind == ArgValue::Kind::List) {
    std::string text;
    for (const ArgValue &item : v.items)
      text += (text.empty() ? "" : ", ") + renderValue(item, indent);
    return v.text + "{" + text + "}";
  }
  return v.anyModule ? "torch::nn::AnyModule(" + v.text + ")" : v.text;
}

/// `/*d_model=*/256`: a constructor argument with its parameter name,
/// unless the value already says it (a local or lambda parameter of the
/// same name).
std::string renderCtorArg(const NamedArg &a, size_t indent) {
  std::string value = renderValue(a.value, indent);
  bool named = (a.value.kind == ArgValue::Kind::Local || a.value.kind == ArgValue::Kind::Parameter) &&
               a.value.text == a.name;
  return named ? value : "/*" + a.name + "=*/" + value;
}

/// `Holder(Options(ctor...).setter(v)...)`. Setters go on lines of their
/// own, indented below the statement, when the one-line form is too wide.
/// The constructor arguments of `c`, comma-separated.
std::string renderCtorArgs(const Construction &c, size_t indent) {
  std::string ctor;
  // An optimizer's parameters go to the optimizer, not to its options; an
  // optimizer without options (Multiopt) takes them with the rest.
  const bool viaOptions = !c.options.empty() || c.optionsOnly;
  for (size_t i = c.takesParameters && viaOptions ? 1 : 0; i < c.ctorArgs.size(); ++i)
    ctor += (ctor.empty() ? "" : ", ") + renderCtorArg(c.ctorArgs[i], indent);
  return ctor;
}

/// `Component(ctor args...)` without setters.
std::string renderCtorCall(const std::string &cls, const Construction &c, size_t indent) {
  return cls + "(" + renderCtorArgs(c, indent) + ")";
}

/// `Component(`, or `std::make_unique<Component>(` / `std::make_shared<...>(`
/// for one built on the heap.
std::string heapOpen(const Construction &c) {
  if (c.makeUnique)
    return "std::make_unique<" + c.component + ">(";
  if (c.makeShared)
    return "std::make_shared<" + c.component + ">(";
  return c.component + "(";
}

/// The opening of the object built around the options: `Module(`, or
/// `std::make_unique<Optimizer>(params, ` for a heap-built optimizer.
std::string componentOpen(const Construction &c, size_t indent) {
  std::string open = heapOpen(c);
  if (c.takesParameters && !c.ctorArgs.empty())
    open += renderCtorArg(c.ctorArgs[0], indent) + ", ";
  return open;
}

std::string renderConstruction(const Construction &c, size_t indent) {
  bool viaOptions = !c.options.empty() || c.optionsOnly;
  std::string head = viaOptions ? renderCtorCall(c.optionsOnly ? c.component : c.options, c, indent)
                                : heapOpen(c) + renderCtorArgs(c, indent) + ")";
  std::vector<std::string> setters;
  for (const NamedArg &s : c.setters)
    setters.push_back("." + s.name + "(" + renderValue(s.value, indent + 4) + ")");
  std::string open = c.anyModule ? "torch::nn::AnyModule(" : "";
  std::string close = c.anyModule ? ")" : "";
  if (viaOptions && !c.optionsOnly) {
    open += componentOpen(c, indent);
    close = ")" + close;
  }
  std::string oneLine = open + head;
  for (const std::string &s : setters)
    oneLine += s;
  oneLine += close;
  if (indent + oneLine.size() <= kLineWidth || setters.empty())
    return oneLine;
  std::string text = open + head;
  for (const std::string &s : setters)
    text += "\n" + std::string(indent + 4, ' ') + s;
  return text + close;
}

void collectLocals(const Construction &c, std::set<std::string> &out, bool &usesArgs);

/// The locals one value refers to (see collectLocals).
void collectValueLocals(const ArgValue &v, std::set<std::string> &out, bool &usesArgs) {
  if (v.kind == ArgValue::Kind::Local)
    out.insert(v.text);
  else if (v.kind == ArgValue::Kind::Var)
    usesArgs = true;
  else if (v.kind == ArgValue::Kind::Inline)
    collectLocals(*v.construction, out, usesArgs);
  for (const ArgValue &item : v.items)
    collectValueLocals(item, out, usesArgs);
}

/// The locals a construction refers to, for a lambda's capture list.
void collectLocals(const Construction &c, std::set<std::string> &out, bool &usesArgs) {
  for (const NamedArg &a : c.ctorArgs)
    collectValueLocals(a.value, out, usesArgs);
  for (const NamedArg &a : c.setters)
    collectValueLocals(a.value, out, usesArgs);
}

/// The options object of a construction alone, with its setters one per
/// line (for statements too wide for one line).
std::string renderOptions(const Construction &c, size_t indent) {
  std::string text = renderCtorCall(c.options, c, indent);
  for (const NamedArg &s : c.setters)
    text += "." + s.name + "(" + renderValue(s.value, indent + 4) + ")";
  if (indent + text.size() <= kLineWidth)
    return text;
  text = renderCtorCall(c.options, c, indent);
  for (const NamedArg &s : c.setters)
    text += "\n" + std::string(indent + 4, ' ') + "." + s.name + "(" + renderValue(s.value, indent + 4) + ")";
  return text;
}

/// `auto name = <construction>;`, or, when that does not fit in one line,
/// the options first (`auto name_options = ...;`) and the module from them,
/// as one would write it by hand.
std::string renderStatement(const std::string &pad, const std::string &lhs, const Construction &c,
                            const std::string &optionsName) {
  std::string oneLine = pad + lhs + renderConstruction(c, pad.size()) + ";\n";
  if (oneLine.size() <= kLineWidth + 1 || c.options.empty() || c.optionsOnly)
    return oneLine;
  std::string module = componentOpen(c, pad.size()) + optionsName + ")";
  if (c.anyModule)
    module = "torch::nn::AnyModule(" + module + ")";
  return pad + "auto " + optionsName + " = " + renderOptions(c, pad.size()) + ";\n" + pad + lhs + module + ";\n";
}

/// `auto <name>_options = <the options alone>;` of a singleton built from
/// options (what a pipeline stage builder passes on instead of the module).
std::string renderOptionsStatement(const Local &l) {
  return "  auto " + l.name + "_options = " + renderOptions(l.construction, 2) + ";\n";
}

/// A seeded singleton of a pipeline model: its options, then the seed of
/// its piece, then the module, so the options' own inline modules draw
/// where a stage builder's do too.
std::string renderSeededSingleton(const Local &l) {
  std::string seed = "  fgcc::nn::seed_piece(seed, " + cpp::stringLiteral(l.seedPiece) + ");\n";
  const Construction &c = l.construction;
  if (c.options.empty() || c.optionsOnly)
    return seed + renderStatement("  ", "auto " + l.name + " = ", c, l.name + "_options");
  std::string module = componentOpen(c, 2) + l.name + "_options)";
  if (c.anyModule)
    module = "torch::nn::AnyModule(" + module + ")";
  return renderOptionsStatement(l) + seed + "  auto " + l.name + " = " + module + ";\n";
}

/// The origin comment of a local.
std::string originComment(const Local &l) {
  return l.construction.origin.empty() ? "" : "  // " + cpp::commentText(l.construction.origin) + "\n";
}

/// One local of the builder function, without its origin comment.
std::string renderLocalBody(const Local &l) {
  std::ostringstream out;
  if (l.kind == Local::Kind::Singleton) {
    if (!l.seedPiece.empty())
      out << renderSeededSingleton(l);
    else
      out << renderStatement("  ", "auto " + l.name + " = ", l.construction, l.name + "_options");
    return out.str();
  }
  // A partial: a lambda that completes the call. It captures by value what
  // it uses, since the stack calls it again whenever it (re)builds layers.
  std::set<std::string> captured;
  bool usesArgs = false;
  collectLocals(l.construction, captured, usesArgs);
  if (usesArgs)
    captured.insert("args");
  std::string captures, params;
  for (const std::string &c : captured)
    captures += (captures.empty() ? "" : ", ") + c;
  for (const auto &[type, name] : l.params)
    params += (params.empty() ? "" : ", ") + type + " " + name;
  out << "  auto " << l.name << " = [" << captures << "](" << params << ") {\n";
  out << renderStatement("    ", "return ", l.construction, "options");
  out << "  };\n";
  return out.str();
}

/// One local of the builder function, with its origin comment.
std::string renderLocal(const Local &l) { return originComment(l) + renderLocalBody(l); }

/// The first line of every generated file.
std::string banner(const ModelPlan &plan, const EmitOptions &options, const std::string &comment) {
  return generatedBanner(comment, options, plan.configName);
}

/// The header of the root component (the builder's return type).
std::string rootHeader(const ModelPlan &plan) {
  return plan.locals.empty() ? "" : baseName(plan.locals.back().construction.header);
}

std::string modelHeader(const ModelPlan &plan, const EmitOptions &options) {
  std::ostringstream out;
  out << banner(plan, options, "//");
  out << "//\n// The model of " << cpp::commentText(plan.configName) << " (target `" << cpp::commentText(plan.target) << "`): a " << plan.rootClass
      << ".\n// " << plan.name << ".cpp builds it as the config describes; config.json holds the same\n"
      << "// construction as data.\n";
  out << "#pragma once\n\n";
  if (std::string h = rootHeader(plan); !h.empty() && h.find('/') == std::string::npos &&
                                        plan.rootClass.rfind("torch::", 0) != 0)
    out << "#include \"" << h << "\"\n" << (plan.pipeline ? "#include \"causal_lm_stage.hpp\"\n" : "") << "\n";
  out << "#include <torch/torch.h>\n\n";
  out << "namespace " << options.cppNamespace << " {\n\n";
  if (plan.vars.empty()) {
    out << "/// The config's variables (`!var`); it declares none.\nstruct ModelArgs {};\n\n";
  } else {
    out << "/// The config's variables (`!var`), with the defaults it gives them.\nstruct ModelArgs {\n";
    for (const lower::ModelVar &v : plan.vars)
      out << "  " << v.type << " " << v.name << (v.defaultValue.text.empty() ? "" : " = " + v.defaultValue.text)
          << ";\n";
    out << "};\n\n";
  }
  out << "/// Builds the model with freshly initialised parameters.\n";
  out << plan.rootClass << " build_" << plan.name << "(const ModelArgs &args = {});\n\n";
  if (plan.pipeline) {
    out << "/// The pipeline stages of the compile-time split (stages/stage_<k>.cpp): each\n"
           "/// builds only its own modules, under the whole model's parameter names,\n"
           "/// with the weights build_"
        << plan.name << "() gives them.\n";
    out << "inline constexpr int kPipelineStages = " << plan.pipeline->stages.size() << ";\n";
    for (size_t k = 0; k < plan.pipeline->stages.size(); ++k)
      out << "/// Stage " << k << ": " << fgrt::dist::describe(plan.pipeline->stages[k]) << ".\n"
          << "fgcc::nn::CausalLMStage build_stage_" << k << "(const ModelArgs &args = {});\n";
    out << "\n";
  }
  out << "} // namespace " << options.cppNamespace << "\n";
  return out.str();
}

/// What a builder source starts with after its comments: the model's header,
/// the components', the namespace and the builder's signature, up to `{`.
std::string builderOpening(const ModelPlan &plan, const EmitOptions &options, const std::string &returnType,
                           const std::string &function) {
  std::ostringstream out;
  out << "#include \"" << plan.name << ".hpp\"\n\n";
  for (const std::string &h : plan.headers)
    out << "#include \"" << baseName(h) << "\"\n";
  out << "\nnamespace " << options.cppNamespace << " {\n\n";
  out << returnType << " " << function << "(const ModelArgs &" << (plan.vars.empty() ? "/*args*/" : "args") << ") {\n";
  return out.str();
}

/// `const int64_t seed = ...;` that opens a seeded builder.
const char *kSeedLine = "  // Each piece is built from its own seed (seed_piece), derived from the\n"
                        "  // program's seed, so the pipeline stages build these same weights.\n"
                        "  const int64_t seed = fgcc::nn::current_init_seed();\n\n";

/// The source of pipeline stage `k`: the model's locals (the encoder and
/// the stack as options only), then the stage around them.
std::string stageSource(const ModelPlan &plan, const EmitOptions &options, size_t k) {
  const PipelinePlan &split = *plan.pipeline;
  const fgrt::dist::StageLayers &stage = split.stages[k];
  std::ostringstream out;
  out << banner(plan, options, "//");
  out << "//\n// Pipeline stage " << k << " of " << split.stages.size() << " of " << cpp::commentText(plan.configName)
      << ": " << fgrt::dist::describe(stage) << ".\n"
      << "// The reference's balanced split of " << split.numLayers << " layers (input weight " << split.inputWeight
      << ", output\n// weight " << split.outputWeight << "; fgrt/dist/stage_split.hpp). The stage registers its modules\n"
      << "// under the whole model's names and builds nothing another stage holds.\n";
  out << builderOpening(plan, options, "fgcc::nn::CausalLMStage", "build_stage_" + std::to_string(k)) << kSeedLine;
  for (size_t i = 0; i + 1 < plan.locals.size(); ++i) {
    const Local &l = plan.locals[i];
    out << (i ? "\n" : "") << originComment(l);
    if (l.name == split.encoderLocal || l.name == split.stackLocal)
      out << renderOptionsStatement(l);
    else
      out << renderLocalBody(l);
  }
  std::string range = ".first_layer(" + std::to_string(stage.first_layer) + ").end_layer(" +
                      std::to_string(stage.end_layer) + ")";
  out << "\n  // " << fgrt::dist::describe(stage) << "\n"
      << "  auto stage_options =\n      fgcc::nn::CausalLMStageOptions(" << split.encoderLocal << "_options, "
      << split.stackLocal << "_options" << range << ")\n"
      << "          .input(" << (stage.input ? "true" : "false") << ")\n"
      << "          .output(" << (stage.output ? "true" : "false") << ")\n";
  if (split.slidingWindow)
    out << "          .sliding_window(" << renderValue(*split.slidingWindow, 10) << ")\n";
  out << "          .init_seed(seed);\n"
      << "  return fgcc::nn::CausalLMStage(stage_options);\n"
      << "}\n\n} // namespace " << options.cppNamespace << "\n";
  return out.str();
}

std::string modelSource(const ModelPlan &plan, const EmitOptions &options) {
  std::ostringstream out;
  out << banner(plan, options, "//");
  out << builderOpening(plan, options, plan.rootClass, "build_" + plan.name);
  if (plan.pipeline)
    out << kSeedLine;
  out << renderLocals(plan);
  if (!plan.locals.empty())
    out << "  return " << plan.locals.back().name << ";\n";
  out << "}\n\n} // namespace " << options.cppNamespace << "\n";
  return out.str();
}

// ---------------------------------------------------------------------------
// config.json

/// A value as data: literals as JSON, references by local name.
nlohmann::ordered_json constructionJson(const Construction &c);

nlohmann::ordered_json valueJson(const ArgValue &v) {
  switch (v.kind) {
  case ArgValue::Kind::Literal:
    return v.json.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json::parse(v.json);
  case ArgValue::Kind::Local:
    return {{"local", v.text}};
  case ArgValue::Kind::Parameter:
    return {{"param", v.text}};
  case ArgValue::Kind::Var:
    return {{"var", v.text.substr(5)}};
  case ArgValue::Kind::Inline:
    return {{"factory", constructionJson(*v.construction)}};
  case ArgValue::Kind::List: {
    nlohmann::ordered_json items = nlohmann::ordered_json::array();
    for (const ArgValue &item : v.items)
      items.push_back(valueJson(item));
    return items;
  }
  }
  return nullptr;
}

nlohmann::ordered_json constructionJson(const Construction &c) {
  nlohmann::ordered_json j;
  j["component"] = c.configSpec;
  j["cpp"] = c.component;
  nlohmann::ordered_json args = nlohmann::ordered_json::object();
  // Defaults the emitter wrote out to keep a call positional are not
  // arguments the config gave; they have no JSON form and stay out.
  for (const auto *list : {&c.ctorArgs, &c.setters})
    for (const NamedArg &a : *list)
      if (a.value.kind != ArgValue::Kind::Literal || !a.value.json.empty())
        args[a.name] = valueJson(a.value);
  j["args"] = args;
  if (!c.origin.empty())
    j["origin"] = c.origin;
  return j;
}

/// Hugging Face-style fields derived from the components' arguments (the
/// first component that sets one wins), so tools that read `config.json`
/// find the usual names.
void addHyperparameters(const ModelPlan &plan, nlohmann::ordered_json &j) {
  static const std::vector<std::tuple<const char *, const char *, const char *>> fields = {
      {"InputEncoder", "vocab_size", "vocab_size"},
      {"InputEncoder", "d_model", "hidden_size"},
      {"LayerStack", "num_hidden_layers", "num_hidden_layers"},
      {"Attn", "num_heads", "num_attention_heads"},
      {"Attn", "num_kv_heads", "num_key_value_heads"},
      {"Feedforward", "d_feedforward", "intermediate_size"},
      {"Feedforward", "activation", "hidden_act"},
      {"RMSNorm", "eps", "rms_norm_eps"},
      {"RotaryPE", "rope_theta", "rope_theta"},
      {"RotaryPE", "max_position_embeddings", "max_position_embeddings"},
      {"SinusoidalPE", "max_sequence_length", "max_position_embeddings"},
      {"CausalLM", "tie_word_embeddings", "tie_word_embeddings"},
      {"CausalLM", "sliding_window", "sliding_window"},
  };
  std::vector<const Construction *> all;
  std::function<void(const Construction &)> collect = [&](const Construction &c) {
    all.push_back(&c);
    for (const auto *list : {&c.ctorArgs, &c.setters})
      for (const NamedArg &a : *list)
        if (a.value.kind == ArgValue::Kind::Inline)
          collect(*a.value.construction);
  };
  for (const Local &l : plan.locals)
    collect(l.construction);
  for (const auto &[component, arg, field] : fields) {
    if (j.contains(field))
      continue;
    for (const Construction *c : all) {
      if (c->component.find(component) == std::string::npos)
        continue;
      for (const auto *list : {&c->ctorArgs, &c->setters})
        for (const NamedArg &a : *list)
          if (a.name == arg && a.value.kind == ArgValue::Kind::Literal && !a.value.json.empty() && !j.contains(field))
            j[field] = nlohmann::ordered_json::parse(a.value.json);
    }
  }
}

std::string configJson(const ModelPlan &plan, const EmitOptions &options) {
  nlohmann::ordered_json j;
  j["model_type"] = "fgcc-" + options.cppNamespace;
  j["architectures"] = {plan.rootClass};
  j["fgcc_version"] = options.fgccVersion;
  j["config"] = plan.configName;
  addHyperparameters(plan, j);
  nlohmann::ordered_json locals = nlohmann::ordered_json::array();
  for (const Local &l : plan.locals) {
    nlohmann::ordered_json e;
    e["name"] = l.name;
    e["kind"] = l.kind == Local::Kind::Singleton ? "singleton" : "partial";
    if (l.kind == Local::Kind::Partial) {
      e["params"] = nlohmann::ordered_json::array();
      for (const auto &p : l.params)
        e["params"].push_back(p.second);
    }
    e.update(constructionJson(l.construction));
    locals.push_back(e);
  }
  j["construction"] = {{"root", plan.locals.empty() ? "" : plan.locals.back().name}, {"locals", locals}};
  return j.dump(1) + "\n";
}

// ---------------------------------------------------------------------------
// Component sources

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw FatalError(SourceLoc{}, "cannot read component source '" + path + "'");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool fileExists(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

/// Whether the model is built from the parts of the llama family (pre-LN
/// layers, RMSNorm, grouped-query attention, GLU): its model_smoke can
/// then export and import Hugging Face Llama checkpoints (hf_llama.hpp,
/// which checks the exact shape at run time).
bool isLlamaFamily(const ModelPlan &plan) {
  if (plan.rootClass != "fgcc::nn::CausalLM")
    return false;
  for (const char *part : {"modelsrc/pre_ln_layer.hpp", "modelsrc/rms_norm.hpp", "modelsrc/causal_multihead_attn.hpp",
                           "modelsrc/glu_feedforward.hpp"})
    if (std::find(plan.headers.begin(), plan.headers.end(), part) == plan.headers.end())
      return false;
  return true;
}

/// The component files the model needs: each used header, the source
/// beside it, and everything they include with quotes, transitively; the
/// safetensors reader/writer for model_smoke's weights.
std::map<std::string, std::string> componentSources(const ModelPlan &plan, const EmitOptions &options) {
  std::vector<std::string> pending;
  for (const std::string &h : plan.headers) {
    if (h.rfind("modelsrc/", 0) != 0)
      throw FatalError(SourceLoc{}, "component header '" + h +
                                        "' is not part of fgcc's model library; generated models can only copy "
                                        "modelsrc components yet");
    pending.push_back(baseName(h));
  }
  pending.push_back("safetensors.hpp");
  if (isLlamaFamily(plan))
    pending.push_back("hf_llama.hpp");
  std::map<std::string, std::string> files;
  while (!pending.empty()) {
    std::string name = pending.back();
    pending.pop_back();
    if (files.count(name))
      continue;
    std::string path = options.modelSourceDir + "/" + name;
    files[name] = readFile(path);
    // A header's implementation lives beside it.
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".hpp") == 0) {
      std::string source = name.substr(0, name.size() - 4) + ".cpp";
      if (fileExists(options.modelSourceDir + "/" + source))
        pending.push_back(source);
    }
    std::istringstream lines(files[name]);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("#include \"", 0) != 0)
        continue;
      size_t end = line.find('"', 10);
      if (end != std::string::npos)
        pending.push_back(line.substr(10, end - 10));
    }
  }
  return files;
}

// ---------------------------------------------------------------------------
// CMakeLists.txt and model_smoke.cpp

std::string cmakeLists(const ModelPlan &plan, const EmitOptions &options, const std::vector<std::string> &sources) {
  std::string lib = options.cppNamespace + "_model";
  std::ostringstream out;
  out << banner(plan, options, "#");
  out << "#\n"
         "# The model of "
      << cpp::commentText(plan.configName)
      << " on its own: a library with the generated\n"
         "# construction code and copies of the component sources it uses, and\n"
         "# model_smoke, which builds the model and runs it once. It needs LibTorch only:\n"
         "#\n"
         "#   cmake -S . -B build -DCMAKE_PREFIX_PATH=<libtorch> && cmake --build build\n"
         "#   build/model_smoke\n"
         "cmake_minimum_required(VERSION 3.18)\n"
         "project("
      << lib
      << " LANGUAGES CXX)\n\n"
         "if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)\n"
         "  set(CMAKE_BUILD_TYPE Release)\n"
         "endif()\n"
         "# A parent project (the whole generated experiment) may have found LibTorch.\n"
         "if(NOT TORCH_LIBRARIES)\n"
         "  find_package(Torch REQUIRED)\n"
         "endif()\n\n"
         "add_library("
      << lib << " STATIC\n  " << plan.name << ".cpp";
  if (plan.pipeline)
    for (size_t k = 0; k < plan.pipeline->stages.size(); ++k)
      out << "\n  stages/stage_" << k << ".cpp";
  bool safetensors = false;
  for (const std::string &s : sources) {
    if (s == "safetensors.cpp")
      safetensors = true;
    else
      out << "\n  components/" << s;
  }
  out << ")\n"
         "target_include_directories("
      << lib
      << " PUBLIC ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/components)\n"
         "target_link_libraries("
      << lib
      << " PUBLIC ${TORCH_LIBRARIES})\n"
         "target_compile_features("
      << lib << " PUBLIC cxx_std_17)\n";
  if (safetensors)
    out << "# In the whole experiment the runtime compiles the safetensors code for\n"
           "# both (one definition in the program); on its own the model does.\n"
           "if(TARGET fgrt)\n"
           "  target_link_libraries("
        << lib
        << " PUBLIC fgrt)\n"
           "else()\n"
           "  target_sources("
        << lib
        << " PRIVATE components/safetensors.cpp)\n"
           "endif()\n";
  out << "# Parsing <torch/torch.h> is most of a file's compile time: precompile it\n"
         "# once (the runtime's copy, in the whole experiment).\n"
         "if(COMMAND fgrt_use_torch_pch)\n"
         "  fgrt_use_torch_pch("
      << lib
      << ")\n"
         "else()\n"
         "  target_precompile_headers("
      << lib
      << " PRIVATE <torch/torch.h>)\n"
         "endif()\n\n"
         "add_executable(model_smoke model_smoke.cpp)\n"
         "target_link_libraries(model_smoke PRIVATE "
      << lib
      << ")\n"
         "target_precompile_headers(model_smoke REUSE_FROM "
      << lib << ")\n";
  return out.str();
}

/// model_smoke for a causal language model: forward and backward, and the
/// safetensors exchange the numerics tests use.
const char *kCausalLmSmoke = R"cpp(
namespace {

/// The next-token loss: logits at t predict the token at t + 1.
torch::Tensor next_token_loss(const torch::Tensor &logits, const torch::Tensor &input_ids) {
  auto predicted = logits.slice(1, 0, -1).reshape({-1, logits.size(-1)});
  auto targets = input_ids.slice(1, 1).reshape({-1});
  return torch::nn::functional::cross_entropy(predicted, targets);
}

/// Every option's value, by name; a flag without a value is "1".
std::map<std::string, std::string> parse_options(int argc, char **argv) {
  std::map<std::string, std::string> options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0)
      throw std::runtime_error("unexpected argument '" + arg + "' (see --help)");
    bool has_value = i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0;
    options[arg.substr(2)] = has_value ? argv[++i] : "1";
  }
  return options;
}

const char *kUsage = "usage: model_smoke [--seed N] [--batch-size B] [--seq-len T] [--save-weights FILE]\n"
                     "       model_smoke --weights FILE --inputs FILE --outputs FILE\n"
                     "HF_USAGE"
                     "Builds the model and runs one forward and backward pass. With --weights and\n"
                     "--inputs, loads the parameters and `input_ids` from safetensors files and\n"
                     "writes `logits`, `loss` and `grad.<parameter>` to --outputs.\n";

} // namespace

int main(int argc, char **argv) try {
  auto options = parse_options(argc, argv);
  if (options.count("help")) {
    std::cout << kUsage;
    return 0;
  }
  torch::manual_seed(options.count("seed") ? std::stoll(options["seed"]) : 0);
  auto model = NAMESPACE::build_MODEL();
  int64_t count = 0;
  for (const auto &p : model->parameters())
    count += p.numel();
  std::cout << "model: " << "ROOT" << ", " << count << " parameters\n";

  torch::Tensor input_ids;
  if (options.count("weights")) {
    // Parameters by their state-dict names; every one must be given.
    auto weights = fgcc::safetensors::load(options["weights"]).tensors;
    torch::NoGradGuard no_grad;
    for (auto &item : model->named_parameters()) {
      auto found = weights.find(item.key());
      if (found == weights.end())
        throw std::runtime_error("parameter '" + item.key() + "' missing from " + options["weights"]);
      item.value().copy_(found->second);
    }
  }
HF_IO  if (options.count("inputs")) {
    input_ids = fgcc::safetensors::load(options["inputs"]).tensors.at("input_ids");
  } else {
    int64_t batch = options.count("batch-size") ? std::stoll(options["batch-size"]) : 2;
    int64_t seq_len = options.count("seq-len") ? std::stoll(options["seq-len"]) : 16;
    input_ids = torch::randint(model->options.input_encoder()->options.vocab_size(), {batch, seq_len}, torch::kLong);
  }
  if (options.count("save-weights")) {
    std::map<std::string, torch::Tensor> weights;
    for (const auto &item : model->named_parameters())
      weights[item.key()] = item.value().detach();
    fgcc::safetensors::save(options["save-weights"], weights);
  }

  auto logits = model->forward(input_ids);
  auto loss = next_token_loss(logits, input_ids);
  loss.backward();
  std::cout << "logits: " << logits.sizes() << ", loss " << loss.item<double>() << "\n";
  if (!std::isfinite(loss.item<double>()))
    throw std::runtime_error("the loss is not finite");
  if (options.count("outputs")) {
    std::map<std::string, torch::Tensor> outputs{{"logits", logits.detach()}, {"loss", loss.detach()}};
    for (const auto &item : model->named_parameters())
      if (item.value().grad().defined())
        outputs["grad." + item.key()] = item.value().grad();
    fgcc::safetensors::save(options["outputs"], outputs);
  }
  return 0;
} catch (const std::exception &e) {
  std::cerr << "model_smoke: error: " << e.what() << "\n";
  return 1;
}
)cpp";

/// The Hugging Face conversions of a llama-family model_smoke.
const char *kHfSmoke = R"cpp(  // Hugging Face Llama / Mistral / Qwen3 checkpoints (config.json and
  // model.safetensors or shards), under their parameter names.
  if (options.count("import-hf"))
    fgcc::nn::import_hf_llama(model, options["import-hf"]);
  if (options.count("export-hf")) {
    fgcc::nn::export_hf_llama(model, options["export-hf"]);
    std::cout << "exported to " << options["export-hf"] << "\n";
    return 0;
  }
)cpp";

/// model_smoke for any other module: it is built and its size printed.
const char *kModuleSmoke = R"cpp(
int main() try {
  torch::manual_seed(0);
  auto model = NAMESPACE::build_MODEL();
  int64_t count = 0;
  for (const auto &p : model->parameters())
    count += p.numel();
  std::cout << "model: " << "ROOT" << ", " << count << " parameters\n";
  return 0;
} catch (const std::exception &e) {
  std::cerr << "model_smoke: error: " << e.what() << "\n";
  return 1;
}
)cpp";

std::string replaceAll(std::string s, const std::string &from, const std::string &to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

std::string smokeSource(const ModelPlan &plan, const EmitOptions &options) {
  bool causalLm = plan.rootClass == "fgcc::nn::CausalLM";
  std::ostringstream out;
  out << banner(plan, options, "//");
  out << "//\n// Builds the model of " << cpp::commentText(plan.configName) << " and runs it once (see kUsage).\n";
  out << "#include \"" << plan.name << ".hpp\"\n";
  if (causalLm && isLlamaFamily(plan))
    out << "#include \"hf_llama.hpp\"\n";
  if (causalLm)
    out << "#include \"safetensors.hpp\"\n";
  out << "\n#include <torch/torch.h>\n\n#include <cmath>\n#include <iostream>\n#include <map>\n#include <string>\n";
  std::string body = causalLm ? kCausalLmSmoke : kModuleSmoke;
  body = replaceAll(body, "NAMESPACE", options.cppNamespace);
  body = replaceAll(body, "build_MODEL", "build_" + plan.name);
  body = replaceAll(body, "\"ROOT\"", "\"" + plan.rootClass + "\"");
  // Llama-family models also convert to and from Hugging Face checkpoints.
  bool hf = causalLm && isLlamaFamily(plan);
  body = replaceAll(body, "                     \"HF_USAGE\"\n",
                    hf ? "                     \"       model_smoke --export-hf DIR | --import-hf DIR [...]\\n\"\n" : "");
  body = replaceAll(body, "HF_IO", hf ? kHfSmoke : "");
  out << body;
  return out.str();
}

void makeDirs(const std::string &dir) {
  std::string cur;
  for (const std::string &part : py::split(dir, "/")) {
    cur += (cur.empty() && dir[0] == '/' ? "/" : cur.empty() ? "" : "/") + part;
    if (!part.empty() && ::mkdir(cur.c_str(), 0777) != 0 && errno != EEXIST)
      throw FatalError(SourceLoc{}, "cannot create directory '" + cur + "': " + std::strerror(errno));
  }
}

} // namespace

std::string generatedBanner(const std::string &comment, const EmitOptions &options, const std::string &configName) {
  return comment + " generated by fgcc " + options.fgccVersion + " from " + cpp::commentText(configName) + " -- do not edit\n";
}

std::string renderLocals(const ModelPlan &plan) {
  std::string out;
  for (size_t i = 0; i < plan.locals.size(); ++i)
    out += (i ? "\n" : "") + renderLocal(plan.locals[i]);
  return out;
}

std::map<std::string, std::string> emitModelFiles(const ModelPlan &plan, const EmitOptions &options) {
  std::map<std::string, std::string> files;
  std::map<std::string, std::string> components = componentSources(plan, options);
  std::vector<std::string> sources;
  for (const auto &[name, text] : components) {
    files["components/" + name] = text;
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".cpp") == 0)
      sources.push_back(name);
  }
  files[plan.name + ".hpp"] = modelHeader(plan, options);
  files[plan.name + ".cpp"] = modelSource(plan, options);
  if (plan.pipeline)
    for (size_t k = 0; k < plan.pipeline->stages.size(); ++k)
      files["stages/stage_" + std::to_string(k) + ".cpp"] = stageSource(plan, options, k);
  files["model_smoke.cpp"] = smokeSource(plan, options);
  files["config.json"] = configJson(plan, options);
  files["CMakeLists.txt"] = cmakeLists(plan, options, sources);
  return files;
}

void writeFiles(const std::string &dir, const std::map<std::string, std::string> &files) {
  for (const auto &[name, text] : files) {
    std::string path = dir + "/" + name;
    makeDirs(pypath::dirname(path));
    if (fileExists(path) && readFile(path) == text)
      continue;
    // Write beside and rename, so an interrupted emit leaves no half file.
    std::string tmp = path + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << text;
      if (!out.flush())
        throw FatalError(SourceLoc{}, "cannot write '" + tmp + "'");
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
      throw FatalError(SourceLoc{}, "cannot write '" + path + "': " + std::strerror(errno));
  }
}

} // namespace fgcc::emit
