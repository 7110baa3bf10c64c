//===- checkpoint.hpp - Checkpoints a run can resume from --------*- C++ -*-===//
//
// Layout of `<output_dir>/checkpoints/checkpoint-<step>/` (Hugging Face's for
// the weights, so `from_pretrained` and fgcc's HF import read them):
//
//   model.safetensors.index.json        {"metadata": {"total_size": bytes,
//                                         "param_sharing": [[fqn, ...], ...]},
//                                        "weight_map": {fqn: shard file}}
//   model-0000k-of-0000N.safetensors    the parameters and buffers, sharded
//   <name>_state.pt                     one LibTorch archive per stateful
//                                       (optimizer, scheduler, rng)
//   <name>_state.json                   JSON states (trainer, dataset)
//   checksums.json                      {"algorithm": "crc32c", "files":
//                                         {file: {"size": n, "crc32c": hex}}}
//
// The index is written even for one shard, as the reference does. Tensors
// that share storage (a tied head) are stored once under their first name;
// `param_sharing` lists the others, and loading fills them from it.
//
// Atomicity: a checkpoint is written into `checkpoint-<step>.tmp`, every
// file fsynced, then the directory is renamed into place and its parent
// fsynced, so a crash leaves either a whole checkpoint or a `.tmp` that is
// ignored (and removed by the next save). A checkpoint is removed by
// renaming it to `.deleting` first, so an interrupted removal never leaves a
// partial `checkpoint-<step>` behind. Pruning keeps the newest
// `save_total_limit` by step number (the reference sorts by mtime, which a
// copy of the directory changes) and never removes a protected (best) one.
//
// Integrity: resuming first checks every file against checksums.json (size
// and CRC-32C), so a truncated or bit-flipped file is refused with an error
// that names it instead of loading garbage weights or optimizer moments. A
// checkpoint without checksums.json (copied from elsewhere) is not checked.
//
// Pipeline runs (save_pipeline) write one checkpoint from every rank: one
// shard per stage, `model-0000<k+1>-of-0000<S>.safetensors` for stage k,
// under the whole model's names, so the index rank 0 writes is an ordinary
// sharded checkpoint of the whole model; each rank's training state goes
// into `<name>_state_rank_<r>.pt`, as the reference names them. The
// directory is published by rank 0 once every rank has written its files.
//
// The optimizer and scheduler archives are LibTorch's format, not Python's
// pickles: a checkpoint resumes in fgrt, its weights load anywhere.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "fgrt/dist/communicator.hpp"

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fgrt::train {

/// One piece of training state saved next to the weights as
/// `<name>_state.pt`.
struct ArchiveState {
  std::string name;
  std::function<void(torch::serialize::OutputArchive &)> save;
  std::function<void(torch::serialize::InputArchive &)> load;
};

/// Writes `tensors` as HF sharded safetensors into `dir` (index + shards of
/// at most `max_shard_bytes` each, a tensor never split). Tensors sharing
/// storage with an earlier name are written once; `param_sharing` records
/// them. Returns the total bytes written.
int64_t save_sharded_safetensors(const std::string &dir, const std::vector<std::pair<std::string, torch::Tensor>> &tensors,
                                 int64_t max_shard_bytes = int64_t(4) << 30);

/// The parameters and buffers of `module` by full name, in registration
/// order (what a checkpoint stores).
std::vector<std::pair<std::string, torch::Tensor>> module_state(const torch::nn::Module &module);

/// Copies the weights of the sharded checkpoint in `dir` into `module`,
/// converting dtypes. Strict: a name missing on either side, or a shape
/// mismatch, throws naming the tensor.
void load_sharded_safetensors(const std::string &dir, torch::nn::Module &module);

/// Copies the checkpoint's values into `state` (named tensors), converting
/// dtypes. A name of `state` missing from the checkpoint, or a shape
/// mismatch, throws naming the tensor; tensors of the checkpoint that are
/// not in `state` throw too unless `partial` (a pipeline stage loads its
/// own part of the whole model's checkpoint).
void load_sharded_safetensors(const std::string &dir, const std::vector<std::pair<std::string, torch::Tensor>> &state,
                              bool partial);

/// Saves the CPU random generator's state (what dropout and data order draw
/// from) / restores it.
ArchiveState rng_state();

/// The `checkpoints/` directory of one run.
class CheckpointManager {
public:
  /// `save_total_limit` 0 keeps every checkpoint.
  CheckpointManager(std::string output_dir, int64_t save_total_limit, int64_t max_shard_bytes = int64_t(4) << 30);

  /// Writes checkpoint-<step> atomically: the module's weights, each archive
  /// state, and each JSON text as `<name>_state.json`; then prunes. Returns
  /// the checkpoint's directory. Saving a step twice replaces the first.
  std::string save(int64_t step, const torch::nn::Module &module, const std::vector<ArchiveState> &archives,
                   const std::map<std::string, std::string> &json_states);

  /// Named tensors of one pipeline stage: (stage index, its state).
  using StageState = std::pair<int, std::vector<std::pair<std::string, torch::Tensor>>>;

  /// Writes checkpoint-<step> of a pipeline run; every rank of
  /// `communicator` calls it at the same step with the stages it holds (of
  /// `num_stages`) and its own archive states (saved with a `_rank_<r>`
  /// suffix). Rank 0's `json_states` are saved (the others' are ignored).
  /// Returns when the checkpoint is published, on every rank.
  std::string save_pipeline(int64_t step, dist::Communicator &communicator, int num_stages,
                            const std::vector<StageState> &stages, const std::vector<ArchiveState> &archives,
                            const std::map<std::string, std::string> &json_states);

  /// Complete checkpoints, oldest step first.
  std::vector<std::string> list() const;
  /// The newest complete checkpoint, if any.
  std::optional<std::string> latest() const;
  /// Never prune `dir` (the best checkpoint so far); empty: none.
  void protect(const std::string &dir) { protected_ = dir; }

  /// The directory checkpoint `step` is (or would be) saved in.
  std::string path_of(int64_t step) const;
  /// The step a checkpoint directory's name records.
  static int64_t step_of(const std::string &dir);
  /// Checks every file checksums.json lists: present, of its size and
  /// CRC-32C. Throws naming the first file that is not.
  static void verify(const std::string &dir);
  /// Restores one archive state from `dir` (rank >= 0: a pipeline rank's
  /// `<name>_state_rank_<r>.pt`); throws naming its file if it is missing
  /// or unreadable.
  static void load_archive(const std::string &dir, const ArchiveState &state, int rank = -1);
  /// The text of `<name>_state.json` in `dir`; throws if missing.
  static std::string read_json_state(const std::string &dir, const std::string &name);
  /// The path of `<name>_state.json` in `dir`.
  static std::string json_state_path(const std::string &dir, const std::string &name);

  const std::string &directory() const { return root_; }

private:
  /// Where checkpoint `step` is written before it is published.
  std::string tmp_path_of(int64_t step) const;
  /// Creates a fresh `.tmp` directory for checkpoint `step`; returns it.
  std::string begin_save(int64_t step) const;
  /// Checksums, syncs and renames `tmp_dir` into place, then prunes.
  std::string publish(int64_t step, const std::string &tmp_dir);
  void prune();
  /// Removes `.tmp` and `.deleting` directories of interrupted saves and
  /// removals.
  void remove_leftovers() const;

  std::string root_;
  int64_t limit_;
  int64_t max_shard_bytes_;
  std::string protected_;
};

} // namespace fgrt::train
