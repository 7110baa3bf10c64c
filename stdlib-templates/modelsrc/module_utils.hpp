//===- module_utils.hpp - Helpers shared by the composite modules -*- C++ -*-===//
//
// The layer modules (pre-LN, post-LN, DeepNet) hold their attention,
// feedforward and norm blocks as type-erased AnyModules built by factories
// from their options; build_block() is how they make and register one.
//
// Modules that receive submodules through their options (InputEncoder's
// position encoder, CausalLM's encoder and stack) clone those first and
// build the copy around the clones; copy_state() then carries the values of
// every parameter and buffer over by name.
//
// A model split into pipeline stages is built piece by piece (the input
// encoder, each layer, the final norm, the head), each piece in its own
// process. seed_piece() makes each piece draw its initial weights from a
// seed of its own, derived from the run's seed and the piece's name, so the
// stages build exactly the weights the whole model builds with the same
// seeds, whichever process builds them and in whatever order.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>

namespace fgcc::nn {

/// Calls `factory`, registers the module it returns under `name` in
/// `parent` and returns it. `owner` names the layer type in the error
/// raised for a missing factory.
torch::nn::AnyModule build_block(torch::nn::Module &parent, const std::string &name,
                                 const std::function<torch::nn::AnyModule()> &factory, const char *owner);

/// Gives every parameter and buffer of `target` a copy of the value of the
/// one with the same name in `source` (moved to `device` if given). The two
/// modules must have the same structure.
void copy_state(const torch::nn::Module &source, torch::nn::Module &target,
                const c10::optional<torch::Device> &device = c10::nullopt);

/// The seed the default generator was last seeded with (what a generated
/// build function derives its pieces' seeds from).
int64_t current_init_seed();

/// Seeds the default generator for building the piece called `piece`
/// (`input_encoder`, `layers.3`, ...) from `seed`: the same pair always
/// gives the same stream, different names independent ones.
void seed_piece(int64_t seed, const std::string &piece);

} // namespace fgcc::nn
