//===- optim_test_support.hpp - Helpers of the optimizer tests -*- C++ -*-===//
//
// Shared by the tests of test/runtime/optim: deterministic parameters and
// gradients, access to a parameter's optimizer state, a byte-level
// checkpoint round trip, and the "resume is bit-exact" check every optimizer
// and scheduler must pass (N steps, save, load into a fresh object over
// fresh tensors, continue, compare with an uninterrupted run).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace fgrt::optim::test {

/// A tensor of `shape` with N(0, 1) entries drawn from a generator seeded by
/// `seed`, as a leaf that requires grad (what optimizers are given).
inline torch::Tensor random_param(std::vector<int64_t> shape, uint64_t seed,
                                  torch::ScalarType dtype = torch::kFloat32) {
  torch::manual_seed(seed);
  return torch::randn(shape).to(dtype).requires_grad_(true);
}

/// Parameters of the given shapes, each from its own seed.
inline std::vector<torch::Tensor> random_params(const std::vector<std::vector<int64_t>> &shapes,
                                                torch::ScalarType dtype = torch::kFloat32) {
  std::vector<torch::Tensor> params;
  for (size_t i = 0; i < shapes.size(); ++i)
    params.push_back(random_param(shapes[i], 100 + i, dtype));
  return params;
}

/// Independent copies of `params` (same values, new storage).
inline std::vector<torch::Tensor> clone_params(const std::vector<torch::Tensor> &params) {
  std::vector<torch::Tensor> copies;
  for (const auto &param : params)
    copies.push_back(param.detach().clone().requires_grad_(true));
  return copies;
}

/// The gradient of parameter `index` at step `step`: depends on the
/// parameter's value (as a real loss would) plus a deterministic noise term.
inline torch::Tensor synthetic_grad(const torch::Tensor &param, int64_t step, size_t index) {
  torch::manual_seed(7919 * uint64_t(step) + index);
  torch::Tensor noise = torch::randn(param.sizes());
  return (0.3 * param.detach().to(torch::kFloat32) + noise).to(param.scalar_type());
}

/// Sets every parameter's gradient to synthetic_grad(param, step, i).
inline void set_synthetic_grads(std::vector<torch::Tensor> &params, int64_t step) {
  for (size_t i = 0; i < params.size(); ++i)
    params[i].mutable_grad() = synthetic_grad(params[i], step, i);
}

/// The state `optimizer` keeps for `param`, as its concrete type.
template <class State> State &state_of(torch::optim::Optimizer &optimizer, const torch::Tensor &param) {
  return static_cast<State &>(*optimizer.state().at(c10::guts::to_string(param.unsafeGetTensorImpl())));
}

/// Serialises what `save` writes to bytes and reads it back, as a checkpoint
/// file would.
inline void round_trip(const std::function<void(torch::serialize::OutputArchive &)> &save,
                       const std::function<void(torch::serialize::InputArchive &)> &load) {
  torch::serialize::OutputArchive out;
  save(out);
  std::ostringstream bytes;
  out.save_to(bytes);
  std::istringstream in_bytes(bytes.str());
  torch::serialize::InputArchive in;
  in.load_from(in_bytes);
  load(in);
}

/// Builds an optimizer over the given parameters.
using MakeOptimizer = std::function<std::unique_ptr<torch::optim::Optimizer>(std::vector<torch::Tensor>)>;

/// Runs `steps` optimizer steps with synthetic gradients, starting at step
/// index `first_step`.
inline void run_steps(torch::optim::Optimizer &optimizer, std::vector<torch::Tensor> &params, int64_t first_step,
                      int64_t steps) {
  for (int64_t step = first_step; step < first_step + steps; ++step) {
    set_synthetic_grads(params, step);
    optimizer.step();
  }
}

/// Expects each tensor of `actual` to equal the one of `expected` bit for bit.
inline void expect_bitwise_equal(const std::vector<torch::Tensor> &expected, const std::vector<torch::Tensor> &actual) {
  ASSERT_EQ(expected.size(), actual.size());
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_TRUE(torch::equal(expected[i], actual[i])) << "parameter " << i << " differs after resuming";
}

/// Checks that an optimizer resumed from a checkpoint after `before` steps
/// continues exactly like an uninterrupted one for `after` more steps. The
/// resumed optimizer is built fresh over fresh tensors holding the saved
/// parameter values, as a restarted process would have.
inline void expect_bit_exact_resume(const MakeOptimizer &make, const std::vector<std::vector<int64_t>> &shapes,
                                    int64_t before, int64_t after, torch::ScalarType dtype = torch::kFloat32) {
  std::vector<torch::Tensor> straight = random_params(shapes, dtype);
  auto uninterrupted = make(straight);
  run_steps(*uninterrupted, straight, 0, before + after);

  std::vector<torch::Tensor> first = random_params(shapes, dtype);
  auto interrupted = make(first);
  run_steps(*interrupted, first, 0, before);
  std::vector<torch::Tensor> second = clone_params(first);
  auto resumed = make(second);
  round_trip([&](auto &archive) { interrupted->save(archive); }, [&](auto &archive) { resumed->load(archive); });
  run_steps(*resumed, second, before, after);
  expect_bitwise_equal(straight, second);
}

/// Expects `body` to throw std::runtime_error whose message contains every
/// string of `fragments`.
inline void expect_runtime_error(const std::function<void()> &body, const std::vector<std::string> &fragments) {
  try {
    body();
    ADD_FAILURE() << "expected std::runtime_error";
  } catch (const std::runtime_error &error) {
    for (const auto &fragment : fragments)
      EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos)
          << "message \"" << error.what() << "\" lacks \"" << fragment << "\"";
  }
}

/// Expects `actual` to match `expected` within |a − e| <= atol + rtol·|e|
/// elementwise, reporting the largest deviation.
inline void expect_close(const torch::Tensor &expected, const torch::Tensor &actual, double rtol, double atol) {
  torch::Tensor e = expected.to(torch::kFloat64), a = actual.detach().to(torch::kFloat64);
  ASSERT_EQ(e.sizes(), a.sizes());
  torch::Tensor excess = (a - e).abs() - (atol + rtol * e.abs());
  EXPECT_LE(excess.max().item<double>(), 0.0) << "max |diff| " << (a - e).abs().max().item<double>();
}

} // namespace fgrt::optim::test
