//===- bench_tokenizer.cpp - BPE training and encode/decode throughput -*- C++ -*-===//
//
// Trains the reference's tokenizer definition (byte-level BPE, NFC, BOS
// template) on a text file to a vocab size, then times encoding the whole
// file with a cold and a warm word cache and decoding it back (which must
// reproduce the text). The file is read at run time and never copied:
//
//   bench_tokenizer [FILE] [--vocab N] [--reps N]
//   (FILE defaults to /work/shared/data/tinyshakespeare.txt)
//
// Encode throughput is MB of input text per second. A fresh tokenizer per
// cold run keeps its word cache empty. Besides wall time, the process CPU
// time of each step is reported: on a shared, overloaded machine the wall
// time mostly measures waiting for a core, while CPU time (all of the work is
// single-threaded) is what the step costs.
//
//===----------------------------------------------------------------------===//
#include "BenchUtil.h"

#include "fgrt/tokenizer/bpe_trainer.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

using fgcc::bench::msSince;
using fgcc::bench::repeat;
using fgrt::tokenizer::BpeTrainerOptions;
using fgrt::tokenizer::Tokenizer;
using Clock = std::chrono::steady_clock;

namespace {

std::string read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "bench_tokenizer: cannot open %s\n", path.c_str());
    std::exit(1);
  }
  return std::string(std::istreambuf_iterator<char>(in), {});
}

int64_t int_argument(int argc, char **argv, const std::string &flag, int64_t fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == flag)
      return std::atoll(argv[i + 1]);
  return fallback;
}

std::string file_argument(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '-' && argv[i][1] == '-') {
      ++i; // skip the flag's value
      continue;
    }
    return argv[i];
  }
  return "/work/shared/data/tinyshakespeare.txt";
}

double cpu_ms() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
}

/// Runs `step` `reps` times and prints the median wall and CPU milliseconds
/// and the throughput in MB/s of CPU time (none when megabytes is 0).
template <typename Step> void measure(const char *what, int reps, double megabytes, Step step) {
  std::vector<double> cpu;
  const fgcc::bench::Timing wall = repeat(reps, [&] {
    const double cpu_start = cpu_ms();
    const auto start = Clock::now();
    step();
    const double elapsed = msSince(start);
    cpu.push_back(cpu_ms() - cpu_start);
    return elapsed;
  });
  std::sort(cpu.begin(), cpu.end());
  const double cpu_median = cpu[cpu.size() / 2];
  std::printf("%-26s %10.1f %10.1f %10.1f", what, wall.medianMs, wall.minMs, cpu_median);
  if (megabytes > 0)
    std::printf(" %12.1f", megabytes / (cpu_median / 1000.0));
  std::printf("\n");
}

} // namespace

int main(int argc, char **argv) {
  const int reps = fgcc::bench::repsArgument(argc, argv, 3);
  const std::string path = file_argument(argc, argv);
  const BpeTrainerOptions options = BpeTrainerOptions().vocab_size(int_argument(argc, argv, "--vocab", 2000));
  const std::string text = read_file(path);
  const double megabytes = static_cast<double>(text.size()) / 1e6;
  std::printf("%s: %.2f MB, vocab %lld, %d reps\n", path.c_str(), megabytes, (long long)options.vocab_size(), reps);
  std::printf("%-26s %10s %10s %10s %12s\n", "", "wall ms", "wall min", "CPU ms", "MB/s (CPU)");

  std::optional<Tokenizer> tokenizer;
  measure("train_bpe", reps, 0, [&] { tokenizer = fgrt::tokenizer::train_bpe({text}, options); });
  std::vector<int64_t> ids;
  measure("encode (cold word cache)", reps, megabytes, [&] {
    // Constructed inside the step, so the copy of the tables is included.
    ids = Tokenizer(tokenizer->definition(), tokenizer->config()).encode(text);
  });
  tokenizer->encode(text);
  measure("encode (warm word cache)", reps, megabytes, [&] { ids = tokenizer->encode(text); });
  std::string decoded;
  measure("decode", reps, megabytes, [&] { decoded = tokenizer->decode(ids, /*skip_special_tokens=*/true); });
  std::printf("tokens: %zu (%.2f bytes/token), round trip %s\n", ids.size(),
              static_cast<double>(text.size()) / static_cast<double>(ids.size()),
              decoded == text ? "exact" : "DIFFERS");
  return decoded == text ? 0 : 1;
}
