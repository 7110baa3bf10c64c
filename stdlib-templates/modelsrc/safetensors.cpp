// safetensors.cpp - the .safetensors reader and writer declared in
// safetensors.hpp.
//
// Reading maps the file and validates the whole header against the file size
// before any tensor is allocated, so a corrupt shape cannot make us allocate
// terabytes; then each tensor is copied into memory owned by LibTorch and the
// mapping is dropped.  Validation follows the reference implementation's
// rules, including that the data section is covered exactly (no overlaps, no
// holes, no trailing bytes), which also keeps polyglot files out.
//
// Writing builds the header in memory and streams header and tensor bytes
// into a temporary file beside the target; only after fsync is it renamed
// over the target, so a crash or a full disk never leaves a half-written file
// under the final name.
#include "safetensors.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

// Tensor bytes are copied verbatim between the file and memory.
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors.cpp needs a little-endian host (the file format is little-endian)"
#endif

namespace fgcc::safetensors {
namespace {

// The reference implementation refuses headers over 100 MB; a length field
// beyond that is corruption, not a big model.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
// A valid header nests three levels deep; the bound keeps a corrupt one from
// exhausting the stack of the recursive parser.
constexpr int kMaxJsonDepth = 32;

// What is wrong, without the file name; load() and save() prefix the path
// in one place so every message has the same shape.
class Problem : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

[[noreturn]] void problem(const std::string &what) { throw Problem(what); }

std::string inQuotes(std::string_view text) { return "'" + std::string(text) + "'"; }

// "<action> '<subject>': <strerror>".  The parameters need no conversion at
// the call, so errno is read before any allocation could change it.
[[noreturn]] void systemProblem(const char *action, const std::string &subject = {}) {
    int err = errno;
    std::string what = action;
    if (!subject.empty()) what += " " + inQuotes(subject);
    problem(what + ": " + std::strerror(err));
}

// ---------------------------------------------------------------------------
// dtypes

// The on-disk name, LibTorch's type and the element size, which the reader
// needs to check shapes against offsets before allocating anything.
struct DtypeInfo {
    const char *name;
    torch::Dtype dtype;
    uint64_t size;
};

constexpr DtypeInfo kDtypes[] = {
    {"F32", torch::kFloat32, 4}, {"F16", torch::kFloat16, 2}, {"BF16", torch::kBFloat16, 2},
    {"F64", torch::kFloat64, 8}, {"I64", torch::kInt64, 8},   {"I32", torch::kInt32, 4},
    {"I16", torch::kInt16, 2},   {"I8", torch::kInt8, 1},     {"U8", torch::kUInt8, 1},
    {"BOOL", torch::kBool, 1},
};

const DtypeInfo *dtypeByName(std::string_view name) {
    for (const DtypeInfo &info : kDtypes)
        if (name == info.name) return &info;
    return nullptr;
}

const DtypeInfo *dtypeByTorch(torch::Dtype dtype) {
    for (const DtypeInfo &info : kDtypes)
        if (dtype == info.dtype) return &info;
    return nullptr;
}

// ---------------------------------------------------------------------------
// UTF-8: JSON text must be UTF-8, and the reference rejects headers that are
// not, so both directions check (overlong forms, surrogates and code points
// past U+10FFFF included).

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
size_t utf8SequenceLength(std::string_view s, size_t i) {
    auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char lead = byte(i);
    if (lead < 0x80) return 1;
    size_t n = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
    if (n == 0 || lead > 0xF4 || i + n > s.size()) return 0;
    for (size_t k = 1; k < n; ++k)
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
    unsigned char second = byte(i + 1);
    if (lead == 0xE0 && second < 0xA0) return 0;  // overlong
    if (lead == 0xED && second > 0x9F) return 0;  // UTF-16 surrogate
    if (lead == 0xF0 && second < 0x90) return 0;  // overlong
    if (lead == 0xF4 && second > 0x8F) return 0;  // past U+10FFFF
    return n;
}

// Offset of the first invalid byte, or npos.
size_t firstInvalidUtf8(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        size_t n = utf8SequenceLength(s, i);
        if (n == 0) return i;
        i += n;
    }
    return std::string_view::npos;
}

// ---------------------------------------------------------------------------
// A JSON reader for the header: a generic value tree (the header is tiny, so
// simplicity wins over speed), interpreted afterwards.

struct Json {
    enum class Kind { Null, Bool, Number, String, Array, Object };
    Kind kind = Kind::Null;
    std::string text;               // String: decoded value; Number and Bool: the literal
    std::vector<std::string> keys;  // Object: keys in file order, parallel to items
    std::vector<Json> items;        // Array elements or Object values
};

class JsonParser {
public:
    explicit JsonParser(std::string_view text) : text_(text) {}

    // One value, then nothing but whitespace (the writer pads with spaces).
    Json parseDocument() {
        Json value = parseValue(0);
        skipSpace();
        if (pos_ != text_.size()) error("unexpected text after the top-level value");
        return value;
    }

private:
    [[noreturn]] void error(const std::string &what) const {
        problem("bad JSON in header: " + what + " at header byte " + std::to_string(pos_));
    }
    bool atEnd() const { return pos_ >= text_.size(); }
    char peek() const { return atEnd() ? '\0' : text_[pos_]; }
    void skipSpace() {
        while (!atEnd() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r'))
            ++pos_;
    }
    void expect(char c) {
        if (atEnd()) error("unexpected end of header");
        if (peek() != c) error(std::string("expected '") + c + "'");
        ++pos_;
    }

    Json parseValue(int depth) {
        if (depth > kMaxJsonDepth) error("nesting deeper than " + std::to_string(kMaxJsonDepth));
        skipSpace();
        if (atEnd()) error("unexpected end of header");
        switch (peek()) {
        case '{': return parseObject(depth);
        case '[': return parseArray(depth);
        case '"': {
            Json value;
            value.kind = Json::Kind::String;
            value.text = parseString();
            return value;
        }
        case 't': return parseLiteral("true", Json::Kind::Bool);
        case 'f': return parseLiteral("false", Json::Kind::Bool);
        case 'n': return parseLiteral("null", Json::Kind::Null);
        default: return parseNumber();
        }
    }

    // Keys are kept in file order and duplicates are kept too; the
    // interpreter rejects them with the name of the entry they belong to.
    Json parseObject(int depth) {
        Json value;
        value.kind = Json::Kind::Object;
        expect('{');
        skipSpace();
        if (peek() == '}' && !atEnd()) {
            ++pos_;
            return value;
        }
        for (;;) {
            skipSpace();
            if (atEnd()) error("unexpected end of header");
            if (peek() != '"') error("expected a string key");
            value.keys.push_back(parseString());
            skipSpace();
            expect(':');
            value.items.push_back(parseValue(depth + 1));
            skipSpace();
            if (peek() == ',' && !atEnd()) {
                ++pos_;
                continue;
            }
            expect('}');
            return value;
        }
    }

    Json parseArray(int depth) {
        Json value;
        value.kind = Json::Kind::Array;
        expect('[');
        skipSpace();
        if (peek() == ']' && !atEnd()) {
            ++pos_;
            return value;
        }
        for (;;) {
            value.items.push_back(parseValue(depth + 1));
            skipSpace();
            if (peek() == ',' && !atEnd()) {
                ++pos_;
                continue;
            }
            expect(']');
            return value;
        }
    }

    Json parseLiteral(std::string_view word, Json::Kind kind) {
        if (text_.substr(pos_, word.size()) != word) error("invalid literal");
        pos_ += word.size();
        Json value;
        value.kind = kind;
        value.text = std::string(word);
        return value;
    }

    // Checks the JSON number grammar and keeps the literal; the interpreter
    // decides which numbers it accepts (only non-negative integers).
    Json parseNumber() {
        size_t start = pos_;
        auto digits = [&] {
            size_t first = pos_;
            while (!atEnd() && peek() >= '0' && peek() <= '9') ++pos_;
            return pos_ - first;
        };
        if (peek() == '-') ++pos_;
        size_t intStart = pos_;
        size_t intDigits = digits();
        if (intDigits == 0) error("unexpected character");
        if (intDigits > 1 && text_[intStart] == '0') error("number with a leading zero");
        if (peek() == '.' && !atEnd()) {
            ++pos_;
            if (digits() == 0) error("digit expected after '.'");
        }
        if ((peek() == 'e' || peek() == 'E') && !atEnd()) {
            ++pos_;
            if (peek() == '+' || peek() == '-') ++pos_;
            if (digits() == 0) error("digit expected in exponent");
        }
        Json value;
        value.kind = Json::Kind::Number;
        value.text = std::string(text_.substr(start, pos_ - start));
        return value;
    }

    // The four hex digits of a \u escape.
    unsigned hex4() {
        if (pos_ + 4 > text_.size()) error("truncated \\u escape");
        unsigned code = 0;
        for (int k = 0; k < 4; ++k) {
            char c = text_[pos_++];
            unsigned digit = c >= '0' && c <= '9'   ? unsigned(c - '0')
                             : c >= 'a' && c <= 'f' ? unsigned(c - 'a' + 10)
                             : c >= 'A' && c <= 'F' ? unsigned(c - 'A' + 10)
                                                    : 16u;
            if (digit == 16) error("bad hex digit in \\u escape");
            code = code * 16 + digit;
        }
        return code;
    }

    // \uXXXX, possibly a surrogate pair, to a code point.
    unsigned unicodeEscape() {
        unsigned code = hex4();
        if (code >= 0xDC00 && code <= 0xDFFF) error("unpaired low surrogate");
        if (code < 0xD800 || code > 0xDBFF) return code;
        if (text_.substr(pos_, 2) != "\\u") error("unpaired high surrogate");
        pos_ += 2;
        unsigned low = hex4();
        if (low < 0xDC00 || low > 0xDFFF) error("unpaired high surrogate");
        return 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
    }

    // Decoded escapes are stored as UTF-8, like the rest of the text.
    static void appendUtf8(std::string &out, unsigned code) {
        if (code < 0x80) {
            out += char(code);
        } else if (code < 0x800) {
            out += char(0xC0 | (code >> 6));
            out += char(0x80 | (code & 0x3F));
        } else if (code < 0x10000) {
            out += char(0xE0 | (code >> 12));
            out += char(0x80 | ((code >> 6) & 0x3F));
            out += char(0x80 | (code & 0x3F));
        } else {
            out += char(0xF0 | (code >> 18));
            out += char(0x80 | ((code >> 12) & 0x3F));
            out += char(0x80 | ((code >> 6) & 0x3F));
            out += char(0x80 | (code & 0x3F));
        }
    }

    // The header was checked to be UTF-8 already, so bytes >= 0x80 are
    // copied as they are.
    std::string parseString() {
        expect('"');
        std::string out;
        for (;;) {
            if (atEnd()) error("unterminated string");
            char c = text_[pos_++];
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) error("control character in string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (atEnd()) error("unterminated string");
            char e = text_[pos_++];
            switch (e) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': appendUtf8(out, unicodeEscape()); break;
            default: --pos_; error("invalid escape");
            }
        }
    }

    std::string_view text_;
    size_t pos_ = 0;
};

// ---------------------------------------------------------------------------
// Interpreting the header

// One tensor of the header, validated on its own (offsets against the file
// size are checked later, together, by checkLayout).
struct Entry {
    std::string name;
    const DtypeInfo *dtype = nullptr;
    std::vector<int64_t> shape;
    uint64_t begin = 0, end = 0;
};

struct Header {
    std::vector<Entry> entries;
    std::map<std::string, std::string> metadata;
};

std::string shapeText(const std::vector<int64_t> &shape) {
    std::string out = "[";
    for (size_t i = 0; i < shape.size(); ++i) out += (i ? "," : "") + std::to_string(shape[i]);
    return out + "]";
}

// Shape entries and offsets are non-negative JSON integers ("3", not "3.0").
uint64_t toUnsigned(const Json &value, const std::string &what) {
    const std::string &t = value.text;
    bool digitsOnly = value.kind == Json::Kind::Number && !t.empty() &&
                      std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digitsOnly) problem(what + " must be a non-negative integer");
    uint64_t result = 0;
    for (char c : t) {
        uint64_t digit = uint64_t(c - '0');
        if (result > (std::numeric_limits<uint64_t>::max() - digit) / 10) problem(what + " is too large");
        result = result * 10 + digit;
    }
    return result;
}

// Keys must be unique: with duplicates, which value wins differs between
// readers, so a file with them means different things to different tools.
void checkUniqueKeys(const Json &object, const std::string &where) {
    std::set<std::string_view> seen;
    for (const std::string &key : object.keys)
        if (!seen.insert(key).second) problem(where + ": duplicate key " + inQuotes(key));
}

// A required member of an entry; extra members are ignored, as the
// reference implementation does.
const Json &field(const Json &object, std::string_view key, const std::string &where) {
    for (size_t i = 0; i < object.keys.size(); ++i)
        if (object.keys[i] == key) return object.items[i];
    problem(where + ": missing \"" + std::string(key) + "\"");
}

std::vector<int64_t> readShape(const Json &value, const std::string &where) {
    if (value.kind != Json::Kind::Array) problem(where + ": \"shape\" is not an array");
    std::vector<int64_t> shape;
    for (const Json &dim : value.items) {
        uint64_t n = toUnsigned(dim, where + ": a \"shape\" entry");
        if (n > uint64_t(std::numeric_limits<int64_t>::max())) problem(where + ": a \"shape\" entry is too large");
        shape.push_back(int64_t(n));
    }
    return shape;
}

// Bytes the shape needs; a product that overflows cannot match any offsets.
uint64_t byteCount(const std::vector<int64_t> &shape, uint64_t elementSize, const std::string &where) {
    uint64_t bytes = elementSize;
    for (int64_t dim : shape) {
        if (dim != 0 && bytes > std::numeric_limits<uint64_t>::max() / uint64_t(dim))
            problem(where + ": shape " + shapeText(shape) + " is too large");
        bytes *= uint64_t(dim);
    }
    return bytes;
}

// {"dtype": .., "shape": [..], "data_offsets": [begin, end]} for `name`;
// the byte count the shape implies must equal the span of the offsets.
Entry readEntry(const std::string &name, const Json &value) {
    std::string where = "tensor " + inQuotes(name);
    if (value.kind != Json::Kind::Object) problem(where + ": entry is not a JSON object");
    checkUniqueKeys(value, where);
    Entry entry;
    entry.name = name;
    const Json &dtype = field(value, "dtype", where);
    if (dtype.kind != Json::Kind::String) problem(where + ": \"dtype\" is not a string");
    entry.dtype = dtypeByName(dtype.text);
    if (!entry.dtype) problem(where + ": unknown or unsupported dtype " + inQuotes(dtype.text));
    entry.shape = readShape(field(value, "shape", where), where);
    const Json &offsets = field(value, "data_offsets", where);
    if (offsets.kind != Json::Kind::Array || offsets.items.size() != 2)
        problem(where + ": \"data_offsets\" is not an array of two integers");
    entry.begin = toUnsigned(offsets.items[0], where + ": \"data_offsets\"");
    entry.end = toUnsigned(offsets.items[1], where + ": \"data_offsets\"");
    if (entry.begin > entry.end) problem(where + ": \"data_offsets\" end before they begin");
    uint64_t needed = byteCount(entry.shape, entry.dtype->size, where);
    if (needed != entry.end - entry.begin)
        problem(where + ": shape " + shapeText(entry.shape) + " of " + entry.dtype->name + " needs " +
                std::to_string(needed) + " bytes but \"data_offsets\" [" + std::to_string(entry.begin) + "," +
                std::to_string(entry.end) + "] span " + std::to_string(entry.end - entry.begin));
    return entry;
}

std::map<std::string, std::string> readMetadata(const Json &value) {
    if (value.kind != Json::Kind::Object) problem("\"__metadata__\" is not a JSON object");
    checkUniqueKeys(value, "\"__metadata__\"");
    std::map<std::string, std::string> metadata;
    for (size_t i = 0; i < value.keys.size(); ++i) {
        if (value.items[i].kind != Json::Kind::String)
            problem("\"__metadata__\" value of " + inQuotes(value.keys[i]) + " is not a string");
        metadata[value.keys[i]] = value.items[i].text;
    }
    return metadata;
}

// The top-level object: "__metadata__" or one entry per tensor.
Header readHeader(const Json &root) {
    if (root.kind != Json::Kind::Object) problem("header is not a JSON object");
    checkUniqueKeys(root, "header");
    Header header;
    for (size_t i = 0; i < root.keys.size(); ++i) {
        if (root.keys[i] == "__metadata__")
            header.metadata = readMetadata(root.items[i]);
        else
            header.entries.push_back(readEntry(root.keys[i], root.items[i]));
    }
    return header;
}

// The tensors must tile [0, dataSize) exactly, in any order.
void checkLayout(const std::vector<Entry> &entries, uint64_t dataSize) {
    std::vector<const Entry *> sorted;
    for (const Entry &e : entries) sorted.push_back(&e);
    std::sort(sorted.begin(), sorted.end(), [](const Entry *a, const Entry *b) {
        return std::make_pair(a->begin, a->end) < std::make_pair(b->begin, b->end);
    });
    uint64_t covered = 0;
    const Entry *previous = nullptr;
    for (const Entry *e : sorted) {
        std::string offsets = "[" + std::to_string(e->begin) + "," + std::to_string(e->end) + "]";
        if (e->end > dataSize)
            problem("tensor " + inQuotes(e->name) + ": \"data_offsets\" " + offsets + " go beyond the " +
                    std::to_string(dataSize) + "-byte data section (truncated file?)");
        if (e->begin < covered)
            problem("tensor " + inQuotes(e->name) + ": \"data_offsets\" " + offsets + " overlap tensor " +
                    inQuotes(previous->name));
        if (e->begin > covered)
            problem("data bytes [" + std::to_string(covered) + "," + std::to_string(e->begin) +
                    ") belong to no tensor");
        covered = e->end;
        previous = e;
    }
    if (covered != dataSize)
        problem(std::to_string(dataSize - covered) + " bytes after the last tensor belong to no tensor");
}

// ---------------------------------------------------------------------------
// Files

// Owns a file descriptor; closing on scope exit keeps error paths leak-free.
class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }
    // Closes now, reporting the error close() can return (delayed write
    // errors on some filesystems surface only here).
    int close() {
        int rc = ::close(fd_);
        fd_ = -1;
        return rc;
    }

private:
    int fd_;
};

// A read-only private mapping of a whole file.  If another process truncates
// the file while it is mapped, reading the lost pages raises SIGBUS; that is
// the price of mmap and the same as in the reference implementation.
class MappedFile {
public:
    explicit MappedFile(const std::string &path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
        if (fd_.get() < 0) systemProblem("cannot open");
        struct stat st {};
        if (::fstat(fd_.get(), &st) != 0) systemProblem("cannot stat");
        if (!S_ISREG(st.st_mode)) problem("not a regular file");
        size_ = uint64_t(st.st_size);
        if (size_ == 0) return;  // mmap refuses empty files; the caller reports it as truncated
        void *map = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_.get(), 0);
        if (map == MAP_FAILED) systemProblem("cannot map");
        map_ = map;
    }
    MappedFile(const MappedFile &) = delete;
    MappedFile &operator=(const MappedFile &) = delete;
    ~MappedFile() {
        if (map_) ::munmap(map_, size_);
    }
    const unsigned char *data() const { return static_cast<const unsigned char *>(map_); }
    uint64_t size() const { return size_; }

private:
    Fd fd_;
    void *map_ = nullptr;
    uint64_t size_ = 0;
};

// Assembled byte by byte, so it is right whatever the host's alignment rules.
uint64_t readLittleEndian64(const unsigned char *p) {
    uint64_t value = 0;
    for (int i = 7; i >= 0; --i) value = (value << 8) | p[i];
    return value;
}

// A tensor for `entry`; a valid but huge file must still fail with an Error
// that names the file, not with a bare allocation failure.
torch::Tensor allocate(const Entry &entry) {
    try {
        return torch::empty(entry.shape, torch::TensorOptions().dtype(entry.dtype->dtype));
    } catch (const std::exception &e) {  // std::bad_alloc or c10::Error
        problem("tensor " + inQuotes(entry.name) + ": cannot allocate " + std::to_string(entry.end - entry.begin) +
                " bytes: " + e.what());
    }
}

torch::Tensor copyTensor(const Entry &entry, const unsigned char *data) {
    const unsigned char *source = data + entry.begin;
    uint64_t bytes = entry.end - entry.begin;
    // A bool byte other than 0 or 1 is undefined behaviour in C++ and torch.
    if (entry.dtype->dtype == torch::kBool) {
        for (uint64_t i = 0; i < bytes; ++i)
            if (source[i] > 1)
                problem("tensor " + inQuotes(entry.name) + ": BOOL element " + std::to_string(i) + " is " +
                        std::to_string(source[i]) + ", not 0 or 1");
    }
    torch::Tensor tensor = allocate(entry);
    if (bytes) std::memcpy(tensor.data_ptr(), source, bytes);
    return tensor;
}

// The whole file, in memory: length field, header, layout, then tensors.
// Everything is validated before the first tensor is allocated.
File decode(const unsigned char *bytes, uint64_t size) {
    if (size < 8)
        problem("file is " + std::to_string(size) + " bytes, too short for the 8-byte header length (truncated?)");
    uint64_t headerBytes = readLittleEndian64(bytes);
    if (headerBytes > kMaxHeaderBytes)
        problem("header length " + std::to_string(headerBytes) + " is over the " + std::to_string(kMaxHeaderBytes) +
                "-byte limit (corrupt length field?)");
    if (headerBytes > size - 8)
        problem("header length " + std::to_string(headerBytes) + " goes beyond the end of the " +
                std::to_string(size) + "-byte file (truncated?)");
    std::string_view text(reinterpret_cast<const char *>(bytes + 8), headerBytes);
    size_t bad = firstInvalidUtf8(text);
    if (bad != std::string_view::npos) problem("header is not UTF-8 (header byte " + std::to_string(bad) + ")");
    Header header = readHeader(JsonParser(text).parseDocument());
    const unsigned char *data = bytes + 8 + headerBytes;
    checkLayout(header.entries, size - 8 - headerBytes);
    File file;
    file.metadata = std::move(header.metadata);
    for (const Entry &entry : header.entries) file.tensors.emplace(entry.name, copyTensor(entry, data));
    return file;
}

// ---------------------------------------------------------------------------
// Writing

struct Prepared {
    std::string name;
    const DtypeInfo *dtype;
    torch::Tensor data;  // contiguous, CPU, no lazy conj/neg bits
};

void checkUtf8(std::string_view text, const std::string &what) {
    if (firstInvalidUtf8(text) != std::string_view::npos) problem(what + " is not valid UTF-8");
}

// Everything that can be wrong with the input is found here, before a file
// is created, so a refused save never touches the disk.  std::map order is
// byte order of the names, which is also Python's code-point order.
std::vector<Prepared> prepareTensors(const std::map<std::string, torch::Tensor> &tensors) {
    std::vector<Prepared> prepared;
    for (const auto &[name, tensor] : tensors) {
        std::string where = "tensor " + inQuotes(name);
        checkUtf8(name, "a tensor name");
        if (name == "__metadata__") problem("a tensor cannot be named \"__metadata__\"");
        if (!tensor.defined()) problem(where + " is undefined");
        if (tensor.layout() != torch::kStrided) problem(where + " is not a dense (strided) tensor");
        const DtypeInfo *dtype = dtypeByTorch(tensor.scalar_type());
        if (!dtype) problem(where + ": dtype " + std::string(c10::toString(tensor.scalar_type())) + " is not supported");
        try {
            // Lazy negation bits survive contiguous(), so resolve them first.
            torch::Tensor data = tensor.detach().to(torch::kCPU).resolve_conj().resolve_neg().contiguous();
            prepared.push_back({name, dtype, std::move(data)});
        } catch (const std::exception &e) {
            problem(where + ": cannot copy to CPU: " + e.what());
        }
    }
    return prepared;
}

// JSON string escaping as serde_json (the reference) and Python's json module
// do it: the short escapes, \u00XX for other control characters, and every
// other character (including non-ASCII) as it is.
void appendJsonString(std::string &out, std::string_view text) {
    static const char kHex[] = "0123456789abcdef";
    out += '"';
    for (char c : text) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                out += "\\u00";
                out += kHex[(c >> 4) & 0xF];
                out += kHex[c & 0xF];
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

void appendMetadata(std::string &out, const std::map<std::string, std::string> &metadata) {
    appendJsonString(out, "__metadata__");
    out += ":{";
    bool first = true;
    for (const auto &[key, value] : metadata) {
        checkUtf8(key, "a metadata key");
        checkUtf8(value, "the metadata value of " + inQuotes(key));
        if (!first) out += ',';
        first = false;
        appendJsonString(out, key);
        out += ':';
        appendJsonString(out, value);
    }
    out += '}';
}

// The compact JSON the reference writes ({"dtype":..,"shape":..,
// "data_offsets":..} per tensor), data laid out in name order, padded with
// spaces so the data section starts 8-byte aligned.
std::string buildHeader(const std::vector<Prepared> &tensors, const std::map<std::string, std::string> &metadata) {
    std::string out = "{";
    if (!metadata.empty()) appendMetadata(out, metadata);
    uint64_t offset = 0;
    for (const Prepared &t : tensors) {
        if (out.size() > 1) out += ',';
        appendJsonString(out, t.name);
        out += ":{\"dtype\":\"";
        out += t.dtype->name;
        out += "\",\"shape\":[";
        for (int64_t d = 0; d < t.data.dim(); ++d) out += (d ? "," : "") + std::to_string(t.data.size(d));
        uint64_t bytes = uint64_t(t.data.numel()) * t.dtype->size;
        out += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + bytes) + "]}";
        offset += bytes;
    }
    out += '}';
    out.append((8 - out.size() % 8) % 8, ' ');
    return out;
}

// "dir/name" -> {"dir", "name"}; a bare name lives in ".".
std::pair<std::string, std::string> splitPath(const std::string &path) {
    size_t slash = path.rfind('/');
    if (slash == std::string::npos) return {".", path};
    return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

// Creates "<dir>/.<name>.tmp-<pid>-<n>" exclusively.  Mode 0666 lets the
// umask decide permissions, as for any newly created file.
Fd createTemporary(const std::string &path, std::string &tempPath) {
    static std::atomic<unsigned> counter{0};
    auto [dir, name] = splitPath(path);
    if (name.empty()) problem("path names a directory, not a file");
    for (int attempt = 0;; ++attempt) {
        tempPath = (dir == "/" ? "" : dir) + "/." + name + ".tmp-" + std::to_string(::getpid()) + "-" +
                   std::to_string(counter++);
        int fd = ::open(tempPath.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0) return Fd(fd);
        // A leftover of a crashed process with our pid: try the next name.
        if (errno != EEXIST || attempt == 100)
            systemProblem("cannot create a temporary file in", dir);
    }
}

// write() may transfer less than asked or be interrupted; loop until done.
void writeAll(int fd, const void *data, uint64_t size, const std::string &tempPath) {
    const char *p = static_cast<const char *>(data);
    while (size > 0) {
        // Linux transfers at most ~2 GiB per write() call.
        size_t chunk = size_t(std::min<uint64_t>(size, uint64_t(1) << 30));
        ssize_t written = ::write(fd, p, chunk);
        if (written < 0 && errno == EINTR) continue;
        if (written == 0) errno = EIO;  // no progress and no error: give up rather than spin
        if (written <= 0) systemProblem("cannot write", tempPath);
        p += written;
        size -= uint64_t(written);
    }
}

// Makes the rename itself durable.  Some filesystems cannot fsync a
// directory (EINVAL); the data is already safe there, so that is not an error.
void syncDirectory(const std::string &dir) {
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) systemProblem("cannot open directory", dir);
    if (::fsync(fd.get()) != 0 && errno != EINVAL) systemProblem("cannot sync directory", dir);
}

// Removes the temporary file unless the rename consumed it.
class TemporaryGuard {
public:
    explicit TemporaryGuard(const std::string &path) : path_(path) {}
    TemporaryGuard(const TemporaryGuard &) = delete;
    TemporaryGuard &operator=(const TemporaryGuard &) = delete;
    ~TemporaryGuard() {
        if (!path_.empty()) ::unlink(path_.c_str());
    }
    void release() { path_.clear(); }

private:
    std::string path_;
};

// Tensor bytes go straight from each tensor's storage to the file, so saving
// needs no second copy of the model in memory.  Until the rename, the old
// file at `path` is untouched; after it, only the directory sync can fail.
void writeAtomically(const std::string &path, const std::string &header, const std::vector<Prepared> &tensors) {
    std::string tempPath;
    Fd fd = createTemporary(path, tempPath);
    TemporaryGuard guard(tempPath);
    unsigned char length[8];
    for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(uint64_t(header.size()) >> (8 * i));
    writeAll(fd.get(), length, sizeof length, tempPath);
    writeAll(fd.get(), header.data(), header.size(), tempPath);
    for (const Prepared &t : tensors)
        writeAll(fd.get(), t.data.data_ptr(), uint64_t(t.data.numel()) * t.dtype->size, tempPath);
    if (::fsync(fd.get()) != 0) systemProblem("cannot sync", tempPath);
    if (fd.close() != 0) systemProblem("cannot close", tempPath);
    if (::rename(tempPath.c_str(), path.c_str()) != 0) systemProblem("cannot rename", tempPath);
    guard.release();
    syncDirectory(splitPath(path).first);
}

}  // namespace

File load(const std::string &path) {
    try {
        MappedFile file(path);
        return decode(file.data(), file.size());
    } catch (const Problem &e) {
        throw Error(path + ": " + e.what());
    }
}

void save(const std::string &path, const std::map<std::string, torch::Tensor> &tensors,
          const std::map<std::string, std::string> &metadata) {
    try {
        std::vector<Prepared> prepared = prepareTensors(tensors);
        writeAtomically(path, buildHeader(prepared, metadata), prepared);
    } catch (const Problem &e) {
        throw Error(path + ": " + e.what());
    }
}

}  // namespace fgcc::safetensors
