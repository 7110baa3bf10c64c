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

} // namespace fgcc::nn
