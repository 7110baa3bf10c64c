//===- activation_checkpoint.hpp - Recompute activations in backward -*- C++ -*-===//
//
// Activation checkpointing trades compute for memory: a checkpointed
// function keeps only its input during forward, and its backward runs the
// function again, with autograd on, to rebuild the graph it needs.
// LibTorch has no torch.utils.checkpoint, so this is a custom
// torch::autograd::Function.
//
// Dropout makes the recomputation exact only if it draws the same random
// numbers: forward records the state of the default generators (CPU, and the
// input's device if that is not the CPU), backward restores them for the
// recomputation and afterwards puts back the states it found, so that the
// random stream seen by the rest of training is the same with and without
// checkpointing. Gradients are then bit-identical to the plain computation.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

#include <functional>
#include <vector>

namespace fgcc::nn {

/// Computes `fn(input)` without keeping the intermediate activations. The
/// gradients flow to `input` and to `params`, the tensors `fn` reads besides
/// its input that may need gradients (a module's parameters()); `fn` must
/// not read any other tensor that requires a gradient. Outside grad mode this
/// is a plain call.
torch::Tensor checkpoint(std::function<torch::Tensor(const torch::Tensor &)> fn, const torch::Tensor &input,
                         const std::vector<torch::Tensor> &params);

} // namespace fgcc::nn
