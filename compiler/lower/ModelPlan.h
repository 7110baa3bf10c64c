//===- ModelPlan.h - Phase "lower": the program model of a generated model --===//
//
// What the emitter needs to write a model's construction code, decided once
// here so that the C++ writer, `config.json` and `--emit=lower` all tell the
// same story. A config's model subgraph becomes a list of named locals in
// dependency order:
//
//   singleton  -> a module (or options object) built once; every use names
//                 the local, so sharing (one RotaryPE for all layers) is
//                 explicit in the code
//   partial    -> a lambda with the signature of the std::function that will
//                 call it; the arguments it binds are spelled out, the open
//                 ones are the lambda's parameters
//   factory    -> no local: built inline at each use, anew each time
//
// Every argument is a typed C++ expression, formatted by the emitter.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "graph/Graph.h"
#include "resolve/Resolver.h"
#include "support/Diagnostics.h"

#include "fgrt/dist/stage_split.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fgcc::lower {

struct Construction;

/// One argument value, already typed for the parameter it binds.
struct ArgValue {
  enum class Kind : uint8_t {
    Literal,   ///< `text` is the C++ literal (`256`, `1e-05`, `"silu"`, `{256}`)
    Local,     ///< `text` names a local (a singleton or a partial)
    Inline,    ///< `construction`, built where it is used (a factory)
    Parameter, ///< `text` names a parameter of the enclosing lambda
    Var,       ///< `text` names a member of the model's arguments (a `!var`)
    List,      ///< `items`, a braced list of objects (`{callback, ...}`), typed
               ///< by `text` when set (`std::vector<Route>{a, b}`)
  };
  Kind kind = Kind::Literal;
  std::string text;
  std::shared_ptr<Construction> construction;
  /// For config.json: the value as JSON text (literals), else empty.
  std::string json;
  /// Local: pass the module type-erased (`torch::nn::AnyModule(local)`).
  bool anyModule = false;
  /// List: the elements, each a Local or an Inline construction.
  std::vector<ArgValue> items;
};

/// One named argument of a construction; `param` is the manifest's.
struct NamedArg {
  std::string name;
  std::string type; ///< the parameter's C++ type
  ArgValue value;
};

/// A component built from its options: `Holder(Options(ctor...).setter(v)...)`,
/// or `Holder(ctor...)` for a component without an options class, or
/// `Options(ctor...).setter(v)...` when the options object itself is wanted.
struct Construction {
  std::string component;    ///< the C++ class (`fgcc::nn::CausalLM`)
  std::string configSpec;   ///< as the config wrote it (`.causal_lm:CausalLM`)
  std::string header;       ///< the manifest's header (`modelsrc/causal_lm.hpp`)
  std::string options;      ///< the options class, or empty
  bool optionsOnly = false; ///< the construction is the options object itself
  std::vector<NamedArg> ctorArgs; ///< constructor arguments, in order
  std::vector<NamedArg> setters;  ///< TORCH_ARG setters, in config order
  /// Wrap the result in `torch::nn::AnyModule` (what factories return).
  bool anyModule = false;
  /// An optimizer: the first constructor argument is the parameters, passed
  /// to the optimizer itself; the rest build its options.
  bool takesParameters = false;
  /// Built on the heap (`std::make_unique<Component>(...)`), for receivers
  /// that own what they call (an optimizer factory returns a unique_ptr).
  bool makeUnique = false;
  /// Built shared (`std::make_shared<Component>(...)`), for receivers that
  /// hold a list of shared objects (a trainer's callbacks).
  bool makeShared = false;
  std::string origin; ///< `models/llama.yaml:14`, template-relative
};

/// A named local of the generated builder function.
struct Local {
  enum class Kind : uint8_t { Singleton, Partial };
  Kind kind = Kind::Singleton;
  std::string name;
  Construction construction;
  /// Partials: the lambda's parameters (type and name) and what it returns
  /// (`torch::nn::AnyModule`, or the holder itself).
  std::vector<std::pair<std::string, std::string>> params;
  std::string returnType;
  const graph::Node *node = nullptr;
  /// Singletons of a pipeline model: built right after
  /// `fgcc::nn::seed_piece(seed, seedPiece)` (options first, when the
  /// component has them), so every stage builds the same weights.
  std::string seedPiece;
};

/// A `!var` the model uses: a field of the generated arguments struct.
struct ModelVar {
  std::string name;
  std::string type;
  ArgValue defaultValue; ///< Literal; empty text when the var is required
  std::string spelling;  ///< the name as the config writes it
};

/// The compile-time pipeline split of a causal LM (a Trainer with a
/// `pipeline`): one generated builder per stage, stages/stage_<k>.cpp.
struct PipelinePlan {
  int ranks = 0;
  int stagesPerRank = 0;
  int inputWeight = 1;
  int outputWeight = 1;
  int numLayers = 0;
  /// What each stage holds (fgrt::dist::split_layers), by stage index.
  std::vector<fgrt::dist::StageLayers> stages;
  /// The locals of the model's input encoder and layer stack, whose options
  /// every stage builder passes on.
  std::string encoderLocal;
  std::string stackLocal;
  /// CausalLM's sliding_window, when the config sets it.
  std::optional<ArgValue> slidingWindow;
};

/// The program model of one generated model.
struct ModelPlan {
  std::string target;    ///< the config target (or node name) it came from
  std::string name;      ///< C++ identifier used for files and the namespace
  std::string rootClass; ///< the holder class the builder returns
  std::vector<Local> locals; ///< in dependency order; the last is the model
  std::vector<ModelVar> vars;
  /// Component headers the construction includes (`causal_lm.hpp`), sorted.
  std::vector<std::string> headers;
  /// The config the model came from, as the user named it (for comments).
  std::string configName;
  /// Set for the model of a pipeline config: its split into stages. The
  /// builders then seed every piece by name (Local::seedPiece, and
  /// `init_seed` on the stack and the model).
  std::optional<PipelinePlan> pipeline;
};

/// Inputs of the lowering that are not in the typed graph.
struct LowerOptions {
  /// The target to lower; empty: `model`, else a node named `model`, else
  /// `main`.
  std::string target;
  /// Template search directories: origins are printed relative to these.
  std::vector<std::string> searchPath;
  std::string configName;
};

/// Lowers the model of a checked config. Constructs fgcc cannot express in
/// C++ yet are reported into `diags` at their template line.
ModelPlan lowerModel(const resolve::TypedGraph &typed, const LowerOptions &options, const yaml::PpLocator &where,
                     DiagnosticEngine &diags);

/// `--emit=lower`: the plan as readable text (one local per paragraph).
std::string printModelPlan(const ModelPlan &plan);

/// The training program of a config whose `main` target is a
/// `fgrt.train:Trainer`: the model it trains, lowered as by lowerModel(),
/// and everything else (training arguments, optimizer and scheduler
/// partials, data) as a second plan whose last local is the trainer's
/// options object. The program refers to the model as the local `model`.
struct TrainPlan {
  ModelPlan model;
  ModelPlan program;
};

/// The C++ class a training config's `main` must be.
inline constexpr const char *kTrainerClass = "fgrt::train::Trainer";

/// Whether `main` is a Trainer, i.e. the config describes a training run.
bool isTrainingConfig(const resolve::TypedGraph &typed);

/// Lowers a training config (isTrainingConfig()); problems are reported into
/// `diags` at their template line.
TrainPlan lowerTrainProgram(const resolve::TypedGraph &typed, const LowerOptions &options,
                            const yaml::PpLocator &where, DiagnosticEngine &diags);

} // namespace fgcc::lower
