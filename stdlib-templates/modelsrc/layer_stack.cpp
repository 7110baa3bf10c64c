//===- layer_stack.cpp - The stack of transformer layers ------------------===//
#include "layer_stack.hpp"

#include "activation_checkpoint.hpp"
#include "module_utils.hpp"

#include <stdexcept>
#include <string>

namespace fgcc::nn {

namespace detail {

LayerDictImpl::LayerDictImpl(std::vector<std::function<torch::nn::AnyModule()>> factories, int64_t first_key,
                             c10::optional<int64_t> init_seed)
    : factories_(std::move(factories)), first_key_(first_key), init_seed_(init_seed) {
  reset();
}

void LayerDictImpl::reset() {
  // Cloneable::clone() calls reset() on a copy whose children were cleared;
  // the handles must be rebuilt with them.
  layers_.clear();
  for (size_t i = 0; i < factories_.size(); ++i) {
    const std::string key = std::to_string(first_key_ + static_cast<int64_t>(i));
    if (init_seed_)
      seed_piece(*init_seed_, "layers." + key);
    torch::nn::AnyModule layer = factories_[i]();
    TORCH_CHECK(!layer.is_empty(), "LayerStack: the factory of layer ", key, " returned an empty module");
    register_module(key, layer.ptr());
    layers_.push_back(std::move(layer));
  }
}

} // namespace detail

LayerStackOptions::LayerStackOptions(std::function<torch::nn::AnyModule()> layer_factory, int64_t num_hidden_layers)
    : layer_factory_(std::move(layer_factory)), num_hidden_layers_(num_hidden_layers) {}

LayerStackOptions::LayerStackOptions(std::vector<std::function<torch::nn::AnyModule()>> layer_factories)
    : num_hidden_layers_(static_cast<int64_t>(layer_factories.size())), layer_factories_(std::move(layer_factories)) {}

LayerStackImpl::LayerStackImpl(const LayerStackOptions &options_) : options(options_) { reset(); }

namespace {

[[noreturn]] void fail_layer_stack(const std::string &what) { throw std::runtime_error("LayerStack: " + what); }

} // namespace

std::vector<std::function<torch::nn::AnyModule()>> LayerStackImpl::layer_factories() const {
  const auto &explicit_factories = options.layer_factories();
  const int64_t count = options.num_hidden_layers();
  if (explicit_factories.empty()) {
    TORCH_CHECK(options.layer_factory(), "LayerStack: no layer_factory");
    TORCH_CHECK(count >= 0, "LayerStack: num_hidden_layers must not be negative");
    return std::vector<std::function<torch::nn::AnyModule()>>(static_cast<size_t>(count), options.layer_factory());
  }
  // Two descriptions of the layers could disagree; accept only one.
  if (options.layer_factory())
    fail_layer_stack("give layer_factory or layer_factories, not both");
  if (count != static_cast<int64_t>(explicit_factories.size()))
    fail_layer_stack("num_hidden_layers is " + std::to_string(count) + " but layer_factories has " +
         std::to_string(explicit_factories.size()) + " entries");
  for (size_t i = 0; i < explicit_factories.size(); ++i)
    if (!explicit_factories[i])
      fail_layer_stack("layer_factories[" + std::to_string(i) + "] is empty");
  return explicit_factories;
}

std::pair<int64_t, int64_t> LayerStackImpl::layer_range(int64_t count) const {
  const int64_t first = options.first_layer();
  const int64_t end = options.end_layer() < 0 ? count : options.end_layer();
  if (first < 0 || first > end || end > count)
    fail_layer_stack("the layer range [" + std::to_string(first) + ", " + std::to_string(end) +
                     ") is not within the " + std::to_string(count) + " layers");
  return {first, end};
}

void LayerStackImpl::reset() {
  TORCH_CHECK(options.checkpoint_stride() > 0, "LayerStack: checkpoint_stride must be positive");
  std::vector<std::function<torch::nn::AnyModule()>> all = layer_factories();
  auto [first, end] = layer_range(static_cast<int64_t>(all.size()));
  std::vector<std::function<torch::nn::AnyModule()>> held(all.begin() + first, all.begin() + end);
  layers = register_module("layers", detail::LayerDict(std::move(held), first, options.init_seed()));
  layer_norm = torch::nn::AnyModule();
  if (options.post_norm_factory()) {
    if (options.init_seed())
      seed_piece(*options.init_seed(), "layer_norm");
    layer_norm = options.post_norm_factory()();
    register_module("layer_norm", layer_norm.ptr());
  }
}

void LayerStackImpl::pretty_print(std::ostream &stream) const {
  stream << "fgcc::nn::LayerStack(num_hidden_layers=" << layers->size()
         << ", final_norm=" << (layer_norm.is_empty() ? "false" : "true")
         << ", activation_checkpoint=" << (options.enable_activation_checkpoint() ? "true" : "false") << ")";
}

bool LayerStackImpl::checkpointed(size_t index) const {
  // The stride counts in the whole stack's layer numbers, so a stage
  // checkpoints the layers the whole model would.
  const int64_t global = options.first_layer() + static_cast<int64_t>(index);
  return options.enable_activation_checkpoint() && global % options.checkpoint_stride() == 0 && is_training() &&
         torch::GradMode::is_enabled();
}

torch::Tensor LayerStackImpl::forward(const torch::Tensor &x, const torch::Tensor &attn_mask,
                                      const torch::Tensor &position_ids) {
  torch::Tensor h = x;
  for (size_t i = 0; i < layers->size(); ++i) {
    torch::nn::AnyModule &layer = layers->at(i);
    if (!checkpointed(i)) {
      h = layer.forward(h, attn_mask, position_ids);
      continue;
    }
    // The mask and the position ids need no gradient: they ride along in
    // the closure instead of being inputs of the checkpoint.
    auto run_layer = [layer, attn_mask, position_ids](const torch::Tensor &input) mutable {
      return layer.forward(input, attn_mask, position_ids);
    };
    h = checkpoint(run_layer, h, layer.ptr()->parameters());
  }
  if (!layer_norm.is_empty())
    h = layer_norm.forward(h);
  return h;
}

torch::Tensor LayerStackImpl::forward_cached(const torch::Tensor &x, const torch::Tensor &attn_mask,
                                             const torch::Tensor &position_ids, KVCache &cache) {
  torch::Tensor h = x;
  for (size_t i = 0; i < layers->size(); ++i)
    h = detail::forward_cached(layers->at(i), "LayerStack", h, attn_mask, position_ids, cache, int64_t(i));
  if (!layer_norm.is_empty())
    h = layer_norm.forward(h);
  return h;
}

} // namespace fgcc::nn
