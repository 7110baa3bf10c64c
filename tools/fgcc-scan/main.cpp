//===- main.cpp - The fgcc-scan command line -------------------------------===//
//
//   fgcc-scan [--torch] [--namespace NS]... [-o OUT.json] HEADER... [-- CLANG-ARGS]
//
// Reads C++ headers with Clang and writes the component manifest that fgcc's
// checker and code generator read: classes, their constructors, and their
// TORCH_ARG options with types, defaults and doc comments.
//
// The command line is parsed by hand rather than by LLVM's CommonOptionsParser
// so that the tool has its own small interface and its own exit statuses:
// 0 success, 1 a header that does not exist or does not compile (Clang's
// diagnostics on stderr), 2 a usage error.
//
//===----------------------------------------------------------------------===//
#include "Manifest.h"
#include "Scanner.h"

#include <llvm/Support/FileSystem.h>
#include <llvm/Support/Path.h>

#include <cstdio>
#include <fstream>
#include <iostream>

using namespace fgcc::scan;

namespace {

const char *const kUsage =
    "usage: fgcc-scan [--torch] [--namespace NS]... [-o OUT.json] HEADER... [-- CLANG-ARGS]\n"
    "\n"
    "Writes a JSON manifest of the classes declared in HEADER... (all parsed as\n"
    "one C++17 translation unit): modules, module holders, options with their\n"
    "TORCH_ARG fields, optimizers.\n"
    "\n"
    "  --torch           scan <torch/torch.h>: torch::nn and torch::optim\n"
    "  --namespace NS    only classes in namespace NS (repeatable; default: all)\n"
    "  -o OUT.json       write to OUT.json instead of standard output\n"
    "  -- CLANG-ARGS     more arguments for Clang (-I DIR, -D NAME=VALUE, ...)\n";

struct CommandLine {
  ScanRequest request;
  std::string output; ///< "" for stdout
  bool help = false;
};

/// Usage errors end the program with status 2, as in the fgcc driver.
[[noreturn]] void usageError(const std::string &message) {
  std::cerr << "fgcc-scan: error: " << message << "\n" << kUsage;
  std::exit(2);
}

/// The value of an option: `--name VALUE` or `--name=VALUE`.
std::string optionValue(int argc, char **argv, int &i, const std::string &name) {
  std::string arg = argv[i];
  if (arg.size() > name.size() && arg.compare(0, name.size() + 1, name + "=") == 0)
    return arg.substr(name.size() + 1);
  if (i + 1 >= argc)
    usageError("option '" + name + "' needs a value");
  return argv[++i];
}

CommandLine parseCommandLine(int argc, char **argv) {
  CommandLine cl;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") {
      cl.request.clangArgs.assign(argv + i + 1, argv + argc);
      break;
    }
    if (arg == "-h" || arg == "--help")
      cl.help = true;
    else if (arg == "--torch")
      cl.request.torch = true;
    else if (arg == "--namespace" || arg.rfind("--namespace=", 0) == 0)
      cl.request.namespaces.push_back(optionValue(argc, argv, i, "--namespace"));
    else if (arg == "-o" || arg.rfind("-o=", 0) == 0)
      cl.output = optionValue(argc, argv, i, "-o");
    else if (arg.size() > 1 && arg[0] == '-')
      usageError("unknown option '" + arg + "'");
    else
      cl.request.headers.push_back(arg);
  }
  if (!cl.help && cl.request.headers.empty() && !cl.request.torch)
    usageError("no header to scan (give HEADER... or --torch)");
  return cl;
}

/// Checks that every header exists and makes its path absolute (the
/// virtual main file includes it from the working directory).
bool resolveHeaders(std::vector<std::string> &headers) {
  for (std::string &header : headers) {
    if (!llvm::sys::fs::is_regular_file(header)) {
      std::cerr << "fgcc-scan: error: cannot read header '" << header << "': "
                << (llvm::sys::fs::exists(header) ? "not a regular file" : "no such file") << "\n";
      return false;
    }
    llvm::SmallString<256> absolute(header);
    llvm::sys::fs::make_absolute(absolute);
    llvm::sys::path::remove_dots(absolute, /*remove_dot_dot=*/true);
    header = std::string(absolute.str());
  }
  return true;
}

bool writeOutput(const std::string &path, const std::string &text) {
  if (path.empty() || path == "-") {
    std::cout << text;
    return static_cast<bool>(std::cout.flush());
  }
  // Written next to the target and renamed, so that a build that is
  // interrupted never leaves a truncated manifest behind.
  std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary);
    out << text;
    if (!out.flush()) {
      std::cerr << "fgcc-scan: error: cannot write '" << path << "'\n";
      std::remove(temporary.c_str());
      return false;
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::cerr << "fgcc-scan: error: cannot write '" << path << "'\n";
    std::remove(temporary.c_str());
    return false;
  }
  return true;
}

} // namespace

int main(int argc, char **argv) {
  CommandLine cl = parseCommandLine(argc, argv);
  if (cl.help) {
    std::cout << kUsage;
    return 0;
  }
  if (!resolveHeaders(cl.request.headers))
    return 1;
  Manifest manifest;
  if (!scanHeaders(cl.request, manifest))
    return 1;
  return writeOutput(cl.output, toJson(manifest)) ? 0 : 1;
}
