//===- optimizer_support.hpp - Shared plumbing of the fgrt optimizers -*- C++ -*-===//
//
// Private to runtime/src/optim. Every optimizer of this area does the same
// few things around its update rule: validate options with a message that
// names the field, walk the parameters that have a gradient, find or create
// a parameter's state, run the update on an fp32 master copy of a
// reduced-precision parameter, and save/load its state in LibTorch's archive
// format. Keeping them here means each optimizer's .cpp holds only its rule.
//
// Checkpoints: LibTorch's `torch::optim::serialize` restores the state of
// each parameter (remapped through the saved parameter order), but drops the
// saved group options, so a resumed run would forget a changed lr or any
// per-group hyperparameter. `load_optimizer` restores both.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace fgrt::optim::detail {

/// The per-parameter state map of a torch::optim::Optimizer.
using StateMap = ska::flat_hash_map<std::string, std::unique_ptr<torch::optim::OptimizerParamState>>;

/// Throws std::runtime_error "<owner>: option '<field>' <problem>" unless
/// `ok`; used for every user-visible option check.
void require_option(bool ok, const std::string &owner, const std::string &field, const std::string &problem);

/// Checks that a pair of Adam-style betas lies in [0, 1).
void require_betas(const std::string &owner, const std::tuple<double, double> &betas);

/// A printable shape, e.g. "[4, 3]", for error messages.
std::string shape_string(const torch::Tensor &tensor);

/// Throws std::runtime_error unless `param` is 2-D: `owner` only updates
/// matrices, and the message says how to route the others.
void require_matrix(const std::string &owner, const torch::Tensor &param);

/// require_matrix for every parameter of every group of `optimizer`.
void require_all_matrices(const std::string &owner, const torch::optim::Optimizer &optimizer);

/// Runs the optional loss closure with gradients enabled (optimizer steps run
/// under NoGradGuard) and returns its loss, or an undefined tensor.
torch::Tensor run_closure(const torch::optim::Optimizer::LossClosure &closure);

/// The dtype the update of a parameter is computed in: fp32 for fp16/bf16
/// parameters (their own precision loses small updates), the parameter's
/// dtype otherwise.
torch::ScalarType working_dtype(const torch::Tensor &param);

/// The tensor the update is applied to: `param` itself when it already has
/// its working dtype, else an fp32 copy that `store_master` writes back.
torch::Tensor master_copy(const torch::Tensor &param);

/// Writes an updated master copy back into `param` (round to nearest); a
/// no-op when `master` is `param`.
void store_master(torch::Tensor &param, const torch::Tensor &master);

/// Calls `check(options)` on the options of every group, so that a group
/// given its own options is validated like the defaults.
template <class Options, class Fn> void validate_groups(const torch::optim::Optimizer &optimizer, Fn &&check) {
  for (const auto &group : optimizer.param_groups())
    check(static_cast<const Options &>(group.options()));
}

/// Calls `update(options, param)` for every parameter of every group that has
/// a gradient, with the group's options downcast to `Options`.
template <class Options, class Fn> void for_each_param_with_grad(torch::optim::Optimizer &optimizer, Fn &&update) {
  for (auto &group : optimizer.param_groups()) {
    const auto &options = static_cast<const Options &>(group.options());
    for (auto &param : group.params()) {
      if (param.grad().defined())
        update(options, param);
    }
  }
}

/// The frame of every step(): runs the closure (with gradients), then
/// `update(options, param)` under NoGradGuard for each parameter that has a
/// gradient; returns the closure's loss.
template <class Options, class Fn>
torch::Tensor step_each_param(torch::optim::Optimizer &optimizer, const torch::optim::Optimizer::LossClosure &closure,
                              Fn &&update) {
  torch::Tensor loss = run_closure(closure);
  torch::NoGradGuard no_grad;
  for_each_param_with_grad<Options>(optimizer, update);
  return loss;
}

/// `params` as the one param group of an optimizer built from a tensor list.
std::vector<torch::optim::OptimizerParamGroup> single_group(std::vector<torch::Tensor> params);

/// The state of `param`, created by `init(state)` on its first update. The
/// key is LibTorch's (the TensorImpl address), so torch's serialize code
/// finds it.
template <class State, class Init> State &state_of(StateMap &states, const torch::Tensor &param, Init &&init) {
  std::string key = c10::guts::to_string(param.unsafeGetTensorImpl());
  auto found = states.find(key);
  if (found == states.end()) {
    auto fresh = std::make_unique<State>();
    init(*fresh);
    found = states.emplace(std::move(key), std::move(fresh)).first;
  }
  return static_cast<State &>(*found->second);
}

/// Saves the per-parameter states and the param groups (options included).
template <class State, class Options>
void save_optimizer(torch::serialize::OutputArchive &archive, const torch::optim::Optimizer &optimizer) {
  torch::optim::serialize<State, Options>(archive, optimizer);
}

/// Turns any exception of a load into std::runtime_error naming `owner`, so
/// that a checkpoint of another optimizer or a damaged file reports what
/// failed instead of a bare c10::Error.
template <class Fn> void rethrow_load_errors(const std::string &owner, Fn &&load) {
  try {
    load();
  } catch (const std::exception &error) {
    throw std::runtime_error(owner + ": cannot load the optimizer state: " + error.what());
  }
}

/// Restores what `save_optimizer` wrote: the states of the parameters (by
/// position in the groups) and every group's options.
template <class State, class Options>
void load_optimizer(const std::string &owner, torch::serialize::InputArchive &archive,
                    torch::optim::Optimizer &optimizer) {
  rethrow_load_errors(owner, [&] {
    torch::optim::serialize<State, Options>(archive, optimizer);
    // torch's loader reads the groups only to map state keys; read them
    // again for their options.
    torch::serialize::InputArchive groups_archive;
    archive.read("param_groups", groups_archive);
    std::vector<std::pair<std::vector<std::string>, std::unique_ptr<torch::optim::OptimizerOptions>>> saved;
    torch::optim::detail::serialize<Options>(groups_archive, saved);
    for (size_t i = 0; i < saved.size(); ++i)
      optimizer.param_groups()[i].set_options(std::move(saved[i].second));
  });
}

/// Writes `value` under `key` (IValue-convertible types: double, int64_t,
/// bool, std::string, tuples of those).
template <class T> void write_value(torch::serialize::OutputArchive &archive, const std::string &key, const T &value) {
  archive.write(key, c10::IValue(value));
}

/// Reads the value written by `write_value` under `key`.
template <class T> T read_value(torch::serialize::InputArchive &archive, const std::string &key) {
  c10::IValue value;
  archive.read(key, value);
  return value.to<T>();
}

/// Writes a tensor state field unless it is undefined (LibTorch's rule for
/// optional state).
void write_optional_tensor(torch::serialize::OutputArchive &archive, const std::string &key,
                           const torch::Tensor &tensor);

/// Reads a tensor state field, or an undefined tensor when it was not saved.
torch::Tensor read_optional_tensor(torch::serialize::InputArchive &archive, const std::string &key);

} // namespace fgrt::optim::detail
