//===- ModelShape.h - What a causal LM of the model library holds -*- C++ -*-===//
//
// The model side of `fgcc plan`: the parameters a generated CausalLM builds
// and the activations its forward pass keeps for the backward pass,
// counted analytically from the construction arguments, one *part* per
// unit the pipeline split moves between stages (the input encoder, each
// transformer layer, the final norm with the head and the loss).
//
// Parameters are listed as tensors with their shapes, the way the
// components register them (stdlib-templates/modelsrc), so the counts equal
// model->parameters() of the generated model; test/plan/param-count.test
// holds the cross-check against the built models.
//
// Activations are the tensors autograd keeps from a part's forward until
// its backward, per token of a microbatch, read off the library's forward
// code (the per-component rules are in ModelShape.cpp and
// docs/pipeline-parallel.md, "Planning"). They are the idea of Korthikanti
// et al. 2022, "Reducing Activation Recomputation in Large Transformer
// Models" (34 s b h + 5 a s^2 b bytes per layer in fp16 with dropout),
// redone for what these layers keep: RMSNorm and the softmax compute in
// float32, dropout is off in the presets, GLU feedforwards keep four
// d_ff-wide tensors. The element width is left open here (a term says
// whether it is stored in the training dtype or in float32) so one shape
// serves every dtype.
//
// Plain C++ (no LibTorch): the planner runs inside fgcc.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "plan/Arguments.h"

#include <cstdint>
#include <string>
#include <vector>

namespace fgcc::plan {

/// Activation elements per token, by how each element is stored.
struct ActivationTerms {
  double model = 0;      ///< in the training dtype (e bytes)
  double wide = 0;       ///< in float32 or wider: max(e, 4) bytes
  double narrowCopy = 0; ///< cast back to the training dtype; exists only when e < 4
  double bytes = 0;      ///< fixed bytes: dropout masks (1 each), token ids (8 each)

  ActivationTerms &operator+=(const ActivationTerms &o);
  ActivationTerms scaled(double k) const;
  /// Bytes per token with elements of `elementBytes` (4: float32, 2: bf16).
  double bytesPerToken(int elementBytes) const;
};

/// What one forward pass keeps, per token of a microbatch: `perToken`
/// terms, plus `perKey` terms once per key position (the attention scores,
/// a row of seq_len per head and token), plus `perPair` terms once per
/// (query, key) pair of one sequence, shared by the microbatch's rows
/// (ALiBi's distance matrix).
struct Activation {
  ActivationTerms perToken;
  ActivationTerms perKey;
  ActivationTerms perPair;

  Activation &operator+=(const Activation &o);
  /// Bytes for `tokens` tokens of sequences of `seqLen`.
  double bytes(int elementBytes, int64_t seqLen, int64_t tokens) const;
};

/// One parameter tensor: its name under the part, and its shape.
struct ParamTensor {
  std::string name;
  std::vector<int64_t> shape;

  int64_t numel() const;
};

/// A unit of the model: the input encoder, one layer, or the output.
struct Part {
  std::string name;
  std::vector<ParamTensor> params;
  /// Kept from the forward until the backward, per microbatch.
  Activation saved;
  /// Short-lived working sets, each while one piece of the part runs
  /// forward or backward on one microbatch (score matrices, logits and
  /// their gradients, a checkpointed layer's recomputation). The pieces run
  /// one after another, so only the largest counts.
  std::vector<Activation> transients;
  /// A checkpointed layer: its recomputation closure keeps the stage's
  /// attention mask ([rows, 1, T, T] in the dtype) until the backward. The
  /// layers share one mask, so a stage counts it once (MemoryPlan).
  bool keepsMask = false;

  int64_t parameterCount() const;
  /// The largest transient, in bytes, for `tokens` tokens.
  double transientBytes(int elementBytes, int64_t seqLen, int64_t tokens) const;
  /// Adds `other`'s parameters (names prefixed with `prefix`), saved
  /// activations and transients.
  void absorb(const Part &other, const std::string &prefix);
};

/// A causal LM split into parts.
struct ModelShape {
  std::string rootClass; ///< the generated model's class
  int64_t dModel = 0;
  int64_t vocabSize = 0;
  /// The head reuses the embedding: the output part owns no head weight.
  bool tiedEmbeddings = false;
  Part input;               ///< the input encoder
  std::vector<Part> layers; ///< the transformer layers, in order
  Part output;              ///< the final norm, the head and the loss

  int numLayers() const { return static_cast<int>(layers.size()); }
  int64_t parameterCount() const;
  /// Parameters other than the token embedding: N of 6 N + 12 L d T
  /// (the runtime's estimate_flops_per_token() counts the same).
  int64_t nonEmbeddingParameterCount() const;
};

/// The shape of the model a training config builds. Throws PlanError for
/// a component fgcc plan cannot count, naming it and its template line.
ModelShape shapeOfModel(const lower::ModelPlan &model, const DefaultLookup &defaults);

} // namespace fgcc::plan
