//===- activation_checkpoint.cpp - Recompute activations in backward ------===//
#include "activation_checkpoint.hpp"

#include <ATen/core/ivalue.h>

#include <utility>

namespace fgcc::nn {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

/// A generator and the state it had at one point.
using RngSnapshot = std::vector<std::pair<at::Generator, torch::Tensor>>;

/// The default generators that `fn` may draw from on `device`.
std::vector<at::Generator> generators_for(torch::Device device) {
  std::vector<at::Generator> generators{at::globalContext().defaultGenerator(torch::kCPU)};
  if (device.type() != torch::kCPU)
    generators.push_back(at::globalContext().defaultGenerator(device));
  return generators;
}

RngSnapshot capture_rng(torch::Device device) {
  RngSnapshot snapshot;
  for (at::Generator &generator : generators_for(device)) {
    std::lock_guard<std::mutex> lock(generator.mutex());
    snapshot.emplace_back(generator, generator.get_state());
  }
  return snapshot;
}

void restore_rng(RngSnapshot &snapshot) {
  for (auto &[generator, state] : snapshot) {
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_state(state);
  }
}

/// What backward needs besides the saved input. An IValue cannot hold a
/// std::function, so this travels in the context as a capsule.
struct Recomputation : torch::CustomClassHolder {
  std::function<torch::Tensor(const torch::Tensor &)> fn;
  std::vector<torch::Tensor> params;
  RngSnapshot rng_before_forward;
};

class CheckpointFunction : public torch::autograd::Function<CheckpointFunction> {
public:
  /// `params` is only listed so that autograd routes their gradients here.
  static torch::Tensor forward(AutogradContext *ctx, c10::intrusive_ptr<Recomputation> recomputation,
                               const torch::Tensor &input, at::TensorList /*params*/) {
    recomputation->rng_before_forward = capture_rng(input.device());
    // Autograd is off in here, so fn's activations are freed as it goes.
    torch::Tensor output = recomputation->fn(input);
    ctx->save_for_backward({input});
    ctx->saved_data["recomputation"] = c10::IValue::make_capsule(std::move(recomputation));
    return output;
  }

  static variable_list backward(AutogradContext *ctx, variable_list grad_outputs) {
    auto recomputation = c10::static_intrusive_pointer_cast<Recomputation>(ctx->saved_data["recomputation"].toCapsule());
    torch::Tensor input = ctx->get_saved_variables()[0];

    // Rebuild the graph from a detached copy of the input, with the random
    // state forward started from.
    torch::Tensor detached = input.detach().requires_grad_(input.requires_grad());
    RngSnapshot rng_now = capture_rng(input.device());
    restore_rng(recomputation->rng_before_forward);
    torch::Tensor output;
    {
      torch::AutoGradMode enable_grad(true);
      output = recomputation->fn(detached);
    }
    restore_rng(rng_now);

    // Differentiate with respect to whatever requires a gradient.
    std::vector<torch::Tensor> wrt;
    if (detached.requires_grad())
      wrt.push_back(detached);
    for (const torch::Tensor &param : recomputation->params)
      if (param.requires_grad())
        wrt.push_back(param);
    std::vector<torch::Tensor> grads;
    if (!wrt.empty() && output.requires_grad())
      grads = torch::autograd::grad({output}, wrt, {grad_outputs[0]}, /*retain_graph=*/false,
                                    /*create_graph=*/false, /*allow_unused=*/true);

    // One gradient per forward argument: none for the capsule, then the
    // input, then each parameter (undefined where none is needed).
    variable_list result{torch::Tensor()};
    size_t next = 0;
    auto take = [&](bool needed) { return needed && next < grads.size() ? grads[next++] : torch::Tensor(); };
    result.push_back(take(detached.requires_grad()));
    for (const torch::Tensor &param : recomputation->params)
      result.push_back(take(param.requires_grad()));
    return result;
  }
};

} // namespace

torch::Tensor checkpoint(std::function<torch::Tensor(const torch::Tensor &)> fn, const torch::Tensor &input,
                         const std::vector<torch::Tensor> &params) {
  if (!torch::GradMode::is_enabled())
    return fn(input);
  auto recomputation = c10::make_intrusive<Recomputation>();
  recomputation->fn = std::move(fn);
  recomputation->params = params;
  return CheckpointFunction::apply(recomputation, input, at::TensorList(params));
}

} // namespace fgcc::nn
