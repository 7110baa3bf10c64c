//===- regex.cpp - PCRE2 regexes for pre-tokenization -*- C++ -*-===//
//
// See regex.hpp. Input is validated as UTF-8 once by the tokenizer, so every
// pcre2_match call passes PCRE2_NO_UTF_CHECK: without it PCRE2 would
// re-validate the whole subject at each of the thousands of calls a long
// text needs (quadratic time).
//
//===----------------------------------------------------------------------===//
#include "regex.hpp"

#include "fgrt/tokenizer/definition.hpp"

#include "unicode.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace fgrt::tokenizer::detail {
namespace {

std::string pcre2_message(int error_code) {
  PCRE2_UCHAR buffer[256];
  const int length = pcre2_get_error_message(error_code, buffer, sizeof(buffer));
  return length < 0 ? "error " + std::to_string(error_code) : std::string(reinterpret_cast<char *>(buffer));
}

} // namespace

struct Regex::Code {
  pcre2_code *code = nullptr;
  ~Code() { pcre2_code_free(code); }
};

Regex::Regex(const std::string &pattern, bool literal, const std::string &field) {
  // PCRE2 rejects UCP together with LITERAL (a literal has no classes).
  const uint32_t options = PCRE2_UTF | (literal ? PCRE2_LITERAL : PCRE2_UCP);
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  auto code = std::make_shared<Code>();
  code->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options, &error_code,
                             &error_offset, nullptr);
  if (code->code == nullptr)
    throw TokenizerError(field + ": invalid regex at offset " + std::to_string(error_offset) + ": " +
                         pcre2_message(error_code));
  // JIT is an optimization only; the interpreter is used where it fails.
  pcre2_jit_compile(code->code, PCRE2_JIT_COMPLETE);
  code_ = std::move(code);
}

std::vector<Span> Regex::find_all(std::string_view text) const {
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> match_data(
      pcre2_match_data_create_from_pattern(code_->code, nullptr), &pcre2_match_data_free);
  const auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  std::vector<Span> matches;
  std::size_t start = 0;
  while (start < text.size()) {
    const int rc = pcre2_match(code_->code, subject, text.size(), start, PCRE2_NO_UTF_CHECK, match_data.get(), nullptr);
    if (rc == PCRE2_ERROR_NOMATCH)
      break;
    if (rc < 0)
      throw TokenizerError("pre-tokenizer regex failed: " + pcre2_message(rc));
    const PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(match_data.get());
    if (ovector[1] == ovector[0]) {
      if (ovector[0] >= text.size())
        break;
      // Step over one whole character so the next attempt stays on a
      // character boundary.
      start = ovector[0] + decode_utf8_char(text, ovector[0]).length;
      continue;
    }
    matches.emplace_back(ovector[0], ovector[1]);
    start = ovector[1];
  }
  return matches;
}

} // namespace fgrt::tokenizer::detail
