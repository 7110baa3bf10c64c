//===- Environment.h - Phase "render": templates, globals and limits ------===//
//
// The environment of one config render: the loader, the compiled-template
// cache (by name, fresh per config), the globals visible to templates, and the
// limits that keep a hostile template from hanging or exhausting memory.
// `render` runs a template and returns the pp text with its origin marks.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "load/TemplateLoader.h"
#include "preprocess/Preprocessor.h"
#include "render/Ast.h"
#include "render/Origin.h"
#include "render/Value.h"

#include <map>
#include <memory>
#include <string>

namespace fgcc::render {

/// A template ready to run: its preprocessed text, line origins and AST.
struct CompiledTemplate {
  TemplateLines lines;
  std::string preprocessed;
  std::unique_ptr<TemplateAst> ast;
};

/// Bounds on what a template may do (spec section 4.1 plus fgcc's own).
struct RenderLimits {
  int64_t maxRange = 100000;            ///< the sandbox's MAX_RANGE
  size_t maxOutputBytes = 64u << 20;    ///< one rendered text or string value
  size_t maxListItems = 10000000;       ///< list repetition and growth
  int maxCallDepth = 250;               ///< nested macro/include/block calls
  uint64_t maxSteps = 20000000;         ///< statements + loop iterations
};

/// Where a frame of output came from: a block, an include, a macro.
struct RenderFrameInfo {
  std::string description; ///< "block 'x'", "template 'y'"
  SourceLoc loc;
  int32_t parent = -1;
};

/// The pp text plus what LineMap needs to map it back to templates.
struct RenderResult {
  std::string text;
  OriginMarks marks;
  std::vector<RenderFrameInfo> frames;
};

/// Jinja's Environment, reduced to what one config render needs. Created
/// per config, so its cache never outlives the render (spec section 2.3).
class Environment {
public:
  Environment(TemplateLoader &loader, CommentMode mode, RenderLimits limits = {});

  /// Globals visible to every template (layer 1-3 of spec section 4.2).
  Dict &globals() { return globals_; }
  const RenderLimits &limits() const { return limits_; }
  CommentMode commentMode() const { return mode_; }
  TemplateLoader &loader() { return loader_; }

  /// The compiled template of a name; throws `TemplateNotFound: name` at
  /// `requestedAt` when no template has that name.
  const CompiledTemplate &get(const std::string &name, SourceLoc requestedAt);
  /// Returns null instead of throwing when the name does not exist.
  const CompiledTemplate *tryGet(const std::string &name, SourceLoc requestedAt);
  /// Compiles an already loaded template and caches it under `name` (the
  /// config itself, which may have been loaded by path).
  const CompiledTemplate &adopt(const std::string &name, std::shared_ptr<const TemplateSource> source);

  /// Renders `tmpl` with the render arguments `args` (layer 4).
  RenderResult render(const CompiledTemplate &tmpl, const Dict &args);

  /// Names of the templates compiled so far, in load order (for `trefs`).
  const std::vector<const CompiledTemplate *> &loadOrder() const { return order_; }

private:
  std::unique_ptr<CompiledTemplate> compile(std::shared_ptr<const TemplateSource> source);

  TemplateLoader &loader_;
  CommentMode mode_;
  RenderLimits limits_;
  Dict globals_;
  /// By template name; the first compilation of a name serves the whole
  /// render, like Jinja's cache (see tryGet).
  std::map<std::string, std::unique_ptr<CompiledTemplate>, std::less<>> cache_;
  /// Every compiled template in load order (`trefs`, `pp --debug`).
  std::vector<const CompiledTemplate *> order_;
};

/// Filters and tests known to the interpreter (checked at parse time).
bool hasFilter(std::string_view name);
bool hasTest(std::string_view name);

} // namespace fgcc::render
