//===- loader.hpp - A resumable data loader over in-memory examples -*- C++ -*-===//
//
// DataLoader hands out batches forever: epoch after epoch over the same
// examples, each epoch in its own order, while the trainer counts steps.
// Its whole position is three numbers,
//
//   LoaderState { epoch, position_in_epoch, seed }
//
// because the order of epoch e is a pure function of (seed, e): the seeded
// Fisher-Yates permutation of derive_seed(seed, e), from the pipeline's own
// SplitMix64 (std distributions differ between standard libraries). So a
// checkpoint stores the state (to_json) and a resumed run that restore()s
// it yields exactly the batches an uninterrupted run would have: the role
// of torchdata's StatefulDataLoader, without workers.
//
//   batches_per_epoch = ceil(N / B), or floor(N / B) with drop_last
//   position_in_epoch counts examples already handed out in this epoch; when
//   an epoch has no full batch left (or nothing left), the state moves to
//   (epoch + 1, 0) at once, so a saved state never points past its epoch.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "fgrt/data/collator.hpp"
#include "fgrt/data/packing.hpp"

#include <nlohmann/json_fwd.hpp>
#include <torch/arg.h>

#include <cstdint>
#include <string>
#include <vector>

namespace fgrt::data {

/// Where a DataLoader stands; enough to resume it exactly.
struct LoaderState {
  /// The current epoch, from 0.
  int64_t epoch = 0;
  /// Examples of this epoch's order already handed out.
  int64_t position_in_epoch = 0;
  /// The seed of the per-epoch orders.
  uint64_t seed = 42;

  /// Field-wise equality.
  bool operator==(const LoaderState &other) const {
    return epoch == other.epoch && position_in_epoch == other.position_in_epoch && seed == other.seed;
  }
  /// Field-wise inequality.
  bool operator!=(const LoaderState &other) const { return !(*this == other); }
};

/// Writes `state` as {"epoch": .., "position_in_epoch": .., "seed": ..}
/// (found by nlohmann::json's ADL, so `json j = state;` works).
void to_json(nlohmann::json &json, const LoaderState &state);
/// Reads a state written by to_json; throws std::runtime_error naming a
/// missing field or one that is not a non-negative integer.
void from_json(const nlohmann::json &json, LoaderState &state);
/// `state` as a JSON text.
std::string loader_state_to_json(const LoaderState &state);
/// The state in JSON text `text`; throws std::runtime_error for bad JSON or
/// a bad field.
LoaderState loader_state_from_json(const std::string &text);

/// Options of DataLoader.
struct DataLoaderOptions {
  /// Examples per batch.
  TORCH_ARG(int64_t, batch_size) = 32;
  /// Drop the last, smaller batch of every epoch.
  TORCH_ARG(bool, drop_last) = false;
  /// Visit the examples in a new seeded order every epoch; otherwise in
  /// their stored order.
  TORCH_ARG(bool, shuffle) = true;
  /// Seed of the per-epoch orders (the state's seed after construction).
  TORCH_ARG(uint64_t, seed) = 42;
};

/// Endless, resumable batches over a vector of examples.
class DataLoader {
public:
  /// A loader at epoch 0, position 0. Throws std::runtime_error for a
  /// batch size below 1.
  DataLoader(std::vector<Example> examples, DataCollatorForCausalLM collator, const DataLoaderOptions &options = {});

  /// The next batch, collated; moves on to the next epoch when this one is
  /// used up. Throws std::runtime_error when an epoch has no batch at all
  /// (no examples, or fewer than batch_size with drop_last).
  Batch next();
  /// The examples of the next batch, as indices into the examples (what
  /// next() collates); advances the same way.
  std::vector<int64_t> next_indices();

  /// The number of examples.
  int64_t num_examples() const { return static_cast<int64_t>(examples_.size()); }
  /// Batches in every epoch.
  int64_t batches_per_epoch() const;
  /// The examples the loader was built with.
  const std::vector<Example> &examples() const { return examples_; }

  /// Where the loader stands.
  LoaderState state() const { return state_; }
  /// Continues from `state` (its seed included). Throws std::runtime_error
  /// for a negative epoch or a position outside [0, num_examples()].
  void restore(const LoaderState &state);

private:
  void build_order();
  void roll_over_if_exhausted();

  std::vector<Example> examples_;
  DataCollatorForCausalLM collator_;
  DataLoaderOptions options_;
  LoaderState state_;
  std::vector<int64_t> order_; // this epoch's order of example indices
};

} // namespace fgrt::data
