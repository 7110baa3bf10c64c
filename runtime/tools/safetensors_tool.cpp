// safetensors_tool.cpp - fgrt-safetensors-tool, command-line access to the
// fgrt safetensors reader and writer.
//
//   fgrt-safetensors-tool dump FILE        metadata, then one line per tensor
//   fgrt-safetensors-tool roundtrip IN OUT load IN, save it as OUT
//
// It exists so lit tests can check interoperability with the Python
// reference implementation (test/reference/safetensors_io.py), whose
// test/runtime/Inputs/safetensors_interop.py prints the same dump format:
//
//   meta KEY=VALUE
//   NAME DTYPE [D0,D1,...] fnv1a64=XXXXXXXXXXXXXXXX
//
// sorted by key and by name (byte order).  In KEY, VALUE and NAME, control
// bytes, '\\' and DEL are written as \xNN so each entry stays on one line.
// The checksum is 64-bit FNV-1a of the tensor's little-endian bytes.
#include <cstdint>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>

#include "safetensors.hpp"

namespace {

namespace st = fgcc::safetensors;

// The tool's own dtype table, independent of the library's, so a dump
// cross-checks the mapping rather than repeating it.
const char *dtypeName(torch::Dtype dtype) {
    switch (dtype) {
    case torch::kFloat32: return "F32";
    case torch::kFloat16: return "F16";
    case torch::kBFloat16: return "BF16";
    case torch::kFloat64: return "F64";
    case torch::kInt64: return "I64";
    case torch::kInt32: return "I32";
    case torch::kInt16: return "I16";
    case torch::kInt8: return "I8";
    case torch::kUInt8: return "U8";
    case torch::kBool: return "BOOL";
    default: return "?";
    }
}

std::string escaped(const std::string &text) {
    std::string out;
    for (unsigned char c : text) {
        if (c < 0x20 || c == '\\' || c == 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += char(c);
        }
    }
    return out;
}

uint64_t fnv1a64(const torch::Tensor &tensor) {
    torch::Tensor t = tensor.contiguous();
    const auto *p = static_cast<const unsigned char *>(t.data_ptr());
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (int64_t i = 0, n = t.numel() * int64_t(t.element_size()); i < n; ++i) {
        hash ^= p[i];
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

std::string shapeText(const torch::Tensor &t) {
    std::string out = "[";
    for (int64_t d = 0; d < t.dim(); ++d) out += (d ? "," : "") + std::to_string(t.size(d));
    return out + "]";
}

void dump(const std::string &path) {
    st::File file = st::load(path);
    for (const auto &[key, value] : file.metadata) std::cout << "meta " << escaped(key) << "=" << escaped(value) << "\n";
    for (const auto &[name, tensor] : file.tensors) {
        char hash[17];
        std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(fnv1a64(tensor)));
        std::cout << escaped(name) << " " << dtypeName(tensor.scalar_type()) << " " << shapeText(tensor)
                  << " fnv1a64=" << hash << "\n";
    }
}

void roundtrip(const std::string &in, const std::string &out) {
    st::File file = st::load(in);
    st::save(out, file.tensors, file.metadata);
}

int usage() {
    std::cerr << "usage: fgrt-safetensors-tool dump FILE\n"
                 "       fgrt-safetensors-tool roundtrip IN OUT\n";
    return 2;
}

}  // namespace

int main(int argc, char **argv) {
    std::string command = argc > 1 ? argv[1] : "";
    try {
        if (command == "dump" && argc == 3) {
            dump(argv[2]);
        } else if (command == "roundtrip" && argc == 4) {
            roundtrip(argv[2], argv[3]);
        } else {
            return usage();
        }
    } catch (const std::exception &e) {
        std::cerr << "fgrt-safetensors-tool: error: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
