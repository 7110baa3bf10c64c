//===- Environment.cpp - Phase "render": templates, globals and limits ----===//
#include "render/Environment.h"

#include "render/Interpreter.h"
#include "render/Lexer.h"
#include "render/Parser.h"

namespace fgcc::render {

Environment::Environment(TemplateLoader &loader, CommentMode mode, RenderLimits limits)
    : loader_(loader), mode_(mode), limits_(limits) {}

/// Preprocess (spec section 3), lex and parse one template. Unknown
/// filters and tests fail here, at compile time, as in Jinja.
std::unique_ptr<CompiledTemplate> Environment::compile(std::shared_ptr<const TemplateSource> source) {
  auto t = std::make_unique<CompiledTemplate>();
  t->lines.name = source->name;
  t->lines.file = source->file;
  t->lines.firstLine = source->firstLine;
  PreprocessedText pp = preprocess(source->text, mode_);
  t->preprocessed = std::move(pp.text);
  t->lines.origins = std::move(pp.origins);
  ParserRegistry registry{hasFilter, hasTest};
  t->ast = parseTemplate(tokenize(t->preprocessed, t->lines), t->lines, registry);
  order_.push_back(t.get());
  return t;
}

/// Replaces any cached template of that name.
const CompiledTemplate &Environment::adopt(const std::string &name, std::shared_ptr<const TemplateSource> source) {
  auto &slot = cache_[name];
  slot = compile(std::move(source));
  return *slot;
}

/// Loads and compiles on first use: templates are loaded lazily, in the
/// order the render asks for them (spec section 14).
const CompiledTemplate *Environment::tryGet(const std::string &name, SourceLoc at) {
  // Compiled templates are cached by name for the whole render, so a
  // sub-template re-registered by a later file keeps its first definition,
  // exactly as in the reference.
  if (auto it = cache_.find(name); it != cache_.end())
    return it->second.get();
  std::shared_ptr<const TemplateSource> source = loader_.find(name, at);
  if (!source)
    return nullptr;
  return &adopt(name, std::move(source));
}

/// Jinja's `TemplateNotFound: name`, at the statement that asked.
const CompiledTemplate &Environment::get(const std::string &name, SourceLoc at) {
  if (const CompiledTemplate *t = tryGet(name, at))
    return *t;
  throw FatalError(at, "TemplateNotFound: " + name);
}

/// Each render gets a fresh Interpreter: namespaces, block tables and
/// limits counters never carry over between renders.
RenderResult Environment::render(const CompiledTemplate &tmpl, const Dict &args) {
  Interpreter interp(*this);
  return interp.renderRoot(tmpl, args);
}

} // namespace fgcc::render
