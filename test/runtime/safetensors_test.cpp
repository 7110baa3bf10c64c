// safetensors_test.cpp - unit tests for fgcc::safetensors (load and save).
//
// Round trips compare raw bytes, not values, so NaN payloads, -0.0 and
// denormals must survive too.  The exact-bytes tests pin the writer's output
// to byte strings worked out by hand from the format description, so a
// change of layout or JSON formatting cannot go unnoticed.  Corrupt inputs
// are built byte by byte; each must be refused with an Error that names the
// file and says what is wrong.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fgrt/version.h"
#include "safetensors.hpp"

namespace {

namespace fs = std::filesystem;
namespace st = fgcc::safetensors;
using namespace std::string_literals;

// ---------------------------------------------------------------------------
// Helpers

// The names in `dir`, sorted; tests use them to prove no temporary file
// was left behind.
std::vector<std::string> namesIn(const fs::path &dir) {
    std::vector<std::string> names;
    for (const auto &entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// A fresh directory per test, removed afterwards (permissions restored first
// so an unwritable-directory test cannot leak it).
class SafetensorsTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "fgrt-safetensors-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr) << std::strerror(errno);
        dir_ = pattern;
    }
    void TearDown() override {
        std::error_code ec;
        fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ec);
        fs::remove_all(dir_, ec);
    }
    std::string path(const std::string &name) const { return (dir_ / name).string(); }
    std::vector<std::string> listing() const { return namesIn(dir_); }

    fs::path dir_;
};

std::string readBytes(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeBytes(const std::string &path, const std::string &bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
}

std::string le64(uint64_t n) {
    std::string out;
    for (int i = 0; i < 8; ++i) out += char((n >> (8 * i)) & 0xFF);
    return out;
}

// A file with the given header text (unpadded, as a foreign writer might
// produce it) and data section.
std::string fileBytes(const std::string &header, const std::string &data) { return le64(header.size()) + header + data; }

std::string rawBytes(const torch::Tensor &tensor) {
    torch::Tensor t = tensor.contiguous();
    return std::string(static_cast<const char *>(t.data_ptr()), size_t(t.numel()) * t.element_size());
}

// Same dtype, shape and bytes: bit-exact, unlike torch::equal (NaN != NaN).
void expectBitEqual(const torch::Tensor &expected, const torch::Tensor &actual, const std::string &name) {
    ASSERT_TRUE(actual.defined()) << name;
    EXPECT_EQ(expected.scalar_type(), actual.scalar_type()) << name;
    EXPECT_EQ(expected.sizes(), actual.sizes()) << name;
    EXPECT_TRUE(actual.device().is_cpu()) << name;
    EXPECT_TRUE(rawBytes(expected) == rawBytes(actual)) << name;
}

void expectSameTensors(const std::map<std::string, torch::Tensor> &expected,
                       const std::map<std::string, torch::Tensor> &actual) {
    ASSERT_EQ(expected.size(), actual.size());
    for (const auto &[name, tensor] : expected) {
        auto it = actual.find(name);
        ASSERT_NE(it, actual.end()) << name;
        expectBitEqual(tensor, it->second, name);
    }
}

// Random bytes reinterpreted as `dtype`: every bit pattern is fair game,
// including NaN payloads, infinities and denormals.  Bool gets 0/1 only.
torch::Tensor randomTensor(torch::Dtype dtype, std::vector<int64_t> shape) {
    int64_t numel = 1;
    for (int64_t d : shape) numel *= d;
    if (dtype == torch::kBool) return torch::randint(0, 2, shape, torch::kUInt8).to(torch::kBool);
    int64_t itemSize = int64_t(c10::elementSize(dtype));
    torch::Tensor bytes = torch::randint(0, 256, {numel * itemSize}, torch::kUInt8);
    return bytes.view(dtype).reshape(shape);
}

const std::vector<std::pair<std::string, torch::Dtype>> kAllDtypes = {
    {"F32", torch::kFloat32}, {"F16", torch::kFloat16}, {"BF16", torch::kBFloat16}, {"F64", torch::kFloat64},
    {"I64", torch::kInt64},   {"I32", torch::kInt32},   {"I16", torch::kInt16},     {"I8", torch::kInt8},
    {"U8", torch::kUInt8},    {"BOOL", torch::kBool},
};

// The message of the fgcc::safetensors::Error `f` throws; anything else,
// including success, is a distinct marker so a test cannot pass by accident.
std::string errorOf(const std::function<void()> &f) {
    try {
        f();
    } catch (const st::Error &e) {
        return e.what();
    } catch (const std::exception &e) {
        return "<unexpected exception type: "s + e.what() + ">";
    }
    return "<no exception>";
}

// load(path) must fail, naming the file first and saying `what`.
void expectLoadError(const std::string &path, const std::string &what) {
    std::string message = errorOf([&] { st::load(path); });
    EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
    EXPECT_NE(message.find(what), std::string::npos) << "expected \"" << what << "\" in: " << message;
}

std::string entry(const std::string &name, const std::string &dtype, const std::string &shape, uint64_t begin,
                  uint64_t end) {
    return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" +
           std::to_string(begin) + "," + std::to_string(end) + "]}";
}

// ---------------------------------------------------------------------------
// Round trips

TEST(FgrtVersion, MacrosAreDefined) {
    EXPECT_GE(FGRT_VERSION_MAJOR, 0);
    EXPECT_GE(FGRT_VERSION_MINOR, 1);
}

TEST_F(SafetensorsTest, RoundTripsEveryDtypeBitExactly) {
    std::map<std::string, torch::Tensor> tensors;
    for (const auto &[name, dtype] : kAllDtypes) tensors[name] = randomTensor(dtype, {3, 5});
    st::save(path("all.safetensors"), tensors);
    st::File file = st::load(path("all.safetensors"));
    expectSameTensors(tensors, file.tensors);
    EXPECT_TRUE(file.metadata.empty());
}

TEST_F(SafetensorsTest, RoundTripsSpecialFloatValues) {
    float inf = std::numeric_limits<float>::infinity();
    torch::Tensor f32 = torch::tensor({0.0f, -0.0f, inf, -inf, std::numeric_limits<float>::denorm_min(),
                                       std::numeric_limits<float>::quiet_NaN(), 1e38f});
    // A NaN with a payload and the sign bit set: copied, never re-encoded.
    torch::Tensor nanPayload = torch::tensor({int32_t(0xFFC12345)}, torch::kInt32).view(torch::kFloat32);
    std::map<std::string, torch::Tensor> tensors = {
        {"f32", f32},
        {"nan", nanPayload},
        {"f16", f32.to(torch::kFloat16)},
        {"bf16", f32.to(torch::kBFloat16)},
        {"f64", f32.to(torch::kFloat64)},
        {"i64", torch::tensor({std::numeric_limits<int64_t>::min(), int64_t(-1), std::numeric_limits<int64_t>::max()})},
    };
    st::save(path("special.safetensors"), tensors);
    expectSameTensors(tensors, st::load(path("special.safetensors")).tensors);
}

TEST_F(SafetensorsTest, RoundTripsShapes) {
    std::map<std::string, torch::Tensor> tensors = {
        {"scalar", torch::tensor(3.5)},  // 0-d: shape []
        {"scalar_i8", torch::tensor(int8_t(-7))},
        {"empty", torch::empty({0}, torch::kFloat32)},
        {"empty_middle", torch::empty({3, 0, 2}, torch::kInt64)},
        {"one", torch::ones({1}, torch::kBFloat16)},
        {"cube", randomTensor(torch::kFloat16, {2, 3, 4})},
        {"deep", randomTensor(torch::kInt16, {1, 2, 1, 2, 1, 2, 1, 2})},
    };
    st::save(path("shapes.safetensors"), tensors);
    st::File file = st::load(path("shapes.safetensors"));
    expectSameTensors(tensors, file.tensors);
    EXPECT_EQ(file.tensors.at("scalar").dim(), 0);
    EXPECT_EQ(file.tensors.at("empty_middle").sizes(), (std::vector<int64_t>{3, 0, 2}));
}

TEST_F(SafetensorsTest, RoundTripsLargeTensors) {
    std::map<std::string, torch::Tensor> tensors = {
        {"big_f32", randomTensor(torch::kFloat32, {1024, 4096})},  // 16 MiB
        {"big_u8", randomTensor(torch::kUInt8, {3'000'001})},      // odd size: misaligns what follows
        {"z_after", randomTensor(torch::kFloat64, {333})},
    };
    st::save(path("large.safetensors"), tensors);
    EXPECT_EQ(fs::file_size(path("large.safetensors")), 8 + 232 + 16 * 1024 * 1024 + 3'000'001 + 333 * 8);
    expectSameTensors(tensors, st::load(path("large.safetensors")).tensors);
}

TEST_F(SafetensorsTest, RoundTripsMetadataAndUnusualNames) {
    std::map<std::string, std::string> metadata = {
        {"format", "pt"},
        {"", "empty key"},
        {"empty value", ""},
        {"quotes \"and\" \\backslashes\\", "line\nbreak\ttab\x01\x1f\x7f"},
        {"unicode", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
        {"__metadata__", "nested name is just a key"},
    };
    std::map<std::string, torch::Tensor> tensors = {
        {"model.layers.0.attn/q_proj.weight", randomTensor(torch::kBFloat16, {4, 4})},
        {"with space", randomTensor(torch::kInt32, {2})},
        {"\"quoted\"\n", randomTensor(torch::kBool, {3})},
        {"", randomTensor(torch::kUInt8, {1})},
        {"\xe5\xb1\x82", randomTensor(torch::kFloat32, {1})},
    };
    st::save(path("meta.safetensors"), tensors, metadata);
    st::File file = st::load(path("meta.safetensors"));
    expectSameTensors(tensors, file.tensors);
    EXPECT_EQ(file.metadata, metadata);
}

TEST_F(SafetensorsTest, RoundTripsNoTensors) {
    st::save(path("none.safetensors"), {});
    st::File file = st::load(path("none.safetensors"));
    EXPECT_TRUE(file.tensors.empty());
    EXPECT_TRUE(file.metadata.empty());
    st::save(path("only-meta.safetensors"), {}, {{"a", "b"}});
    EXPECT_EQ(st::load(path("only-meta.safetensors")).metadata, (std::map<std::string, std::string>{{"a", "b"}}));
}

TEST_F(SafetensorsTest, SavesNonContiguousAndGradTensorsAsTheirValues) {
    torch::Tensor base = torch::arange(24, torch::kFloat32).reshape({4, 6});
    std::map<std::string, torch::Tensor> tensors = {
        {"transposed", base.t()},
        {"sliced", base.index({torch::indexing::Slice(1, 3), torch::indexing::Slice(2, torch::indexing::None, 2)})},
        {"broadcast", torch::tensor({1.0f, 2.0f}).expand({3, 2})},  // stride 0
        {"grad", torch::ones({2, 2}, torch::requires_grad())},
        {"negated", base.neg()},
    };
    st::save(path("views.safetensors"), tensors);
    st::File file = st::load(path("views.safetensors"));
    for (const auto &[name, tensor] : tensors) {
        expectBitEqual(tensor.detach().contiguous(), file.tensors.at(name), name);
        EXPECT_TRUE(file.tensors.at(name).is_contiguous()) << name;
        EXPECT_FALSE(file.tensors.at(name).requires_grad()) << name;
    }
}

TEST_F(SafetensorsTest, LoadedTensorsOwnTheirMemory) {
    torch::Tensor original = randomTensor(torch::kFloat32, {64});
    st::save(path("own.safetensors"), {{"t", original}});
    st::File file = st::load(path("own.safetensors"));
    // Rewrite the file in place (same inode): a tensor still backed by the
    // mapping would change with it.
    std::string bytes = readBytes(path("own.safetensors"));
    std::fstream f(path("own.safetensors"), std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(std::streamoff(bytes.size() - 256));
    f.write(std::string(256, '\x55').data(), 256);
    f.close();
    fs::remove(path("own.safetensors"));
    expectBitEqual(original, file.tensors.at("t"), "t");
}

TEST_F(SafetensorsTest, ReadsForeignLayoutAndFormatting) {
    // Keys out of order, data not in name order (the reference lays out
    // larger dtypes first), JSON whitespace and escapes, metadata last,
    // header not padded: all legal.
    std::string header = " {\n  \"z\" : { \"data_offsets\" : [0, 8], \"shape\" : [2], \"dtype\" : \"F32\" },\n"
                         "  \"a\\u00e9\\ud83d\\ude00\\/\": {\"dtype\": \"U8\", \"shape\": [1, 1], "
                         "\"data_offsets\": [8, 9], \"extra\": null},\n"
                         "  \"__metadata__\": {\"format\": \"pt\"}\n}\t";
    std::string data = "\x00\x00\x80\x3f\x00\x00\x00\x40\x2a"s;
    writeBytes(path("foreign.safetensors"), fileBytes(header, data));
    st::File file = st::load(path("foreign.safetensors"));
    ASSERT_EQ(file.tensors.size(), 2u);
    EXPECT_TRUE(torch::equal(file.tensors.at("z"), torch::tensor({1.0f, 2.0f})));
    torch::Tensor a = file.tensors.at("a\xc3\xa9\xf0\x9f\x98\x80/");
    EXPECT_EQ(a.sizes(), (std::vector<int64_t>{1, 1}));
    EXPECT_EQ(a.item<uint8_t>(), 42);
    EXPECT_EQ(file.metadata.at("format"), "pt");
}

TEST_F(SafetensorsTest, OverwritesAnExistingFile) {
    st::save(path("w.safetensors"), {{"old", torch::zeros({100})}});
    st::save(path("w.safetensors"), {{"new", torch::ones({2})}});
    st::File file = st::load(path("w.safetensors"));
    ASSERT_EQ(file.tensors.size(), 1u);
    EXPECT_TRUE(file.tensors.count("new"));
    EXPECT_EQ(listing(), (std::vector<std::string>{"w.safetensors"}));
}

// ---------------------------------------------------------------------------
// Exact bytes

TEST_F(SafetensorsTest, WritesExactlyTheExpectedBytes) {
    st::save(path("small.safetensors"),
             {{"b", torch::tensor(uint8_t(7))}, {"a", torch::tensor({1.0f, -2.0f})}}, {{"k", "v"}});
    // Header: 130 bytes of compact JSON, metadata first, then tensors in name
    // order, padded with 6 spaces to 136 = 0x88 so the data is 8-aligned.
    std::string expected =
        "\x88\x00\x00\x00\x00\x00\x00\x00"s
        "{\"__metadata__\":{\"k\":\"v\"},"
        "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        "\"b\":{\"dtype\":\"U8\",\"shape\":[],\"data_offsets\":[8,9]}}"
        "      "
        "\x00\x00\x80\x3f"  // 1.0f
        "\x00\x00\x00\xc0"  // -2.0f
        "\x07"s;
    ASSERT_EQ(expected.size(), 153u);
    EXPECT_EQ(readBytes(path("small.safetensors")), expected);
}

TEST_F(SafetensorsTest, WritesEscapedNamesAndAnEmptyHeaderExactly) {
    st::save(path("escaped.safetensors"), {{"q\"\n\x01\xc3\xa9", torch::tensor({true, false})}});
    // 67 header bytes + 5 spaces = 72 = 0x48; raw UTF-8 stays raw, control
    // characters use the short escapes or \u00XX like serde_json and Python.
    std::string expected = "\x48\x00\x00\x00\x00\x00\x00\x00"s
                           "{\"q\\\"\\n\\u0001\xc3\xa9\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[0,2]}}"
                           "     "
                           "\x01\x00"s;
    EXPECT_EQ(readBytes(path("escaped.safetensors")), expected);

    st::save(path("empty.safetensors"), {});
    EXPECT_EQ(readBytes(path("empty.safetensors")), "\x08\x00\x00\x00\x00\x00\x00\x00{}      "s);
}

// ---------------------------------------------------------------------------
// Refusing truncated and corrupt files

TEST_F(SafetensorsTest, RefusesFilesTooShortForTheLength) {
    writeBytes(path("zero.safetensors"), "");
    expectLoadError(path("zero.safetensors"), "file is 0 bytes, too short");
    writeBytes(path("five.safetensors"), "\x10\x00\x00\x00\x00"s);
    expectLoadError(path("five.safetensors"), "file is 5 bytes, too short");
}

TEST_F(SafetensorsTest, RefusesHeaderLengthBeyondTheFile) {
    writeBytes(path("h.safetensors"), le64(1000) + "{}");
    expectLoadError(path("h.safetensors"), "header length 1000 goes beyond the end of the 10-byte file");
    writeBytes(path("huge.safetensors"), le64(~uint64_t(0)) + "{}");
    expectLoadError(path("huge.safetensors"), "is over the 100000000-byte limit");
}

TEST_F(SafetensorsTest, RefusesBadJson) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"{\"a\":{\"dtype\":\"F32\",", "unexpected end of header"},
        {"{\"a\" 1}", "expected ':'"},
        {"{} x", "unexpected text after the top-level value"},
        {"{\"a\":tru}", "invalid literal"},
        {"{\"a\":01}", "number with a leading zero"},
        {"{\"a\":\"\\x\"}", "invalid escape"},
        {"{\"a\":\"\\ud800\"}", "unpaired high surrogate"},
        {"{\"a\":\"tab\there\"}", "control character in string"},
        {"{,}", "expected a string key"},
        {"", "unexpected end of header"},
    };
    for (size_t i = 0; i < cases.size(); ++i) {
        std::string file = path("json" + std::to_string(i) + ".safetensors");
        writeBytes(file, fileBytes(cases[i].first, ""));
        expectLoadError(file, "bad JSON in header: " + cases[i].second);
    }
}

TEST_F(SafetensorsTest, RefusesDeepNestingWithoutCrashing) {
    writeBytes(path("deep.safetensors"), fileBytes(std::string(100000, '['), ""));
    expectLoadError(path("deep.safetensors"), "nesting deeper than");
}

TEST_F(SafetensorsTest, RefusesHeaderThatIsNotUtf8) {
    writeBytes(path("latin1.safetensors"), fileBytes("{\"caf\xe9\":1}", ""));
    expectLoadError(path("latin1.safetensors"), "header is not UTF-8 (header byte 5)");
    writeBytes(path("overlong.safetensors"), fileBytes("{\"\xc0\xaf\":1}", ""));
    expectLoadError(path("overlong.safetensors"), "header is not UTF-8");
}

TEST_F(SafetensorsTest, RefusesWrongHeaderStructure) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"[]", "header is not a JSON object"},
        {"{\"t\":[1]}", "tensor 't': entry is not a JSON object"},
        {"{\"t\":{\"dtype\":\"F32\",\"data_offsets\":[0,0]}}", "tensor 't': missing \"shape\""},
        {"{\"t\":{\"dtype\":7,\"shape\":[],\"data_offsets\":[0,4]}}", "\"dtype\" is not a string"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}", "must be a non-negative integer"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", "must be a non-negative integer"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", "not an array of two integers"},
        {"{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999]}}", "is too large"},
        {"{\"__metadata__\":[]}", "\"__metadata__\" is not a JSON object"},
        {"{\"__metadata__\":{\"n\":1}}", "\"__metadata__\" value of 'n' is not a string"},
        {"{\"t\":{},\"t\":{}}", "header: duplicate key 't'"},
        {"{\"t\":{\"dtype\":\"U8\",\"dtype\":\"U8\",\"shape\":[],\"data_offsets\":[0,1]}}", "duplicate key 'dtype'"},
    };
    for (size_t i = 0; i < cases.size(); ++i) {
        std::string file = path("structure" + std::to_string(i) + ".safetensors");
        writeBytes(file, fileBytes(cases[i].first, ""));
        expectLoadError(file, cases[i].second);
    }
}

TEST_F(SafetensorsTest, RefusesUnknownDtypes) {
    for (std::string dtype : {"F8_E4M3", "C64", "U16", "f32", ""}) {
        std::string file = path("dtype-" + dtype + ".safetensors");
        writeBytes(file, fileBytes("{" + entry("t", dtype, "[]", 0, 1) + "}", "\x01"));
        expectLoadError(file, "tensor 't': unknown or unsupported dtype '" + dtype + "'");
    }
}

TEST_F(SafetensorsTest, RefusesShapeByteCountMismatch) {
    writeBytes(path("m.safetensors"), fileBytes("{" + entry("w", "F32", "[2,3]", 0, 20) + "}", std::string(20, '\0')));
    expectLoadError(path("m.safetensors"),
                    "tensor 'w': shape [2,3] of F32 needs 24 bytes but \"data_offsets\" [0,20] span 20");
    // A shape whose byte count overflows 64 bits cannot match any offsets.
    writeBytes(path("o.safetensors"),
               fileBytes("{" + entry("w", "F64", "[4294967296,4294967296]", 0, 0) + "}", ""));
    expectLoadError(path("o.safetensors"), "tensor 'w': shape [4294967296,4294967296] is too large");
    writeBytes(path("r.safetensors"), fileBytes("{" + entry("w", "U8", "[]", 5, 4) + "}", ""));
    expectLoadError(path("r.safetensors"), "\"data_offsets\" end before they begin");
}

TEST_F(SafetensorsTest, RefusesOffsetsOutOfRange) {
    std::string header = "{" + entry("a", "F32", "[4]", 0, 16) + "," + entry("b", "I64", "[2]", 16, 32) + "}";
    writeBytes(path("cut.safetensors"), fileBytes(header, std::string(20, '\0')));
    expectLoadError(path("cut.safetensors"), "tensor 'b': \"data_offsets\" [16,32] go beyond the 20-byte data section");
}

TEST_F(SafetensorsTest, RefusesOverlappingOffsets) {
    std::string header = "{" + entry("a", "F32", "[4]", 0, 16) + "," + entry("b", "F32", "[2]", 8, 16) + "}";
    writeBytes(path("overlap.safetensors"), fileBytes(header, std::string(16, '\0')));
    expectLoadError(path("overlap.safetensors"), "tensor 'b': \"data_offsets\" [8,16] overlap tensor 'a'");
}

TEST_F(SafetensorsTest, RefusesHolesAndTrailingBytes) {
    std::string header = "{" + entry("a", "U8", "[4]", 0, 4) + "," + entry("b", "U8", "[2]", 6, 8) + "}";
    writeBytes(path("hole.safetensors"), fileBytes(header, std::string(8, '\0')));
    expectLoadError(path("hole.safetensors"), "data bytes [4,6) belong to no tensor");
    writeBytes(path("tail.safetensors"), fileBytes("{" + entry("a", "U8", "[4]", 0, 4) + "}", std::string(7, '\0')));
    expectLoadError(path("tail.safetensors"), "3 bytes after the last tensor belong to no tensor");
}

TEST_F(SafetensorsTest, RefusesBoolBytesOtherThanZeroAndOne) {
    writeBytes(path("bool.safetensors"), fileBytes("{" + entry("m", "BOOL", "[3]", 0, 3) + "}", "\x01\x00\x02"s));
    expectLoadError(path("bool.safetensors"), "tensor 'm': BOOL element 2 is 2, not 0 or 1");
}

TEST_F(SafetensorsTest, RefusesMissingFilesAndDirectories) {
    expectLoadError(path("missing.safetensors"), "cannot open: No such file or directory");
    expectLoadError(dir_.string(), "not a regular file");
}

TEST_F(SafetensorsTest, RefusesEveryTruncationOfAValidFile) {
    st::save(path("full.safetensors"),
             {{"a", randomTensor(torch::kFloat32, {3})}, {"b", randomTensor(torch::kInt64, {2})}}, {{"k", "v"}});
    std::string bytes = readBytes(path("full.safetensors"));
    for (size_t n = 0; n < bytes.size(); ++n) {
        std::string file = path("t.safetensors");
        writeBytes(file, bytes.substr(0, n));
        std::string message = errorOf([&] { st::load(file); });
        EXPECT_EQ(message.rfind(file + ": ", 0), 0u) << "truncated to " << n << ": " << message;
    }
}

TEST_F(SafetensorsTest, SurvivesEverySingleByteHeaderCorruption) {
    st::save(path("full.safetensors"),
             {{"a", randomTensor(torch::kFloat32, {3})}, {"m", randomTensor(torch::kBool, {2})}}, {{"k", "v"}});
    std::string bytes = readBytes(path("full.safetensors"));
    size_t headerEnd = 8 + size_t(uint8_t(bytes[0]));
    int refused = 0;
    for (size_t i = 0; i < headerEnd; ++i) {
        for (int value : {0x00, 0x22, 0x7b, 0x7d, 0x31, 0xff}) {
            std::string mutated = bytes;
            mutated[i] = char(value);
            std::string file = path("c.safetensors");
            writeBytes(file, mutated);
            // Either a valid file or an Error; never a crash or another exception.
            std::string message = errorOf([&] { st::load(file); });
            if (message == "<no exception>") continue;
            ++refused;
            EXPECT_EQ(message.rfind(file + ": ", 0), 0u) << "byte " << i << " = " << value << ": " << message;
        }
    }
    EXPECT_GT(refused, 0);
}

// ---------------------------------------------------------------------------
// Atomic writes

// Whether we can create files in `dir` (probed, since root ignores modes).
bool canCreateIn(const fs::path &dir) {
    fs::path probe = dir / ".fgrt-probe";
    int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) return false;
    ::close(fd);
    ::unlink(probe.c_str());
    return true;
}

TEST_F(SafetensorsTest, LeavesNothingWhenTheDirectoryIsUnwritable) {
    fs::path dir = dir_ / "ro";
    fs::create_directory(dir);
    fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec);
    // root ignores the mode; sysfs refuses new files even to root.
    if (canCreateIn(dir)) dir = "/sys/kernel";
    if (!fs::is_directory(dir) || canCreateIn(dir)) GTEST_SKIP() << "no directory that refuses new files";
    std::vector<std::string> before = namesIn(dir);
    std::string target = (dir / "x.safetensors").string();
    std::string message = errorOf([&] { st::save(target, {{"t", torch::ones({2})}}); });
    EXPECT_EQ(message.rfind(target + ": cannot create a temporary file in '" + dir.string() + "'", 0), 0u) << message;
    EXPECT_NE(message.find("Permission denied"), std::string::npos) << message;
    EXPECT_EQ(namesIn(dir), before);
}

TEST_F(SafetensorsTest, LeavesNothingWhenTheDirectoryIsMissingOrAFile) {
    std::string missing = path("no/such/dir/x.safetensors");
    std::string message = errorOf([&] { st::save(missing, {{"t", torch::ones({2})}}); });
    EXPECT_EQ(message.rfind(missing + ": cannot create a temporary file", 0), 0u) << message;
    EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;

    writeBytes(path("plain"), "not a directory");
    std::string underFile = path("plain/x.safetensors");
    message = errorOf([&] { st::save(underFile, {{"t", torch::ones({2})}}); });
    EXPECT_NE(message.find("Not a directory"), std::string::npos) << message;
    EXPECT_EQ(listing(), (std::vector<std::string>{"plain"}));
}

TEST_F(SafetensorsTest, KeepsTheOldFileWhenWritingFails) {
    std::string target = path("model.safetensors");
    st::save(target, {{"old", torch::arange(10)}});
    std::string before = readBytes(target);

    // A file size limit makes write() fail with EFBIG part-way through the
    // 4 MiB payload, as a full disk would.
    struct rlimit saved {};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
    struct rlimit limited = saved;
    limited.rlim_cur = 1 << 20;
    auto previousHandler = std::signal(SIGXFSZ, SIG_IGN);
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
    std::string message = errorOf([&] { st::save(target, {{"new", torch::zeros({1 << 20})}}); });
    ::setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, previousHandler);

    EXPECT_EQ(message.rfind(target + ": cannot write", 0), 0u) << message;
    EXPECT_NE(message.find("File too large"), std::string::npos) << message;
    EXPECT_EQ(readBytes(target), before);
    EXPECT_EQ(listing(), (std::vector<std::string>{"model.safetensors"}));
}

TEST_F(SafetensorsTest, RefusesUnsupportedTensorsAndKeepsTheOldFile) {
    std::string target = path("model.safetensors");
    st::save(target, {{"old", torch::arange(10)}});
    std::string before = readBytes(target);
    torch::Tensor sparse = torch::eye(3).to_sparse();
    const std::vector<std::pair<std::map<std::string, torch::Tensor>, std::string>> cases = {
        {{{"c", torch::zeros({2}, torch::kComplexFloat)}}, "tensor 'c': dtype ComplexFloat is not supported"},
        {{{"s", sparse}}, "tensor 's' is not a dense (strided) tensor"},
        {{{"u", torch::Tensor()}}, "tensor 'u' is undefined"},
        {{{"__metadata__", torch::ones({1})}}, "a tensor cannot be named \"__metadata__\""},
        {{{"bad\xff", torch::ones({1})}}, "a tensor name is not valid UTF-8"},
    };
    for (const auto &c : cases) {
        std::string message = errorOf([&] { st::save(target, c.first); });
        EXPECT_EQ(message, target + ": " + c.second);
    }
    std::string message = errorOf([&] { st::save(target, {{"t", torch::ones({1})}}, {{"k", "\xc3"}}); });
    EXPECT_EQ(message, target + ": the metadata value of 'k' is not valid UTF-8");
    EXPECT_EQ(readBytes(target), before);
    EXPECT_EQ(listing(), (std::vector<std::string>{"model.safetensors"}));
}

TEST_F(SafetensorsTest, NewFilesGetPermissionsFromTheUmask) {
    mode_t old = ::umask(027);
    st::save(path("perm.safetensors"), {{"t", torch::ones({1})}});
    ::umask(old);
    struct stat st_ {};
    ASSERT_EQ(::stat(path("perm.safetensors").c_str(), &st_), 0);
    EXPECT_EQ(st_.st_mode & 0777, 0640u);
}

TEST_F(SafetensorsTest, SavesIntoTheCurrentDirectoryByBareName) {
    std::string cwd = fs::current_path().string();
    fs::current_path(dir_);
    st::save("bare.safetensors", {{"t", torch::ones({1})}});
    fs::current_path(cwd);
    EXPECT_EQ(st::load(path("bare.safetensors")).tensors.size(), 1u);
    EXPECT_EQ(listing(), (std::vector<std::string>{"bare.safetensors"}));
}

}  // namespace
