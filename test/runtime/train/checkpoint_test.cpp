// checkpoint_test.cpp - fgrt::train::CheckpointManager: atomic directories,
// pruning, and refusing damaged files by name.
#include "fgrt/train/checkpoint.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;
using fgrt::train::CheckpointManager;

using fgrt::testing::error_of;
using fgrt::train::test_support::TempDir;

namespace {

std::string save_step(CheckpointManager &manager, torch::nn::Linear &model, int64_t step) {
  return manager.save(step, *model, {fgrt::train::rng_state()}, {{"trainer", "{\"step\": " + std::to_string(step) + "}"}});
}

void overwrite_byte(const fs::path &file, std::streamoff offset) {
  std::fstream io(file, std::ios::binary | std::ios::in | std::ios::out);
  io.seekg(offset);
  char c = 0;
  io.read(&c, 1);
  io.seekp(offset);
  c = static_cast<char>(c ^ 0x5a);
  io.write(&c, 1);
}

} // namespace

TEST(TrainCheckpoint, SavesWeightsAndStatesWithChecksums) {
  TempDir tmp("fgrt-checkpoint-test");
  torch::nn::Linear model(4, 3);
  CheckpointManager manager(tmp.path.string(), 0);
  std::string dir = save_step(manager, model, 7);
  EXPECT_EQ(fs::path(dir).filename(), "checkpoint-7");
  for (const char *name : {"model.safetensors.index.json", "model-00001-of-00001.safetensors", "rng_state.pt",
                           "trainer_state.json", "checksums.json"})
    EXPECT_TRUE(fs::exists(fs::path(dir) / name)) << name;
  EXPECT_NO_THROW(CheckpointManager::verify(dir));

  torch::nn::Linear other(4, 3);
  fgrt::train::load_sharded_safetensors(dir, *other);
  EXPECT_TRUE(torch::equal(other->weight, model->weight));
  EXPECT_EQ(CheckpointManager::read_json_state(dir, "trainer"), "{\"step\": 7}");
}

TEST(TrainCheckpoint, PrunesTheOldestAndKeepsTheProtected) {
  TempDir tmp("fgrt-checkpoint-test");
  torch::nn::Linear model(2, 2);
  CheckpointManager manager(tmp.path.string(), 2);
  std::string first = save_step(manager, model, 1);
  manager.protect(first);
  for (int64_t step = 2; step <= 4; ++step)
    save_step(manager, model, step);
  auto dirs = manager.list();
  ASSERT_EQ(dirs.size(), 2u) << "the protected one counts toward the limit";
  EXPECT_EQ(fs::path(dirs[0]).filename(), "checkpoint-1");
  EXPECT_EQ(fs::path(dirs[1]).filename(), "checkpoint-4");
  EXPECT_EQ(fs::path(*manager.latest()).filename(), "checkpoint-4");
}

TEST(TrainCheckpoint, IgnoresAndRemovesInterruptedWrites) {
  TempDir tmp("fgrt-checkpoint-test");
  torch::nn::Linear model(2, 2);
  CheckpointManager manager(tmp.path.string(), 0);
  // What a kill during a save or a removal leaves: neither is a checkpoint.
  fs::create_directories(tmp.path / "checkpoints" / "checkpoint-9.tmp");
  std::ofstream(tmp.path / "checkpoints" / "checkpoint-9.tmp" / "model.safetensors.index.json") << "{}";
  fs::create_directories(tmp.path / "checkpoints" / "checkpoint-3.deleting");
  std::ofstream(tmp.path / "checkpoints" / "checkpoint-3.deleting" / "model.safetensors.index.json") << "{}";
  EXPECT_FALSE(manager.latest());
  save_step(manager, model, 5);
  EXPECT_EQ(fs::path(*manager.latest()).filename(), "checkpoint-5");
  EXPECT_FALSE(fs::exists(tmp.path / "checkpoints" / "checkpoint-9.tmp"));
  EXPECT_FALSE(fs::exists(tmp.path / "checkpoints" / "checkpoint-3.deleting"));
}

TEST(TrainCheckpoint, RefusesATruncatedFileByName) {
  TempDir tmp("fgrt-checkpoint-test");
  torch::nn::Linear model(8, 8);
  CheckpointManager manager(tmp.path.string(), 0);
  fs::path shard = fs::path(save_step(manager, model, 1)) / "model-00001-of-00001.safetensors";
  fs::resize_file(shard, fs::file_size(shard) - 10);
  std::string error = error_of([&] { CheckpointManager::verify(shard.parent_path().string()); });
  EXPECT_NE(error.find(shard.string() + ": truncated or damaged"), std::string::npos) << error;
}

TEST(TrainCheckpoint, RefusesAFlippedByteByName) {
  TempDir tmp("fgrt-checkpoint-test");
  torch::nn::Linear model(8, 8);
  CheckpointManager manager(tmp.path.string(), 0);
  fs::path archive = fs::path(save_step(manager, model, 1)) / "rng_state.pt";
  overwrite_byte(archive, static_cast<std::streamoff>(fs::file_size(archive) / 2));
  std::string error = error_of([&] { CheckpointManager::verify(archive.parent_path().string()); });
  EXPECT_NE(error.find(archive.string() + ": damaged (its CRC-32C"), std::string::npos) << error;
}

TEST(TrainCheckpoint, RefusesAMissingFileByName) {
  TempDir tmp("fgrt-checkpoint-test");
  torch::nn::Linear model(2, 2);
  CheckpointManager manager(tmp.path.string(), 0);
  fs::path state = fs::path(save_step(manager, model, 1)) / "trainer_state.json";
  fs::remove(state);
  std::string error = error_of([&] { CheckpointManager::verify(state.parent_path().string()); });
  EXPECT_NE(error.find(state.string() + ": missing from the checkpoint"), std::string::npos) << error;
}

TEST(TrainCheckpoint, ADamagedArchiveIsNamedEvenWithoutChecksums) {
  TempDir tmp("fgrt-checkpoint-test");
  torch::nn::Linear model(2, 2);
  CheckpointManager manager(tmp.path.string(), 0);
  fs::path dir = save_step(manager, model, 1);
  fs::remove(dir / "checksums.json");
  fs::resize_file(dir / "rng_state.pt", 40);
  EXPECT_NO_THROW(CheckpointManager::verify(dir.string())) << "nothing recorded, nothing to check";
  std::string error = error_of([&] { CheckpointManager::load_archive(dir.string(), fgrt::train::rng_state()); });
  EXPECT_NE(error.find((dir / "rng_state.pt").string() + ": cannot be loaded"), std::string::npos) << error;
}
