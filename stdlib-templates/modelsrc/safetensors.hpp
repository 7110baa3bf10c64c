// safetensors.hpp - read and write .safetensors files with LibTorch.
//
// The format (https://huggingface.co/docs/safetensors) is an 8-byte
// little-endian header length N, N bytes of a flat JSON object describing
// each tensor ({"dtype", "shape", "data_offsets"}) plus an optional
// "__metadata__" map of strings, then the raw little-endian tensor bytes.
//
// This file is copied verbatim into generated standalone model projects, so
// it depends on LibTorch and the C++17 standard library only; the JSON
// header is read and written by a small hand-written parser in the .cpp.
#pragma once

#include <map>
#include <stdexcept>
#include <string>

#include <torch/types.h>

namespace fgcc::safetensors {

// Every failure of load() and save(); the message names the file first
// ("<path>: <what is wrong>") so a user can act on it without a stack trace.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The contents of one file: tensors by name (std::map, so iteration is in
// name order whatever order the file used) and the "__metadata__" strings.
struct File {
    std::map<std::string, torch::Tensor> tensors;
    std::map<std::string, std::string> metadata;
};

/// Reads a .safetensors file (mmap + copy); throws fgcc::safetensors::Error
/// (derives from std::runtime_error, message names the file and what is
/// wrong) on truncated/corrupt input: header length beyond the file, bad
/// JSON, offsets out of range or overlapping, dtype/shape/byte-count
/// mismatch, unknown dtype.  The returned tensors are CPU tensors that own
/// their memory (the mapping is released before returning).
///
/// Supported dtypes: F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL.
File load(const std::string &path);

/// Writes tensors (made contiguous, on CPU) with optional __metadata__,
/// sorted by name, 8-byte aligned header padded with spaces like the
/// reference implementation; atomically: temp file in the same directory,
/// fsync, rename, fsync of the directory.  An empty `metadata` writes no
/// "__metadata__" entry.  Throws Error (and leaves any existing file at
/// `path` untouched) on an unsupported dtype or layout, a tensor named
/// "__metadata__", text that is not UTF-8, or any I/O failure.  A symlink at
/// `path` is replaced by the new file, not written through.
void save(const std::string &path, const std::map<std::string, torch::Tensor> &tensors,
          const std::map<std::string, std::string> &metadata = {});

}  // namespace fgcc::safetensors
