//===- ModelShape.cpp - Counting the model library's components -----------===//
//
// One function per component of stdlib-templates/modelsrc that a causal LM
// is built from. Each returns a Part: the parameter tensors the component
// registers and the activations its forward keeps. The activation rules,
// per token of a microbatch, with d = d_model, f = d_feedforward, h heads
// of width d/h, hkv key/value heads, s keys (the sequence length):
//
//   RMSNorm(n)        the input widened to float32, its square (LibTorch
//                     1.13's mean keeps its input) and the rsqrt of each
//                     row: 2 n + 1 wide; with a weight, the normalised rows
//                     before it (n)
//   LayerNorm(n)      its input (n) and the mean and rstd (2)
//   attention         its input, q, k and v after RoPE and repeat_kv, and
//                     the context before the output projection: 5 d; the
//                     float32 softmax output (h wide per key) and, below
//                     float32, its cast back (h per key); RoPE adds the cos
//                     and sin rows gathered for the position ids, once for
//                     q and once for k (4 d/h); QK-norm adds two RMSNorms
//                     of the head width over h and hkv heads
//                     trained ALiBi slopes keep a T x T distance matrix
//                     and its causal mask per microbatch, whatever its rows
//   GLU feedforward   input d; gate output, activation, up projection and
//                     their product: 4 f (3 f with relu, whose output is
//                     its saved state)
//   feedforward       input d; hidden f, and the activation's input f
//                     unless it is relu
//   dropout (p > 0)   a one-byte mask per element (CUDA's fused kernel)
//   checkpointed      the layer's input alone; the stage keeps the attention
//                     mask its closures hold ([rows, 1, T, T], once)
//   input encoder     the token ids (8 bytes)
//   head and loss     the head's input d and the float32 log-probabilities
//                     over the vocabulary (V wide)
//
// A block saves its own input, so the residual adds, which save nothing,
// need no rule. Transients are the working set of one part on one
// microbatch, counted with the same terms: one float32 score matrix (the
// softmax's gradient) while an attention runs backward; two float32
// vocabulary-wide rows per token while the loss runs (the log-softmax's
// gradient and the float32 logits'); the feedforward's hidden-width
// gradients; a checkpointed layer's whole activation while it is
// recomputed.
//
// Measured with a counting CPU allocator (LibTorch 1.13, the trainer's
// loss, position ids passed): the bytes kept after the forward pass equal
// these rules within 0.01% for all five presets of tiny_models and a GQA,
// QK-norm, tied, checkpointed model, in float32 and bfloat16, at 2 to 8
// rows of 64 to 256 tokens; a llama layer's backward peaks 11 to 17 bytes
// per token and key over its start against the rule's 16.
//
// A component without a rule stops the plan with a PlanError that names it:
// a wrong number is worse than none.
//
//===----------------------------------------------------------------------===//
#include "plan/ModelShape.h"

#include <algorithm>
#include <numeric>

namespace fgcc::plan {

using nlohmann::json;

// ---------------------------------------------------------------------------
// Arithmetic of the terms

ActivationTerms &ActivationTerms::operator+=(const ActivationTerms &o) {
  model += o.model;
  wide += o.wide;
  narrowCopy += o.narrowCopy;
  bytes += o.bytes;
  return *this;
}

ActivationTerms ActivationTerms::scaled(double k) const { return {model * k, wide * k, narrowCopy * k, bytes * k}; }

double ActivationTerms::bytesPerToken(int elementBytes) const {
  const double e = elementBytes, w = std::max(elementBytes, 4);
  // A float32 run casts nothing back: `.to(float)` of a float tensor is the
  // tensor itself.
  return model * e + wide * w + (elementBytes < 4 ? narrowCopy * e : 0) + bytes;
}

Activation &Activation::operator+=(const Activation &o) {
  perToken += o.perToken;
  perKey += o.perKey;
  perPair += o.perPair;
  return *this;
}

double Activation::bytes(int elementBytes, int64_t seqLen, int64_t tokens) const {
  const double s = double(seqLen);
  return (perToken.bytesPerToken(elementBytes) + perKey.bytesPerToken(elementBytes) * s) * double(tokens) +
         perPair.bytesPerToken(elementBytes) * s * s;
}

int64_t ParamTensor::numel() const {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<int64_t>());
}

int64_t Part::parameterCount() const {
  int64_t n = 0;
  for (const ParamTensor &p : params)
    n += p.numel();
  return n;
}

double Part::transientBytes(int elementBytes, int64_t seqLen, int64_t tokens) const {
  double most = 0;
  for (const Activation &t : transients)
    most = std::max(most, t.bytes(elementBytes, seqLen, tokens));
  return most;
}

void Part::absorb(const Part &other, const std::string &prefix) {
  for (const ParamTensor &p : other.params)
    params.push_back({prefix + p.name, p.shape});
  saved += other.saved;
  transients.insert(transients.end(), other.transients.begin(), other.transients.end());
  keepsMask = keepsMask || other.keepsMask;
}

int64_t ModelShape::parameterCount() const {
  int64_t n = input.parameterCount() + output.parameterCount();
  for (const Part &l : layers)
    n += l.parameterCount();
  return n;
}

int64_t ModelShape::nonEmbeddingParameterCount() const {
  // The token embedding is the whole of the input part's parameters.
  return parameterCount() - input.parameterCount();
}

namespace {

// ---------------------------------------------------------------------------
// The components

/// Builds the parts of one model; every rule reads its arguments through
/// the reader, so defaults come from the manifest.
class ShapeBuilder {
public:
  explicit ShapeBuilder(const ArgumentReader &args) : args_(args) {}

  ModelShape causalLM(const ComponentRef &lm) {
    expect(lm, {"fgcc::nn::CausalLM"}, "the model");
    ModelShape shape;
    shape.rootClass = lm.component();
    ComponentRef encoder = required(lm, "input_encoder");
    ComponentRef stack = required(lm, "layer_stack");
    shape.input = inputEncoder(encoder);
    shape.dModel = args_.integer(encoder, "d_model");
    shape.vocabSize = args_.integer(encoder, "vocab_size");
    shape.tiedEmbeddings = args_.flag(lm, "tie_word_embeddings");
    shape.layers = layerStack(stack);
    shape.output = outputPart(stack, shape);
    return shape;
  }

private:
  /// A PlanError unless `c` is one of `classes`; `role` says what the
  /// model uses it as.
  void expect(const ComponentRef &c, std::initializer_list<const char *> classes, const std::string &role) const {
    for (const char *cls : classes)
      if (c.component() == cls)
        return;
    std::string known;
    for (const char *cls : classes)
      known += (known.empty() ? "" : ", ") + std::string(cls);
    throw PlanError("cannot count " + c.describe() + " as " + role + " (the rules cover " + known + ")", c.node);
  }

  ComponentRef required(const ComponentRef &c, const std::string &name, const std::vector<json> &callArgs = {}) {
    std::optional<ComponentRef> r = args_.component(c, name, callArgs);
    if (!r)
      throw PlanError("'" + name + "' of " + c.describe() + " is not set", c.node);
    return *r;
  }

  /// Dropout with probability `name` > 0 keeps a one-byte mask per element
  /// of a `width`-wide row.
  ActivationTerms dropoutMask(const ComponentRef &c, const std::string &name, double width) const {
    return args_.number(c, name) > 0 ? ActivationTerms{0, 0, 0, width} : ActivationTerms{};
  }

  /// A Linear's weight [out, in] and, with a bias, [out].
  static void linear(Part &part, const std::string &name, int64_t in, int64_t out, bool bias) {
    part.params.push_back({name + ".weight", {out, in}});
    if (bias)
      part.params.push_back({name + ".bias", {out}});
  }

  /// A norm over rows of `width` (the caller scales the terms by the rows
  /// per token).
  Part norm(const ComponentRef &c, int64_t width) {
    expect(c, {"fgcc::nn::RMSNorm", "torch::nn::LayerNorm"}, "a norm");
    Part part;
    if (c.component() == "fgcc::nn::RMSNorm") {
      checkWidth(c, args_.integer(c, "normalized_shape"), width);
      bool affine = args_.flag(c, "elementwise_affine");
      if (affine)
        part.params.push_back({"weight", {width}});
      // The statistics run in float32 (rms_norm.cpp): the widened input, its
      // square (kept by mean's backward in LibTorch 1.13) and the rsqrt per
      // row, and the rows before the weight.
      part.saved.perToken = {affine ? double(width) : 0, 2.0 * double(width) + 1, 0, 0};
      return part;
    }
    json shape = args_.value(c, "normalized_shape");
    int64_t n = 1;
    for (const json &dim : shape.is_array() ? shape : json::array({shape}))
      n *= dim.get<int64_t>();
    checkWidth(c, n, width);
    if (args_.flag(c, "elementwise_affine")) {
      part.params.push_back({"weight", {n}});
      part.params.push_back({"bias", {n}});
    }
    // native_layer_norm keeps its input, and the mean and rstd per row (in
    // the dtype on the CPU kernel LibTorch 1.13 has).
    part.saved.perToken = {double(n) + 2, 0, 0, 0};
    return part;
  }

  static void checkWidth(const ComponentRef &c, int64_t got, int64_t want) {
    if (got != want)
      throw PlanError(c.describe() + " normalises " + std::to_string(got) + " features where the model has " +
                          std::to_string(want),
                      c.node);
  }

  Part attention(const ComponentRef &c, int64_t dModel) {
    expect(c,
           {"fgcc::nn::CausalMultiheadAttn", "fgcc::nn::CausalAlibiAttn", "fgcc::nn::SingleHeadAttn",
            "fgcc::nn::SingleHeadAlibiAttn"},
           "an attention");
    const int64_t d = args_.integer(c, "d_model");
    checkWidth(c, d, dModel);
    if (c.component() == "fgcc::nn::SingleHeadAttn" || c.component() == "fgcc::nn::SingleHeadAlibiAttn")
      return singleHeadAttention(c, d);
    const int64_t heads = args_.integer(c, "num_heads");
    json kv = args_.value(c, "num_kv_heads");
    const int64_t kvHeads = kv.is_null() ? heads : kv.get<int64_t>();
    if (heads < 1 || d % heads != 0 || kvHeads < 1 || heads % kvHeads != 0)
      throw PlanError(c.describe() + ": d_model " + std::to_string(d) + ", num_heads " + std::to_string(heads) +
                          " and num_kv_heads " + std::to_string(kvHeads) + " do not divide",
                      c.node);
    const int64_t dHead = d / heads;
    const bool bias = args_.flag(c, "bias");
    Part part;
    // multihead_attn_base.hpp's reset_projections().
    linear(part, "query_linear", d, heads * dHead, bias);
    linear(part, "key_linear", d, kvHeads * dHead, bias);
    linear(part, "value_linear", d, kvHeads * dHead, bias);
    linear(part, "output_linear", heads * dHead, d, bias);
    // Input, q, k and v at all heads, context: see the file comment.
    part.saved.perToken.model = 5.0 * double(d);
    // The float32 softmax output per key and head, and its cast back
    // (attention_interface.cpp).
    part.saved.perKey = {0, double(heads), double(heads), 0};
    part.saved.perKey += dropoutMask(c, "dropout", double(heads));
    part.transients.push_back(Activation{{}, {0, double(heads), 0, 0}});
    if (c.component() == "fgcc::nn::CausalAlibiAttn") {
      if (args_.flag(c, "trainable_alibi")) {
        part.params.push_back({"alibi_slopes", {heads}});
        // causal_alibi_attn.cpp: the slopes' product keeps the distance
        // matrix, and the causal fill its mask (one byte), once per
        // microbatch whatever its rows.
        part.saved.perPair = {1, 0, 0, 1};
      }
      return part;
    }
    if (args_.component(c, "pos_encoder"))
      // rotary_embeddings.cpp gathers cos and sin for the position ids the
      // trainer passes, in the dtype, for q and again for k; the products
      // keep them.
      part.saved.perToken.model += 4.0 * double(dHead);
    if (std::optional<ComponentRef> qkNorm = args_.component(c, "qk_norm_factory", {json(dHead)})) {
      // One norm of the head width for the queries, one for the keys; each
      // runs over every head of its tensor.
      Part q = norm(*qkNorm, dHead), k = q;
      q.saved.perToken = q.saved.perToken.scaled(double(heads));
      k.saved.perToken = k.saved.perToken.scaled(double(kvHeads));
      part.absorb(q, "q_norm.");
      part.absorb(k, "k_norm.");
    }
    return part;
  }

  /// single_head_attn.cpp: scores x W x^T over the whole width, softmax in
  /// the dtype, a clamp, and value_linear(x).
  Part singleHeadAttention(const ComponentRef &c, int64_t d) {
    const bool bias = args_.flag(c, "bias");
    Part part;
    linear(part, "query_key_linear", d, d, bias);
    linear(part, "value_linear", d, d, bias);
    if (c.component() == "fgcc::nn::SingleHeadAlibiAttn" && args_.flag(c, "trainable_alibi"))
      part.params.push_back({"alibi_slope", {1}});
    // x, x W and the values; the softmax output and the clamped
    // probabilities per key.
    part.saved.perToken.model = 3.0 * double(d);
    part.saved.perKey = {2, 0, 0, 0};
    part.saved.perKey += dropoutMask(c, "dropout", 1);
    part.transients.push_back(Activation{{}, {1, 0, 0, 0}});
    return part;
  }

  Part feedforward(const ComponentRef &c, int64_t dModel) {
    expect(c, {"fgcc::nn::GLUFeedforwardLayer", "fgcc::nn::FeedforwardLayer"}, "a feedforward");
    const int64_t d = args_.integer(c, "d_model"), f = args_.integer(c, "d_feedforward");
    checkWidth(c, d, dModel);
    // relu's backward reads its output, which the next op keeps anyway;
    // silu and gelu read their input, one more f-wide tensor.
    const bool relu = args_.string(c, "activation") == "relu";
    Part part;
    if (c.component() == "fgcc::nn::GLUFeedforwardLayer") {
      linear(part, "up_proj", d, f, false);
      linear(part, "gate_proj", d, f, false);
      linear(part, "down_proj", f, d, false);
      part.saved.perToken.model = double(d) + (relu ? 3.0 : 4.0) * double(f);
    } else {
      const bool bias = args_.flag(c, "bias");
      linear(part, "linear1", d, f, bias);
      linear(part, "linear2", f, d, bias);
      part.saved.perToken.model = double(d) + (relu ? 1.0 : 2.0) * double(f);
    }
    part.saved.perToken += dropoutMask(c, "dropout", double(f));
    // The backward's hidden-width gradients.
    part.transients.push_back(Activation{{2.0 * double(f), 0, 0, 0}, {}});
    return part;
  }

  Part layer(const ComponentRef &c, int64_t dModel) {
    expect(c, {"fgcc::nn::PreLNLayer", "fgcc::nn::PostLNLayer", "fgcc::nn::DeepnetLayer"}, "a transformer layer");
    // transformer_layer_base.hpp's registration order.
    Part part;
    part.absorb(feedforward(required(c, "feedforward_factory"), dModel), "feedforward.");
    part.absorb(attention(required(c, "attention_factory"), dModel), "attention.");
    ComponentRef normFactory = required(c, "norm_factory");
    part.absorb(norm(normFactory, dModel), "norm1.");
    part.absorb(norm(normFactory, dModel), "norm2.");
    // Each of the two block outputs and residual streams may be dropped out.
    part.saved.perToken += dropoutMask(c, "dropout", 2.0 * double(dModel));
    part.saved.perToken += dropoutMask(c, "residual_dropout", 2.0 * double(dModel));
    return part;
  }

  Part inputEncoder(const ComponentRef &c) {
    expect(c, {"fgcc::nn::InputEncoder"}, "the input encoder");
    const int64_t d = args_.integer(c, "d_model"), vocab = args_.integer(c, "vocab_size");
    Part part;
    part.name = "input";
    part.params.push_back({"embedding.weight", {vocab, d}});
    // The embedding's backward reads the token ids (int64).
    part.saved.perToken.bytes = 8;
    part.saved.perToken += dropoutMask(c, "dropout", double(d));
    // Positional encoders without parameters add a buffer (sinusoidal) or
    // nothing; the scale is a multiply by a number. Neither keeps anything.
    if (std::optional<ComponentRef> pe = args_.component(c, "positional_encoder"))
      expect(*pe, {"fgcc::nn::SinusoidalPE", "fgcc::nn::NullPE"}, "a positional encoder");
    return part;
  }

  std::vector<Part> layerStack(const ComponentRef &c) {
    expect(c, {"fgcc::nn::LayerStack"}, "the layer stack");
    if (args_.given(c, "layer_factories"))
      throw PlanError("cannot count " + c.describe() + ": its layers come from layer_factories, and the rules "
                          "cover a stack of one layer_factory",
                      c.node);
    const int64_t count = args_.integer(c, "num_hidden_layers");
    ComponentRef factory = required(c, "layer_factory");
    const int64_t dModel = modelWidth(factory);
    // Every layer of one factory is the same; only checkpointing differs.
    Part one = layer(factory, dModel);
    const bool checkpoint = args_.flag(c, "enable_activation_checkpoint");
    const int64_t stride = args_.integer(c, "checkpoint_stride");
    std::vector<Part> layers;
    for (int64_t i = 0; i < count; ++i) {
      Part l = one;
      l.name = "layer " + std::to_string(i);
      if (checkpoint && stride > 0 && i % stride == 0) {
        // layer_stack.cpp: a checkpointed layer keeps its input only and
        // rebuilds the rest during its backward.
        l.transients.clear();
        for (const Activation &t : one.transients) {
          l.transients.push_back(one.saved);
          l.transients.back() += t;
        }
        l.saved = Activation{};
        l.saved.perToken.model = double(dModel);
        l.keepsMask = true;
      }
      layers.push_back(std::move(l));
    }
    return layers;
  }

  /// d_model as the layer's attention states it (the stack has none).
  int64_t modelWidth(const ComponentRef &layerFactory) {
    return args_.integer(required(layerFactory, "attention_factory"), "d_model");
  }

  /// The final norm (the stack's post_norm_factory), the head and the loss.
  Part outputPart(const ComponentRef &stack, const ModelShape &shape) {
    Part part;
    part.name = "output";
    if (std::optional<ComponentRef> post = args_.component(stack, "post_norm_factory"))
      part.absorb(norm(*post, shape.dModel), "layer_stack.layer_norm.");
    // causal_lm.cpp: an untied head is a Linear without bias; a tied one
    // multiplies by the embedding, which the input part owns.
    if (!shape.tiedEmbeddings)
      linear(part, "lm_head", shape.dModel, shape.vocabSize, false);
    // The head keeps its input; the loss (trainer.cpp, float32) keeps the
    // log-probabilities. Its backward holds two more float32 rows.
    part.saved.perToken += ActivationTerms{double(shape.dModel), double(shape.vocabSize), 0, 0};
    part.transients.push_back(Activation{{0, 2.0 * double(shape.vocabSize), 0, 0}, {}});
    return part;
  }

  const ArgumentReader &args_;
};

} // namespace

ModelShape shapeOfModel(const lower::ModelPlan &model, const DefaultLookup &defaults) {
  ArgumentReader args(model, defaults);
  return ShapeBuilder(args).causalLM(args.root());
}

} // namespace fgcc::plan
