//===- common.hpp - Types shared by the fgrt optimizers -------*- C++ -*-===//
//
// Small vocabulary types of the optimizer area, in one place so that every
// optimizer's options spell them the same way (the config scanner reads the
// TORCH_ARG types literally).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <tuple>

namespace fgrt::optim {

/// Two hyperparameters set together, like Adam's (beta1, beta2) or
/// Adafactor's (eps1, eps2). A tuple, as torch's AdamWOptions::betas_t, so
/// that it converts to and from a checkpoint value directly.
using HyperparameterPair = std::tuple<double, double>;

} // namespace fgrt::optim
