//===- tb_tool.cpp - fgrt-tb-tool, writes TensorBoard event files -*- C++ -*-===//
//
//   fgrt-tb-tool [--wall-time T] [--max-queue N] LOGDIR < SCRIPT
//
// Writes one event file in LOGDIR with fgrt::train::TensorBoardWriter, from
// a script of one command per line:
//
//   scalar TAG STEP VALUE      add_scalar(TAG, VALUE, STEP)
//   text TAG STEP TEXT...      add_text(TAG, TEXT, STEP); TEXT is the rest of
//                              the line with \n, \t, \\ and \xNN decoded
//   flush                      flush()
//
// (blank lines and lines starting with '#' are skipped), then prints the
// file's path and, in the dump format of test/reference/tensorboard_events.py,
// every event it wrote:
//
//   WALL_TIME file_version brain.Event:2
//   WALL_TIME scalar STEP TAG VALUE      (the float32 value, "%.9g")
//   WALL_TIME text STEP TAG TEXT         (control bytes, '\\', DEL as \xNN)
//
// Every event gets the same wall time, WALL_TIME ("%.17g"): --wall-time T,
// or the system clock's time when the tool starts, so that the dump says
// exactly what the file holds. The tool exists so that a lit test can have
// the independent Python reader check the writer's files.
//
//===----------------------------------------------------------------------===//
#include "fgrt/train/logging/tensorboard_event.hpp"
#include "fgrt/train/logging/tensorboard_writer.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

namespace {

using fgrt::train::TensorBoardWriter;
using fgrt::train::TensorBoardWriterOptions;

struct Arguments {
  std::string log_dir;
  std::optional<double> wall_time;
  int64_t max_queue = 10;
};

[[noreturn]] void usage_error(const std::string &message) {
  throw std::runtime_error(message + "\nusage: fgrt-tb-tool [--wall-time T] [--max-queue N] LOGDIR < SCRIPT");
}

Arguments parse_arguments(int argc, char **argv) {
  Arguments arguments;
  for (int i = 1; i < argc; ++i) {
    std::string argument = argv[i];
    bool has_value = i + 1 < argc;
    if (argument == "--wall-time" && has_value)
      arguments.wall_time = std::stod(argv[++i]);
    else if (argument == "--max-queue" && has_value)
      arguments.max_queue = std::stoll(argv[++i]);
    else if (arguments.log_dir.empty() && !argument.empty() && argument[0] != '-')
      arguments.log_dir = argument;
    else
      usage_error("unexpected argument '" + argument + "'");
  }
  if (arguments.log_dir.empty())
    usage_error("no LOGDIR");
  return arguments;
}

// The script's escapes: \n, \t, \\ and \xNN (two hex digits).
std::string unescape(const std::string &text, int line_number) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    char kind = i + 1 < text.size() ? text[++i] : '\0';
    if (kind == 'n')
      out += '\n';
    else if (kind == 't')
      out += '\t';
    else if (kind == '\\')
      out += '\\';
    else if (kind == 'x' && i + 2 < text.size() && std::isxdigit(uint8_t(text[i + 1])) &&
             std::isxdigit(uint8_t(text[i + 2]))) {
      out += char(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else
      throw std::runtime_error("script line " + std::to_string(line_number) + ": bad escape in text");
  }
  return out;
}

// Bytes that would break the one-line-per-event dump, as \xNN.
std::string escape_for_dump(const std::string &text) {
  std::string out;
  for (unsigned char c : text) {
    if (c < 0x20 || c == '\\' || c == 0x7F) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\x%02x", c);
      out += buffer;
    } else {
      out += char(c);
    }
  }
  return out;
}

std::string number(const char *format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

// Runs the script on `writer`, returning the dump lines of what was added.
std::string run_script(std::istream &script, TensorBoardWriter &writer, const std::string &wall_time) {
  std::string dump, line;
  for (int line_number = 1; std::getline(script, line); ++line_number) {
    std::istringstream words(line);
    std::string command, tag;
    int64_t step = 0;
    if (!(words >> command) || command[0] == '#')
      continue;
    if (command == "flush") {
      writer.flush();
      continue;
    }
    if (!(words >> tag >> step))
      throw std::runtime_error("script line " + std::to_string(line_number) + ": " + line);
    if (command == "scalar") {
      double value = 0;
      if (!(words >> value))
        throw std::runtime_error("script line " + std::to_string(line_number) + ": no value");
      writer.add_scalar(tag, value, step);
      dump += wall_time + " scalar " + std::to_string(step) + " " + escape_for_dump(tag) + " " +
              number("%.9g", float(value)) + "\n";
    } else if (command == "text") {
      std::string rest;
      std::getline(words >> std::ws, rest);
      std::string text = unescape(rest, line_number);
      writer.add_text(tag, text, step);
      dump +=
          wall_time + " text " + std::to_string(step) + " " + escape_for_dump(tag) + " " + escape_for_dump(text) + "\n";
    } else {
      throw std::runtime_error("script line " + std::to_string(line_number) + ": unknown command '" + command + "'");
    }
  }
  return dump;
}

} // namespace

int main(int argc, char **argv) {
  try {
    Arguments arguments = parse_arguments(argc, argv);
    double wall_time = arguments.wall_time.value_or(fgrt::train::system_unix_time());
    TensorBoardWriter writer(
        arguments.log_dir, [wall_time] { return wall_time; },
        TensorBoardWriterOptions().max_queue(arguments.max_queue));
    std::string time_text = number("%.17g", wall_time);
    std::string dump = run_script(std::cin, writer, time_text);
    writer.close();
    std::cout << writer.path() << "\n"
              << time_text << " file_version " << fgrt::train::kTensorBoardFileVersion << "\n"
              << dump;
    return 0;
  } catch (const std::exception &error) {
    std::cerr << "fgrt-tb-tool: " << error.what() << "\n";
    return 1;
  }
}
