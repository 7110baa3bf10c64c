//===- loader.cpp - A resumable data loader over in-memory examples -------===//
#include "fgrt/data/loader.hpp"

#include "fgrt/data/random.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <utility>

namespace fgrt::data {

namespace {

/// The member `name` of a loader state as a non-negative integer.
uint64_t state_field(const nlohmann::json &json, const char *name) {
  auto value = json.find(name);
  if (value == json.end())
    throw std::runtime_error(std::string("loader state: missing field \"") + name + "\"");
  // Integers read from text are unsigned when non-negative; ones built in
  // code are signed, so both kinds are accepted.
  const bool non_negative = value->is_number_unsigned() || (value->is_number_integer() && value->get<int64_t>() >= 0);
  if (!non_negative)
    throw std::runtime_error(std::string("loader state: field \"") + name + "\" must be a non-negative integer, got " +
                             value->dump());
  return value->get<uint64_t>();
}

/// `value` as a signed count, refusing values beyond int64_t.
int64_t as_count(uint64_t value, const char *name) {
  if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    throw std::runtime_error(std::string("loader state: field \"") + name +
                             "\" is too large: " + std::to_string(value));
  return static_cast<int64_t>(value);
}

} // namespace

void to_json(nlohmann::json &json, const LoaderState &state) {
  json = nlohmann::json{{"epoch", state.epoch}, {"position_in_epoch", state.position_in_epoch}, {"seed", state.seed}};
}

void from_json(const nlohmann::json &json, LoaderState &state) {
  if (!json.is_object())
    throw std::runtime_error(std::string("loader state: expected a JSON object, got ") + json.type_name());
  state.epoch = as_count(state_field(json, "epoch"), "epoch");
  state.position_in_epoch = as_count(state_field(json, "position_in_epoch"), "position_in_epoch");
  state.seed = state_field(json, "seed");
}

std::string loader_state_to_json(const LoaderState &state) { return nlohmann::json(state).dump(); }

LoaderState loader_state_from_json(const std::string &text) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error &e) {
    throw std::runtime_error(std::string("loader state: invalid JSON: ") + e.what());
  }
  return json.get<LoaderState>();
}

DataLoader::DataLoader(std::vector<Example> examples, DataCollatorForCausalLM collator,
                       const DataLoaderOptions &options)
    : examples_(std::move(examples)), collator_(std::move(collator)), options_(options) {
  if (options.batch_size() < 1)
    throw std::runtime_error("DataLoader: batch_size must be >= 1, got " + std::to_string(options.batch_size()));
  state_.seed = options.seed();
  build_order();
}

int64_t DataLoader::batches_per_epoch() const {
  const int64_t n = num_examples();
  const int64_t size = options_.batch_size();
  return options_.drop_last() ? n / size : (n + size - 1) / size;
}

void DataLoader::build_order() {
  const auto n = static_cast<size_t>(num_examples());
  order_.assign(n, 0);
  if (!options_.shuffle()) {
    std::iota(order_.begin(), order_.end(), int64_t{0});
    return;
  }
  // Each epoch's order comes from (seed, epoch) alone, which is what makes
  // a restored state enough to continue.
  const std::vector<size_t> permutation =
      seeded_permutation(n, derive_seed(state_.seed, static_cast<uint64_t>(state_.epoch)));
  for (size_t i = 0; i < n; ++i)
    order_[i] = static_cast<int64_t>(permutation[i]);
}

void DataLoader::roll_over_if_exhausted() {
  // An epoch is over when nothing is left, or with drop_last when no whole
  // batch is; a loader without any batch per epoch stays where it is.
  const int64_t needed = options_.drop_last() ? options_.batch_size() : 1;
  if (batches_per_epoch() == 0 || num_examples() - state_.position_in_epoch >= needed)
    return;
  ++state_.epoch;
  state_.position_in_epoch = 0;
  build_order();
}

std::vector<int64_t> DataLoader::next_indices() {
  if (batches_per_epoch() == 0)
    throw std::runtime_error("DataLoader: an epoch has no batch: " + std::to_string(num_examples()) +
                             " examples, batch_size " + std::to_string(options_.batch_size()) +
                             (options_.drop_last() ? " with drop_last" : ""));
  const int64_t begin = state_.position_in_epoch;
  const int64_t end = std::min(begin + options_.batch_size(), num_examples());
  std::vector<int64_t> indices(order_.begin() + begin, order_.begin() + end);
  state_.position_in_epoch = end;
  roll_over_if_exhausted();
  return indices;
}

Batch DataLoader::next() {
  std::vector<Example> batch;
  for (int64_t index : next_indices())
    batch.push_back(examples_[static_cast<size_t>(index)]);
  return collator_(batch);
}

void DataLoader::restore(const LoaderState &state) {
  if (state.epoch < 0 || state.position_in_epoch < 0 || state.position_in_epoch > num_examples())
    throw std::runtime_error("DataLoader: cannot restore epoch " + std::to_string(state.epoch) + ", position " +
                             std::to_string(state.position_in_epoch) + " with " + std::to_string(num_examples()) +
                             " examples");
  state_ = state;
  build_order();
  roll_over_if_exhausted();
}

} // namespace fgrt::data
