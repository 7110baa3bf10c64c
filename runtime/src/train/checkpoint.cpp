//===- checkpoint.cpp - Sharded weights, training state, atomic dirs ------===//
//
// See checkpoint.hpp for the layout. The order of operations is what makes a
// checkpoint safe to resume from: everything goes into a `.tmp` directory,
// every file is fsynced, then one rename publishes the whole checkpoint.
//
//===----------------------------------------------------------------------===//
#include "fgrt/train/checkpoint.hpp"

#include "fgrt/train/logging/crc32c.hpp"
#include "safetensors.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

#include <fcntl.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace fgrt::train {

namespace {

const char *const kIndexName = "model.safetensors.index.json";
const char *const kTmpSuffix = ".tmp";
const char *const kDeletingSuffix = ".deleting";
const char *const kChecksumsName = "checksums.json";

/// Flushes a file or directory to disk; a checkpoint is not published before
/// its contents are durable.
void fsync_path(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0)
    throw std::runtime_error(path + ": cannot open to sync");
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0)
    throw std::runtime_error(path + ": fsync failed");
}

void write_text_file(const std::string &path, const std::string &text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out)
    throw std::runtime_error(path + ": cannot write");
  fsync_path(path);
}

std::string read_text_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error(path + ": cannot read (missing from the checkpoint?)");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// `model-00002-of-00005.safetensors`, HF's shard naming.
std::string shard_name(size_t index, size_t count) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "model-%05zu-of-%05zu.safetensors", index + 1, count);
  return buf;
}

int64_t byte_size(const torch::Tensor &t) { return t.numel() * static_cast<int64_t>(t.element_size()); }

/// The name a checkpoint directory starts with.
const std::string kPrefix = "checkpoint-";

/// Size and CRC-32C of a file, read in 1 MiB pieces.
struct FileSum {
  uint64_t size = 0;
  uint32_t crc = 0;
};

FileSum sum_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error(path + ": missing from the checkpoint");
  FileSum sum;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    std::streamsize n = in.gcount();
    sum.crc = crc32c_extend(sum.crc, buffer.data(), static_cast<size_t>(n));
    sum.size += static_cast<uint64_t>(n);
  }
  return sum;
}

std::string hex32(uint32_t value) {
  char text[9];
  std::snprintf(text, sizeof text, "%08x", value);
  return text;
}

/// checksums.json for every file of `dir` written so far.
void write_checksums(const std::string &dir) {
  nlohmann::ordered_json files = nlohmann::ordered_json::object();
  std::vector<std::string> names;
  for (const auto &entry : fs::directory_iterator(dir))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  for (const std::string &name : names) {
    FileSum sum = sum_file((fs::path(dir) / name).string());
    files[name] = {{"size", sum.size}, {"crc32c", hex32(sum.crc)}};
  }
  nlohmann::ordered_json j;
  j["algorithm"] = "crc32c";
  j["files"] = files;
  write_text_file((fs::path(dir) / kChecksumsName).string(), j.dump(2) + "\n");
}

/// Removes a directory by first renaming it out of the checkpoint namespace,
/// so a crash halfway leaves no half-deleted `checkpoint-<step>` that looks
/// complete.
void remove_dir_atomically(const std::string &dir) {
  std::string doomed = dir + kDeletingSuffix;
  fs::remove_all(doomed);
  fs::rename(dir, doomed);
  fs::remove_all(doomed);
}

} // namespace

std::vector<std::pair<std::string, torch::Tensor>> module_state(const torch::nn::Module &module) {
  std::vector<std::pair<std::string, torch::Tensor>> state;
  for (const auto &p : module.named_parameters())
    state.emplace_back(p.key(), p.value());
  for (const auto &b : module.named_buffers())
    state.emplace_back(b.key(), b.value());
  return state;
}

namespace {

/// A state with the tensors that alias an earlier one (tied weights) taken
/// out: each storage is stored once, under its first name, and `sharing`
/// lists the other names of each shared one.
struct DedupedState {
  std::vector<std::pair<std::string, torch::Tensor>> unique;
  std::vector<std::vector<std::string>> sharing;
};

DedupedState dedupe(const std::vector<std::pair<std::string, torch::Tensor>> &tensors) {
  DedupedState out;
  std::map<const void *, size_t> first_of_storage;
  std::map<size_t, size_t> sharing_group; // unique index -> sharing entry
  for (const auto &[name, tensor] : tensors) {
    auto [it, fresh] = first_of_storage.emplace(tensor.data_ptr(), out.unique.size());
    if (fresh) {
      out.unique.emplace_back(name, tensor.detach().to(torch::kCPU).contiguous());
      continue;
    }
    auto [group, added] = sharing_group.emplace(it->second, out.sharing.size());
    if (added)
      out.sharing.push_back({out.unique[it->second].first});
    out.sharing[group->second].push_back(name);
  }
  return out;
}

/// Writes `tensors` into the safetensors file `file` of `dir` and records
/// each in `weight_map`; returns the bytes of tensor data.
int64_t write_shard(const std::string &dir, const std::string &file,
                    const std::vector<std::pair<std::string, torch::Tensor>> &tensors,
                    nlohmann::ordered_json &weight_map) {
  std::map<std::string, torch::Tensor> contents;
  int64_t bytes = 0;
  for (const auto &[name, tensor] : tensors) {
    contents.emplace(name, tensor);
    weight_map[name] = file;
    bytes += byte_size(tensor);
  }
  std::string path = (fs::path(dir) / file).string();
  fgcc::safetensors::save(path, contents, {{"format", "pt"}});
  fsync_path(path);
  return bytes;
}

void write_index(const std::string &dir, int64_t total, const std::vector<std::vector<std::string>> &sharing,
                 const nlohmann::ordered_json &weight_map) {
  nlohmann::ordered_json index;
  index["metadata"]["total_size"] = total;
  if (!sharing.empty())
    index["metadata"]["param_sharing"] = sharing;
  index["weight_map"] = weight_map;
  write_text_file((fs::path(dir) / kIndexName).string(), index.dump(2) + "\n");
}

} // namespace

int64_t save_sharded_safetensors(const std::string &dir, const std::vector<std::pair<std::string, torch::Tensor>> &tensors,
                                 int64_t max_shard_bytes) {
  DedupedState state = dedupe(tensors);
  // Greedy shards in state order: a new shard starts when the next tensor
  // would overflow the current one.
  std::vector<std::vector<std::pair<std::string, torch::Tensor>>> shards(1);
  int64_t shard_bytes = 0;
  for (auto &entry : state.unique) {
    int64_t bytes = byte_size(entry.second);
    if (!shards.back().empty() && shard_bytes + bytes > max_shard_bytes) {
      shards.emplace_back();
      shard_bytes = 0;
    }
    shards.back().push_back(std::move(entry));
    shard_bytes += bytes;
  }
  nlohmann::ordered_json weight_map = nlohmann::ordered_json::object();
  int64_t total = 0;
  for (size_t s = 0; s < shards.size(); ++s)
    total += write_shard(dir, shard_name(s, shards.size()), shards[s], weight_map);
  write_index(dir, total, state.sharing, weight_map);
  return total;
}

void load_sharded_safetensors(const std::string &dir, torch::nn::Module &module) {
  load_sharded_safetensors(dir, module_state(module), /*partial=*/false);
}

void load_sharded_safetensors(const std::string &dir, const std::vector<std::pair<std::string, torch::Tensor>> &state,
                              bool partial) {
  std::string index_path = (fs::path(dir) / kIndexName).string();
  nlohmann::json index;
  try {
    index = nlohmann::json::parse(read_text_file(index_path));
  } catch (const nlohmann::json::exception &e) {
    throw std::runtime_error(index_path + ": not valid JSON (" + e.what() + ")");
  }
  if (!index.contains("weight_map") || !index["weight_map"].is_object())
    throw std::runtime_error(index_path + ": no \"weight_map\" object");
  // Aliases of a stored tensor read their values from it.
  std::map<std::string, std::string> alias_of;
  if (auto m = index.find("metadata"); m != index.end() && m->contains("param_sharing"))
    for (const auto &group : (*m)["param_sharing"])
      for (size_t i = 1; i < group.size(); ++i)
        alias_of[group[i].get<std::string>()] = group[0].get<std::string>();

  std::map<std::string, std::string> file_of;
  for (const auto &[name, file] : index["weight_map"].items())
    file_of[name] = file.get<std::string>();
  std::set<std::string> wanted;
  for (const auto &entry : state) {
    const std::string &stored = alias_of.count(entry.first) ? alias_of[entry.first] : entry.first;
    if (!file_of.count(stored))
      throw std::runtime_error(dir + ": the checkpoint has no tensor '" + entry.first + "'");
    wanted.insert(stored);
  }
  for (const auto &entry : file_of)
    if (!partial && !wanted.count(entry.first))
      throw std::runtime_error(dir + ": the checkpoint's tensor '" + entry.first + "' is not in the model");

  // Shard by shard, so at most one shard is in memory besides the model.
  std::map<std::string, std::vector<std::pair<std::string, torch::Tensor>>> by_file;
  for (const auto &[name, tensor] : state) {
    const std::string &stored = alias_of.count(name) ? alias_of[name] : name;
    by_file[file_of[stored]].emplace_back(stored, tensor);
  }
  torch::NoGradGuard no_grad;
  for (const auto &[file, targets] : by_file) {
    fgcc::safetensors::File shard = fgcc::safetensors::load((fs::path(dir) / file).string());
    for (const auto &[stored, target] : targets) {
      auto it = shard.tensors.find(stored);
      if (it == shard.tensors.end())
        throw std::runtime_error(dir + "/" + file + ": tensor '" + stored + "' is missing from its shard");
      if (it->second.sizes() != target.sizes())
        throw std::runtime_error(dir + ": tensor '" + stored + "' has shape " + c10::str(it->second.sizes()) +
                                 " in the checkpoint and " + c10::str(target.sizes()) + " in the model");
      target.copy_(it->second);
    }
  }
}

ArchiveState rng_state() {
  return ArchiveState{
      "rng",
      [](torch::serialize::OutputArchive &out) {
        out.write("cpu", at::detail::getDefaultCPUGenerator().get_state());
      },
      [](torch::serialize::InputArchive &in) {
        torch::Tensor state;
        in.read("cpu", state);
        // A Generator is a handle: the copy shares the default generator.
        at::Generator generator = at::detail::getDefaultCPUGenerator();
        generator.set_state(state);
      }};
}

CheckpointManager::CheckpointManager(std::string output_dir, int64_t save_total_limit, int64_t max_shard_bytes)
    : root_((fs::path(output_dir) / "checkpoints").string()), limit_(save_total_limit),
      max_shard_bytes_(max_shard_bytes) {}

std::string CheckpointManager::path_of(int64_t step) const {
  return (fs::path(root_) / (kPrefix + std::to_string(step))).string();
}

int64_t CheckpointManager::step_of(const std::string &dir) {
  std::string name = fs::path(dir).filename().string();
  if (name.rfind(kPrefix, 0) != 0)
    return -1;
  std::string digits = name.substr(kPrefix.size());
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), ::isdigit))
    return -1;
  return std::stoll(digits);
}

std::string CheckpointManager::tmp_path_of(int64_t step) const { return path_of(step) + kTmpSuffix; }

std::string CheckpointManager::begin_save(int64_t step) const {
  fs::create_directories(root_);
  std::string tmp_dir = tmp_path_of(step);
  fs::remove_all(tmp_dir); // a crashed earlier attempt
  fs::create_directories(tmp_dir);
  return tmp_dir;
}

std::string CheckpointManager::publish(int64_t step, const std::string &tmp_dir) {
  write_checksums(tmp_dir);
  fsync_path(tmp_dir);
  // Replace an older checkpoint of the same step, then rename.
  std::string final_dir = path_of(step);
  if (fs::exists(final_dir))
    remove_dir_atomically(final_dir);
  fs::rename(tmp_dir, final_dir);
  fsync_path(root_);
  prune();
  return final_dir;
}

namespace {

/// `<name>_state.pt`, or a pipeline rank's `<name>_state_rank_<r>.pt`.
std::string archive_path(const std::string &dir, const std::string &name, int rank) {
  std::string file = name + "_state" + (rank >= 0 ? "_rank_" + std::to_string(rank) : std::string()) + ".pt";
  return (fs::path(dir) / file).string();
}

void save_archives(const std::string &dir, const std::vector<ArchiveState> &archives, int rank) {
  for (const ArchiveState &state : archives) {
    torch::serialize::OutputArchive archive;
    state.save(archive);
    std::string path = archive_path(dir, state.name, rank);
    archive.save_to(path);
    fsync_path(path);
  }
}

/// Where a pipeline rank lists the tensors of its shards for rank 0's index.
std::string partial_index_path(const std::string &dir, int rank) {
  return (fs::path(dir) / ("weight_map_rank_" + std::to_string(rank) + ".json")).string();
}

} // namespace

std::string CheckpointManager::save(int64_t step, const torch::nn::Module &module,
                                    const std::vector<ArchiveState> &archives,
                                    const std::map<std::string, std::string> &json_states) {
  std::string tmp_dir = begin_save(step);
  save_sharded_safetensors(tmp_dir, module_state(module), max_shard_bytes_);
  save_archives(tmp_dir, archives, -1);
  for (const auto &[name, text] : json_states)
    write_text_file(json_state_path(tmp_dir, name), text);
  return publish(step, tmp_dir);
}

std::string CheckpointManager::save_pipeline(int64_t step, dist::Communicator &communicator, int num_stages,
                                             const std::vector<StageState> &stages,
                                             const std::vector<ArchiveState> &archives,
                                             const std::map<std::string, std::string> &json_states) {
  const int rank = communicator.rank();
  // Rank 0 makes the directory, everyone writes its part, rank 0 merges the
  // index and publishes; the barriers order the three.
  std::string tmp_dir = tmp_path_of(step);
  if (rank == 0)
    begin_save(step);
  communicator.barrier();
  nlohmann::ordered_json part;
  part["weight_map"] = nlohmann::ordered_json::object();
  int64_t bytes = 0;
  for (const auto &[index, tensors] : stages) {
    DedupedState state = dedupe(tensors);
    if (!state.sharing.empty())
      throw std::runtime_error("pipeline checkpoint: stage " + std::to_string(index) + " shares tensors between '" +
                               state.sharing.front().front() + "' and '" + state.sharing.front().back() +
                               "' (tied weights are not supported in a pipeline)");
    bytes += write_shard(tmp_dir, shard_name(static_cast<size_t>(index), static_cast<size_t>(num_stages)),
                         state.unique, part["weight_map"]);
  }
  part["total_size"] = bytes;
  write_text_file(partial_index_path(tmp_dir, rank), part.dump() + "\n");
  save_archives(tmp_dir, archives, rank);
  communicator.barrier();
  std::string final_dir = path_of(step);
  if (rank == 0) {
    nlohmann::ordered_json weight_map = nlohmann::ordered_json::object();
    int64_t total = 0;
    for (int r = 0; r < communicator.world_size(); ++r) {
      std::string path = partial_index_path(tmp_dir, r);
      nlohmann::json piece = nlohmann::json::parse(read_text_file(path));
      for (const auto &[name, file] : piece.at("weight_map").items())
        weight_map[name] = file;
      total += piece.at("total_size").get<int64_t>();
      fs::remove(path);
    }
    write_index(tmp_dir, total, {}, weight_map);
    for (const auto &[name, text] : json_states)
      write_text_file(json_state_path(tmp_dir, name), text);
    final_dir = publish(step, tmp_dir);
  }
  // No rank goes on (and might resume or read it) before it is published.
  communicator.barrier();
  return final_dir;
}

std::vector<std::string> CheckpointManager::list() const {
  std::vector<std::pair<int64_t, std::string>> found;
  if (!fs::is_directory(root_))
    return {};
  for (const auto &entry : fs::directory_iterator(root_)) {
    int64_t step = step_of(entry.path().string());
    if (step >= 0 && entry.is_directory() && fs::exists(entry.path() / kIndexName))
      found.emplace_back(step, entry.path().string());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> dirs;
  for (auto &f : found)
    dirs.push_back(std::move(f.second));
  return dirs;
}

std::optional<std::string> CheckpointManager::latest() const {
  auto dirs = list();
  if (dirs.empty())
    return std::nullopt;
  return dirs.back();
}

void CheckpointManager::prune() {
  remove_leftovers();
  if (limit_ <= 0)
    return;
  auto dirs = list();
  int64_t excess = static_cast<int64_t>(dirs.size()) - limit_;
  for (const std::string &dir : dirs) {
    if (excess <= 0)
      break;
    if (dir == protected_)
      continue;
    remove_dir_atomically(dir);
    --excess;
  }
}

void CheckpointManager::remove_leftovers() const {
  // What a crash during an earlier save or removal left behind (no save is
  // in flight here: this one has been published).
  auto ends_with = [](const std::string &name, const char *suffix) {
    size_t n = std::strlen(suffix);
    return name.size() > n && name.compare(name.size() - n, n, suffix) == 0;
  };
  std::vector<fs::path> leftovers;
  for (const auto &entry : fs::directory_iterator(root_)) {
    std::string name = entry.path().filename().string();
    if (entry.is_directory() && (ends_with(name, kTmpSuffix) || ends_with(name, kDeletingSuffix)))
      leftovers.push_back(entry.path());
  }
  for (const fs::path &dir : leftovers)
    fs::remove_all(dir);
}

void CheckpointManager::verify(const std::string &dir) {
  std::string path = (fs::path(dir) / kChecksumsName).string();
  if (!fs::exists(path))
    return;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_text_file(path));
  } catch (const nlohmann::json::exception &e) {
    throw std::runtime_error(path + ": not valid JSON (" + e.what() + ")");
  }
  if (!j.contains("files") || !j["files"].is_object())
    throw std::runtime_error(path + ": no \"files\" object");
  for (const auto &[name, expected] : j["files"].items()) {
    std::string file = (fs::path(dir) / name).string();
    if (!fs::exists(file))
      throw std::runtime_error(file + ": missing from the checkpoint");
    FileSum sum = sum_file(file);
    uint64_t size = expected.value("size", uint64_t(0));
    if (sum.size != size)
      throw std::runtime_error(file + ": truncated or damaged (" + std::to_string(sum.size) + " bytes, the checkpoint recorded " +
                               std::to_string(size) + ")");
    if (hex32(sum.crc) != expected.value("crc32c", std::string()))
      throw std::runtime_error(file + ": damaged (its CRC-32C does not match the one the checkpoint recorded)");
  }
}

void CheckpointManager::load_archive(const std::string &dir, const ArchiveState &state, int rank) {
  std::string path = archive_path(dir, state.name, rank);
  if (!fs::exists(path))
    throw std::runtime_error(path + ": missing from the checkpoint");
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    state.load(archive);
  } catch (const c10::Error &e) {
    throw std::runtime_error(path + ": cannot be loaded (" + e.what_without_backtrace() + ")");
  }
}

std::string CheckpointManager::json_state_path(const std::string &dir, const std::string &name) {
  return (fs::path(dir) / (name + "_state.json")).string();
}

std::string CheckpointManager::read_json_state(const std::string &dir, const std::string &name) {
  return read_text_file(json_state_path(dir, name));
}

} // namespace fgrt::train
