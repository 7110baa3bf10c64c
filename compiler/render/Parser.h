//===- Parser.h - Jinja2 template parser ----------------------------------===//
//
// A recursive-descent parser for the Jinja subset fgcc supports (spec section
// 5.4), following Jinja 3.1's grammar and operator precedence, including its
// quirks (`**` is left-associative, a statement may end with a Python-style
// colon). Unsupported constructs are rejected with a diagnostic saying so.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "render/Ast.h"
#include "render/Lexer.h"

#include <functional>
#include <memory>

namespace fgcc::render {

struct TemplateLines;

/// Names of the filters and tests that exist; Jinja rejects unknown ones
/// when it compiles a template, even in code that never runs.
struct ParserRegistry {
  std::function<bool(std::string_view)> hasFilter;
  std::function<bool(std::string_view)> hasTest;
};

/// Parses one template's tokens; syntax errors are thrown as FatalError at
/// the file location, with Jinja's message text.
std::unique_ptr<TemplateAst> parseTemplate(const std::vector<Token> &tokens,
                                           const TemplateLines &lines,
                                           const ParserRegistry &registry);

} // namespace fgcc::render
