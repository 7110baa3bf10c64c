//===- module_utils.cpp - Helpers shared by the composite modules ---------===//
#include "module_utils.hpp"

namespace fgcc::nn {

torch::nn::AnyModule build_block(torch::nn::Module &parent, const std::string &name,
                                 const std::function<torch::nn::AnyModule()> &factory, const char *owner) {
  TORCH_CHECK(factory, owner, ": no factory for '", name, "'");
  torch::nn::AnyModule block = factory();
  TORCH_CHECK(!block.is_empty(), owner, ": the factory for '", name, "' returned an empty module");
  parent.register_module(name, block.ptr());
  return block;
}

namespace {

/// set_data() keeps each target tensor's identity (and its requires_grad),
/// so holders of the target's parameters stay valid.
void copy_values(const torch::OrderedDict<std::string, torch::Tensor> &from,
                 torch::OrderedDict<std::string, torch::Tensor> to, const c10::optional<torch::Device> &device) {
  for (auto &item : to) {
    const torch::Tensor *value = from.find(item.key());
    TORCH_CHECK(value, "copy_state: the source has no '", item.key(), "'");
    torch::Tensor copy = value->detach().clone();
    item.value().set_data(device ? copy.to(*device) : copy);
  }
}

} // namespace

void copy_state(const torch::nn::Module &source, torch::nn::Module &target,
                const c10::optional<torch::Device> &device) {
  torch::NoGradGuard no_grad;
  copy_values(source.named_parameters(), target.named_parameters(), device);
  copy_values(source.named_buffers(), target.named_buffers(), device);
}

int64_t current_init_seed() {
  return static_cast<int64_t>(at::detail::getDefaultCPUGenerator().current_seed());
}

void seed_piece(int64_t seed, const std::string &piece) {
  // FNV-1a over the name, mixed with the seed by SplitMix64's finaliser:
  // nearby seeds and similar names still give unrelated streams.
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : piece)
    h = (h ^ c) * 1099511628211ull;
  uint64_t z = h ^ (static_cast<uint64_t>(seed) + 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  torch::manual_seed(z);
}

} // namespace fgcc::nn
