//===- ProjectEmitter.cpp - Phase "emit": a TrainPlan -> a CMake project ----===//
//
// The files of ProjectEmitter.h, in the order a reader meets them: the top
// CMakeLists.txt, train/main.cpp, the manifest and snapshot, the vendored
// runtime. The model directory comes from ModelEmitter.
//
//===----------------------------------------------------------------------===//
#include "emit/ProjectEmitter.h"

#include "support/CppText.h"
#include "support/Diagnostics.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace fgcc::emit {

using lower::ArgValue;
using lower::ModelPlan;
using lower::NamedArg;
using lower::ModelVar;
using lower::TrainPlan;

namespace {

// ---------------------------------------------------------------------------
// CMakeLists.txt

std::string topCMakeLists(const TrainPlan &plan, const ProjectOptions &options) {
  const std::string &ns = options.model.cppNamespace;
  std::ostringstream out;
  out << generatedBanner("#", options.model, plan.program.configName);
  out << "#\n"
         "# The training program of "
      << cpp::commentText(plan.program.configName)
      << ": the model library (model/),\n"
         "# the fgcc runtime (runtime/) and `train` (train/main.cpp). It needs LibTorch:\n"
         "#\n"
         "#   cmake -S . -B build -G Ninja && cmake --build build\n"
         "#   build/train --help\n"
         "cmake_minimum_required(VERSION 3.18)\n"
         "project("
      << ns
      << " LANGUAGES CXX)\n\n"
         "if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)\n"
         "  set(CMAKE_BUILD_TYPE Release)\n"
         "endif()\n"
         "# Most of a file's compile time is LibTorch's headers: a few large\n"
         "# translation units (unity builds) build in half the time of many small\n"
         "# ones. -DCMAKE_UNITY_BUILD=OFF builds file by file.\n"
         "if(NOT DEFINED CMAKE_UNITY_BUILD)\n"
         "  set(CMAKE_UNITY_BUILD ON)\n"
         "endif()\n"
         "set(CMAKE_UNITY_BUILD_BATCH_SIZE 16)\n"
         "set(CMAKE_RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR})\n"
         "find_package(Torch REQUIRED)\n\n"
         "add_subdirectory(runtime)\n"
         "add_subdirectory(model)\n\n"
         "add_executable(train train/main.cpp)\n"
         "target_link_libraries(train PRIVATE "
      << ns
      << "_model fgrt)\n"
         "fgrt_use_torch_pch(train)\n";
  return out.str();
}

/// runtime/CMakeLists.txt of the vendored copy: the runtime's own source
/// fragments and dependency rules, so it builds exactly as in fgcc's tree.
std::string runtimeCMakeLists(const ProjectOptions &options, const std::string &configName) {
  std::ostringstream out;
  out << generatedBanner("#", options.model, configName);
  out << "#\n"
         "# fgrt, the fgcc runtime, vendored: the same sources and rules as in fgcc's tree.\n"
         "include(${CMAKE_CURRENT_SOURCE_DIR}/cmake/FgrtLibrary.cmake)\n"
         "fgrt_add_library(${CMAKE_CURRENT_SOURCE_DIR}/modelsrc)\n";
  return out.str();
}

// ---------------------------------------------------------------------------
// train/main.cpp

/// The C++ type of a variable as a command-line option takes it.
std::string optionType(const std::string &type) {
  if (type == "double" || type == "float")
    return "double";
  if (type == "bool")
    return "bool";
  if (type == "std::string")
    return "std::string";
  return "int64_t";
}

/// `struct <name> { <type> field = default; ... };` for a plan's variables.
std::string varsStruct(const std::string &name, const std::vector<ModelVar> &vars, const std::string &doc) {
  std::ostringstream out;
  out << "/// " << doc << "\nstruct " << name << " {";
  if (vars.empty())
    return out.str() + "};\n";
  out << "\n";
  for (const ModelVar &v : vars)
    out << "  " << optionType(v.type) << " " << v.name
        << (v.defaultValue.text.empty() ? "{}" : " = " + v.defaultValue.text) << ";\n";
  return out.str() + "};\n";
}

/// The help text of a variable's option, as a C++ literal; it names the
/// variable as the config spells it where C++ had to spell it differently.
std::string variableHelp(const ModelVar &v, const std::string &kind) {
  if (v.spelling.empty() || v.spelling == v.name)
    return cpp::stringLiteral(kind);
  return cpp::stringLiteral(kind + " '" + v.spelling + "'");
}

/// The preprocessed config as a C++ constant, one literal per line, for the
/// run's logs (TensorBoard's `experiment` text).
std::string configTextConstant(const std::string &text) {
  std::string out = "/// The preprocessed config (config/pp.yaml), for the run's logs.\nconst char *const kConfigText =";
  if (text.empty())
    return out + " \"\";\n";
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    end = end == std::string::npos ? text.size() : end + 1;
    out += "\n    " + cpp::stringLiteral(text.substr(start, end - start));
    start = end;
  }
  return out + ";\n";
}

/// The runtime version the project is generated for: the vendored copy's.
struct RuntimeVersion {
  int major = 0, minor = 0;
  std::string text() const { return std::to_string(major) + "." + std::to_string(minor); }
};

/// The program of a pipeline config: the trainer gets builders instead of
/// a model, so each rank builds only its stages (and one process the whole
/// model, as the control run).
ModelPlan withStageFactories(ModelPlan program, const ModelPlan &model, const std::string &ns) {
  if (program.locals.empty())
    return program;
  for (NamedArg &a : program.locals.back().construction.setters) {
    if (a.name != "model")
      continue;
    a.name = "model_factory";
    a.value = ArgValue{};
    a.value.text = "[model_args] { return torch::nn::AnyModule(" + ns + "::build_" + model.name + "(model_args)); }";
  }
  NamedArg stages;
  stages.name = "stage_factories";
  stages.value.text = "stage_factories(model_args)";
  program.locals.back().construction.setters.push_back(stages);
  return program;
}

/// `stage_factories()` of a pipeline config's main.cpp.
std::string stageFactoriesFunction(const ModelPlan &model, const std::string &ns) {
  std::ostringstream out;
  out << "/// The builders of the pipeline's stages (model/stages/), one per stage: each\n"
         "/// rank calls only those of the stages the schedule places on it.\n"
         "std::vector<std::function<torch::nn::AnyModule()>> stage_factories(const "
      << ns << "::ModelArgs &model_args) {\n  std::vector<std::function<torch::nn::AnyModule()>> stages;\n";
  for (size_t k = 0; k < model.pipeline->stages.size(); ++k)
    out << "  stages.push_back([model_args] { return torch::nn::AnyModule(" << ns << "::build_stage_" << k
        << "(model_args)); });\n";
  out << "  return stages;\n}\n\n";
  return out.str();
}

std::string mainSource(const TrainPlan &plan, const ProjectOptions &options, const RuntimeVersion &version) {
  const std::string &ns = options.model.cppNamespace;
  const bool pipeline = plan.model.pipeline.has_value();
  const ModelPlan program = pipeline ? withStageFactories(plan.program, plan.model, ns) : plan.program;
  std::ostringstream out;
  out << generatedBanner("//", options.model, program.configName);
  out << "//\n"
         "// The training program of "
      << cpp::commentText(program.configName)
      << ": builds the model and the trainer's options as\n"
         "// the config describes them and hands them to the runtime, which parses the\n"
         "// command line, trains and checkpoints. Every config variable is an option.\n"
         "#include \""
      << plan.model.name << ".hpp\"\n\n"
      << "#include \"fgrt/train/program.hpp\"\n"
      << "#include \"fgrt/version.h\"\n";
  for (const std::string &h : program.headers)
    out << "#include \"" << h << "\"\n";
  out << "\n#include <torch/torch.h>\n\n"
         "static_assert(FGRT_VERSION_MAJOR == "
      << version.major << " && FGRT_VERSION_MINOR >= " << version.minor
      << ",\n              \"this project was generated for fgrt " << version.text() << " or a later "
      << version.major << ".x\");\n\n"
      << "namespace {\n\n"
      << configTextConstant(options.renderedConfig) << "\n"
      << varsStruct("ConfigArgs", program.vars, "The config's variables outside the model (`!var`).") << "\n"
      << (pipeline ? stageFactoriesFunction(plan.model, ns) : "")
      << "/// The trainer's options as the config builds them.\n"
      << "fgrt::train::TrainerOptions make_trainer_options(const ConfigArgs &"
      << (program.vars.empty() ? "/*args*/" : "args") << ", const " << ns << "::ModelArgs &model_args) {\n";
  if (!pipeline)
    out << "  auto model = " << ns << "::build_" << plan.model.name << "(model_args);\n\n";
  out << renderLocals(program);
  if (!program.locals.empty())
    out << "  return " << program.locals.back().name << ";\n";
  out << "}\n\n} // namespace\n\n"
      << "int main(int argc, char **argv) {\n"
      << "  fgrt::train::CommandLine cli(" << cpp::stringLiteral(options.title) << ", " << cpp::stringLiteral(options.description)
      << ", kConfigText);\n"
      << "  ConfigArgs args;\n"
      << "  " << ns << "::ModelArgs model_args;\n";
  for (const ModelVar &v : plan.model.vars)
    out << "  cli.add_variable(\"" << v.name << "\", model_args." << v.name << ", " << variableHelp(v, "model variable")
        << ");\n";
  for (const ModelVar &v : program.vars)
    if (std::none_of(plan.model.vars.begin(), plan.model.vars.end(),
                     [&](const ModelVar &m) { return m.name == v.name; }))
      out << "  cli.add_variable(\"" << v.name << "\", args." << v.name << ", " << variableHelp(v, "config variable")
          << ");\n";
  out << "  return fgrt::train::run_program(cli, argc, argv, [&] {\n";
  // A variable both parts use is one option; the model's copy is the one set.
  for (const ModelVar &v : program.vars)
    if (std::any_of(plan.model.vars.begin(), plan.model.vars.end(),
                    [&](const ModelVar &m) { return m.name == v.name; }))
      out << "    args." << v.name << " = model_args." << v.name << ";\n";
  out << "    return make_trainer_options(args, model_args);\n"
      << "  });\n"
      << "}\n";
  return out.str();
}

// ---------------------------------------------------------------------------
// Manifest and snapshots

/// One hash of every other file of the project (path and contents): the key
/// under which `fgcc train` finds a build of exactly these sources.
std::string sourcesDigest(const std::map<std::string, std::string> &files) {
  std::string list;
  for (const auto &[path, text] : files)
    list += path + '\0' + sha256Hex(text) + '\n';
  return sha256Hex(list);
}

std::string projectManifest(const TrainPlan &plan, const ProjectOptions &options, const RuntimeVersion &version,
                            const std::map<std::string, std::string> &files) {
  nlohmann::ordered_json j;
  j["generator"] = "fgcc";
  j["fgcc_version"] = options.model.fgccVersion;
  j["fgrt_version"] = version.text();
  j["config"] = plan.program.configName;
  j["config_sha256"] = sha256Hex(options.renderedConfig);
  nlohmann::ordered_json inputs = nlohmann::ordered_json::array();
  for (const auto &[name, text] : options.inputs)
    inputs.push_back({{"name", name}, {"sha256", sha256Hex(text)}});
  j["inputs"] = inputs;
  j["targets"] = {{"model", plan.model.rootClass}, {"main", plan.program.rootClass}};
  j["sources_sha256"] = sourcesDigest(files);
  return j.dump(2) + "\n";
}

// ---------------------------------------------------------------------------
// The vendored runtime

std::string readWhole(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw FatalError(SourceLoc{}, "cannot read runtime source '" + path + "'");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool isDirectory(const std::string &path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

/// Every file below `dir` (relative paths, sorted), except the in-tree
/// CMakeLists.txt and README, which the project replaces.
void listFiles(const std::string &root, const std::string &rel, std::vector<std::string> &out) {
  std::string dir = rel.empty() ? root : root + "/" + rel;
  DIR *d = opendir(dir.c_str());
  if (!d)
    throw FatalError(SourceLoc{}, "cannot read the runtime sources in '" + dir + "'");
  std::vector<std::string> names;
  while (dirent *e = readdir(d))
    if (e->d_name[0] != '.')
      names.push_back(e->d_name);
  closedir(d);
  std::sort(names.begin(), names.end());
  for (const std::string &name : names) {
    std::string path = rel.empty() ? name : rel + "/" + name;
    if (isDirectory(root + "/" + path))
      listFiles(root, path, out);
    else if (path != "CMakeLists.txt" && path != "README.md")
      out.push_back(path);
  }
}

/// The FGRT_VERSION_MAJOR / MINOR the runtime's version.h defines.
RuntimeVersion runtimeVersion(const std::string &runtimeDir) {
  std::string header = readWhole(runtimeDir + "/include/fgrt/version.h");
  auto number = [&](const std::string &macro) {
    size_t at = header.find("#define " + macro + " ");
    if (at == std::string::npos)
      throw FatalError(SourceLoc{}, runtimeDir + "/include/fgrt/version.h: no " + macro);
    return std::stoi(header.substr(at + macro.size() + 9));
  };
  return RuntimeVersion{number("FGRT_VERSION_MAJOR"), number("FGRT_VERSION_MINOR")};
}

void addRuntime(std::map<std::string, std::string> &files, const ProjectOptions &options,
                const std::string &configName) {
  std::vector<std::string> paths;
  listFiles(options.runtimeDir, "", paths);
  for (const std::string &path : paths)
    files["runtime/" + path] = readWhole(options.runtimeDir + "/" + path);
  // The safetensors code is shared with the model library, where it lives.
  for (const char *name : {"safetensors.hpp", "safetensors.cpp"})
    files[std::string("runtime/modelsrc/") + name] = readWhole(options.model.modelSourceDir + "/" + name);
  files["runtime/CMakeLists.txt"] = runtimeCMakeLists(options, configName);
}

} // namespace

std::map<std::string, std::string> emitProjectFiles(const TrainPlan &plan, const ProjectOptions &options) {
  std::map<std::string, std::string> files;
  for (auto &[path, text] : emitModelFiles(plan.model, options.model))
    files["model/" + path] = std::move(text);
  RuntimeVersion version = runtimeVersion(options.runtimeDir);
  files["CMakeLists.txt"] = topCMakeLists(plan, options);
  files["train/main.cpp"] = mainSource(plan, options, version);
  files["config/pp.yaml"] = options.renderedConfig;
  addRuntime(files, options, plan.program.configName);
  // Last: it hashes every other file.
  files["fgcc-manifest.json"] = projectManifest(plan, options, version, files);
  return files;
}

// ---------------------------------------------------------------------------
// SHA-256 (FIPS 180-4), for the manifest's input hashes

namespace {

constexpr std::array<uint32_t, 64> kRoundConstants = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

void compressBlock(std::array<uint32_t, 8> &h, const unsigned char *block) {
  uint32_t w[64];
  for (int i = 0; i < 16; ++i)
    w[i] = uint32_t(block[4 * i]) << 24 | uint32_t(block[4 * i + 1]) << 16 | uint32_t(block[4 * i + 2]) << 8 |
           uint32_t(block[4 * i + 3]);
  for (int i = 16; i < 64; ++i) {
    uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
  for (int i = 0; i < 64; ++i) {
    uint32_t t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + kRoundConstants[i] + w[i];
    uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    k = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  const uint32_t add[8] = {a, b, c, d, e, f, g, k};
  for (int i = 0; i < 8; ++i)
    h[i] += add[i];
}

} // namespace

std::string sha256Hex(const std::string &data) {
  std::array<uint32_t, 8> h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  // The message, a 1 bit, zeros, and the bit length: a multiple of 64 bytes.
  std::string padded = data;
  padded += static_cast<char>(0x80);
  while (padded.size() % 64 != 56)
    padded += '\0';
  uint64_t bits = static_cast<uint64_t>(data.size()) * 8;
  for (int i = 7; i >= 0; --i)
    padded += static_cast<char>((bits >> (8 * i)) & 0xff);
  for (size_t off = 0; off < padded.size(); off += 64)
    compressBlock(h, reinterpret_cast<const unsigned char *>(padded.data() + off));
  std::string hex;
  static const char digits[] = "0123456789abcdef";
  for (uint32_t word : h)
    for (int shift = 28; shift >= 0; shift -= 4)
      hex += digits[(word >> shift) & 0xf];
  return hex;
}

} // namespace fgcc::emit
