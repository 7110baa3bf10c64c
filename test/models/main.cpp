//===- main.cpp - fgcc-models-harness command line ------------------------===//
//
//   fgcc-models-harness dump DIR [FILTER]   write DIR/<case>.safetensors for
//                                           every case (whose name contains
//                                           FILTER), for check_models.py
//   fgcc-models-harness selftest            run the C++-only checks
//   fgcc-models-harness kvcache             check KV-cache decoding and
//                                           generate() (C++ only)
//   fgcc-models-harness generation DIR [FILTER]
//                                           write the logits-processor and
//                                           generation cases, for
//                                           check_generation.py
//   fgcc-models-harness list                print the case names
//
// Exit status: 0 success, 1 a failed check or an error, 2 a usage error.
//
//===----------------------------------------------------------------------===//
#include "harness.hpp"

#include "safetensors.hpp"

#include <filesystem>
#include <iostream>

using namespace fgcc::models_test;

namespace {

const char *const kUsage =
    "usage: fgcc-models-harness dump DIR [FILTER] | selftest | kvcache | generation DIR [FILTER] | list\n";

/// Every case, forward ones run lazily (they take most of the time).
struct AllCases {
  std::vector<Case> forward;
  AllCases() {
    forward = component_cases();
    std::vector<Case> models = model_cases();
    forward.insert(forward.end(), models.begin(), models.end());
  }
};

int dump(const std::string &dir, const std::string &filter) {
  std::filesystem::create_directories(dir);
  int written = 0;
  auto save = [&](const CaseData &data) {
    fgcc::safetensors::save(dir + "/" + data.name + ".safetensors", data.tensors, data.metadata);
    ++written;
  };
  for (const Case &c : AllCases().forward)
    if (c.name.find(filter) != std::string::npos)
      save(run_case(c));
  for (const CaseData &data : init_cases())
    if (data.name.find(filter) != std::string::npos)
      save(data);
  std::cout << "dumped " << written << " cases to " << dir << "\n";
  return written > 0 ? 0 : 1;
}

int dump_generation(const std::string &dir, const std::string &filter) {
  std::filesystem::create_directories(dir);
  int written = 0;
  for (const CaseData &data : generation_cases())
    if (data.name.find(filter) != std::string::npos) {
      fgcc::safetensors::save(dir + "/" + data.name + ".safetensors", data.tensors, data.metadata);
      ++written;
    }
  std::cout << "dumped " << written << " generation cases to " << dir << "\n";
  return written > 0 ? 0 : 1;
}

int list() {
  for (const Case &c : AllCases().forward)
    std::cout << c.name << "\n";
  for (const CaseData &data : init_cases())
    std::cout << data.name << "\n";
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  at::set_num_threads(2);
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() >= 2 && args.size() <= 3 && args[0] == "dump")
      return dump(args[1], args.size() == 3 ? args[2] : "");
    if (args.size() == 1 && args[0] == "selftest")
      return run_selftests() == 0 ? 0 : 1;
    if (args.size() == 1 && args[0] == "kvcache")
      return run_kv_cache_checks() == 0 ? 0 : 1;
    if (args.size() >= 2 && args.size() <= 3 && args[0] == "generation")
      return dump_generation(args[1], args.size() == 3 ? args[2] : "");
    if (args.size() == 1 && args[0] == "list")
      return list();
  } catch (const std::exception &e) {
    std::cerr << "fgcc-models-harness: error: " << e.what() << "\n";
    return 1;
  }
  std::cerr << kUsage;
  return 2;
}
