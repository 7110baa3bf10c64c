//===- Interpreter.h - Executes a template's syntax tree ------------------===//
//
// Jinja semantics as the reference relies on them (spec section 4.5):
//  * a Context per root render: exported top-level variables, the globals and
//    render arguments beneath them, and the block table (most-derived first);
//  * Frames for local scopes (blocks, loops, macros), shared so that macros
//    can close over the scope they were defined in;
//  * `extends` records the parent and runs it after the child's top level,
//    discarding the child's own output; blocks run lazily through the table;
//  * `include` renders with a copy of the current context plus locals.
// Output goes to a stack of buffers (captures for macros, filter blocks and
// super()), each carrying origin marks for the line map.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "render/Environment.h"

#include <unordered_map>

namespace fgcc::render {

/// Arguments of a call, already evaluated.
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keywords;
  /// Where the call is, for errors raised by the callee.
  SourceLoc loc;

  /// Keyword argument by name, or null.
  const Value *keyword(std::string_view name) const;
};

/// One entry of the block table: a block definition and its template.
struct BlockEntry {
  const Stmt *block;
  const CompiledTemplate *tmpl;
};

/// Jinja's render context, shared by every template of an extends chain:
/// a child's top-level `set` is seen by its parents (spec section 4.5).
struct Context {
  /// Globals and render arguments (read-only for templates).
  std::shared_ptr<const Dict> parent;
  /// Variables exported by top-level `set`s and macros.
  std::unordered_map<std::string, Value> vars;
  /// Block name -> definitions, most-derived first; entry i's super() is i+1.
  std::unordered_map<std::string, std::vector<BlockEntry>> blocks;
};

/// Per template render: the parent recorded by `extends`, if any.
struct ExtendState {
  const CompiledTemplate *parent = nullptr;
  SourceLoc at;
};

/// A local scope. Lookups walk `parent` to the context; frames are shared
/// pointers because macros capture them.
struct Frame {
  std::shared_ptr<Frame> parent; ///< enclosing scope (null at the context)
  /// Shared: a macro may outlive the render that defined it (imports).
  std::shared_ptr<Context> context;
  const CompiledTemplate *tmpl = nullptr;
  std::unordered_map<std::string, Value> locals;
  /// Top-level code of a template: `set` exports to the context.
  bool toplevel = false;
  /// Set in the frames of a template's top-level code (loops included): once
  /// the template has extended a parent, its own output is discarded.
  ExtendState *extend = nullptr;
  /// Render-frame index for origin marks.
  int32_t originFrame = -1;
};

using FramePtr = std::shared_ptr<Frame>;

/// A rendering buffer with origin marks.
struct Output {
  std::string text;
  OriginMarks marks;
};

/// Executes one root render. Holds the output stack, the origin frames
/// for the line map, and the counters behind RenderLimits.
class Interpreter {
public:
  Interpreter(Environment &env);
  /// Breaks the reference cycles a render can create (a macro closing over
  /// the frame that holds it, a context holding its own macros).
  ~Interpreter();

  /// Renders a config (or meta.yaml) with `args` as render arguments.
  RenderResult renderRoot(const CompiledTemplate &tmpl, const Dict &args);

  //===--- services for builtins ---===//
  Environment &env() { return env_; }
  [[noreturn]] void fail(SourceLoc loc, const std::string &message);
  /// Raises the error stored in an undefined value.
  [[noreturn]] void failUndefined(const Value &v, SourceLoc loc);
  /// Throws when `v` is undefined (any use other than the allowed ones).
  void requireDefined(const Value &v, SourceLoc loc) {
    if (v.isUndefined())
      failUndefined(v, loc);
  }
  /// Python str() with the undefined check.
  std::string str(const Value &v, SourceLoc loc);
  /// Attribute lookup with Jinja's sandbox rules.
  Value getattr(const Value &obj, const std::string &name, SourceLoc loc);
  Value getitem(const Value &obj, const Value &key, SourceLoc loc);
  /// Calls a callable value.
  Value call(const Value &fn, CallArgs &args);
  /// Iterates a value like Python's `for` (dict -> keys, str -> characters).
  std::vector<Value> iterate(const Value &v, SourceLoc loc);
  /// Checks the size of a string or list being built.
  void checkSize(size_t bytes, SourceLoc loc);
  void checkItems(size_t items, SourceLoc loc);
  /// Renders `body` into a string value with origin marks (macros, super()).
  Value capture(const Body &body, const FramePtr &frame);
  /// Enters a nested call (macro, include, block); throws past the limit.
  struct DepthGuard {
    DepthGuard(Interpreter &in, SourceLoc loc);
    ~DepthGuard() { --in.depth_; }
    Interpreter &in;
  };
  SourceLoc locOf(const CompiledTemplate *tmpl, Pos pos) const;
  SourceLoc currentLoc() const { return currentLoc_; }

  Value eval(const Expr &e, const FramePtr &frame);

private:
  friend class MacroCallable;
  friend class SuperCallable;

  //===--- statements ---===//
  void execBody(const Body &body, const FramePtr &frame);
  void exec(const Stmt &s, const FramePtr &frame);
  void execIf(const Stmt &s, const FramePtr &frame);
  void execFor(const Stmt &s, const FramePtr &frame);
  void execBlock(const Stmt &s, const FramePtr &frame);
  void execExtends(const Stmt &s, const FramePtr &frame);
  void execInclude(const Stmt &s, const FramePtr &frame);
  void execImport(const Stmt &s, const FramePtr &frame);
  void execSet(const Stmt &s, const FramePtr &frame);
  void execMacro(const Stmt &s, const FramePtr &frame);
  void execFilterBlock(const Stmt &s, const FramePtr &frame);
  void execWith(const Stmt &s, const FramePtr &frame);

  /// Runs a template's top level (and its parents') in `context`.
  void renderTemplate(const CompiledTemplate &tmpl, const std::shared_ptr<Context> &context, int32_t originFrame);
  /// Runs entry `index` of block `name`'s chain.
  void renderBlock(const std::string &name, size_t index, const std::shared_ptr<Context> &context, SourceLoc callSite,
                   int32_t callerFrame);
  /// Builds the module of a template rendered for import.
  Value importModule(const CompiledTemplate &tmpl, SourceLoc loc);
  /// Loads the template a value names (a name or a list of names); returns
  /// null only when `ignoreMissing` and none exists.
  const CompiledTemplate *loadByValue(const Value &nameOrList, SourceLoc loc, bool ignoreMissing);
  /// loadByValue, adding a note (`how` it was loaded) to errors inside the
  /// loaded template.
  const CompiledTemplate *loadNoted(const Value &nameOrList, SourceLoc loc, bool ignoreMissing, const std::string &how);

  //===--- expressions ---===//
  Value lookup(const std::string &name, const FramePtr &frame);
  void assign(const FramePtr &frame, const std::string &name, Value v);
  Value evalBinary(const std::string &op, const Value &a, const Value &b, SourceLoc loc);
  Value evalUnary(const std::string &op, const Value &a, SourceLoc loc);
  bool compare(const std::string &op, const Value &a, const Value &b, SourceLoc loc);
  Value evalCall(const Expr &e, const FramePtr &frame);
  Value evalFilter(const Expr &e, const Value &input, const FramePtr &frame);
  Value evalTest(const Expr &e, const FramePtr &frame);
  Value evalSlice(const Value &obj, const Expr &slice, const FramePtr &frame, SourceLoc loc);
  CallArgs evalArgs(const ArgList &args, const FramePtr &frame, SourceLoc loc);

  //===--- output ---===//
  void write(const std::string &text, const FramePtr &frame, Pos pos, bool advances);
  void writeValue(const Value &v, const FramePtr &frame, Pos pos);
  void append(Output &out, const std::string &text, const OriginMarks *marks, const OriginMark &base);
  /// After `extends`, a template's own top-level output is discarded
  /// (spec section 4.5), though its statements still run.
  bool outputSuppressed(const FramePtr &frame) const {
    return frame->extend && frame->extend->parent;
  }
  int32_t pushOriginFrame(std::string description, SourceLoc loc, int32_t parent);
  void step(SourceLoc loc);

  Environment &env_;
  /// Declared first so it is destroyed last, after the frames are cleared.
  ContainerRegistry containers_;
  /// Frames that hold macros and every context, cleared on destruction.
  std::vector<FramePtr> macroFrames_;
  std::vector<std::shared_ptr<Context>> contexts_;
  std::shared_ptr<Context> newContext(std::shared_ptr<const Dict> parent, const CompiledTemplate &tmpl);
  /// The output stack: the root buffer plus one per active capture (macro
  /// call, super(), filter block, block `set`).
  std::vector<Output> outputs_;
  /// Every block, include and macro call of the render, for the line map.
  std::vector<RenderFrameInfo> originFrames_;
  /// Current nesting of calls (RenderLimits::maxCallDepth).
  int depth_ = 0;
  /// Statements and iterations so far (RenderLimits::maxSteps).
  uint64_t steps_ = 0;
  /// Location of the statement being executed, for errors raised without one.
  SourceLoc currentLoc_;
  /// Origin frame of the statement being executed (the parent of blocks
  /// rendered through super()).
  int32_t currentFrame_ = -1;
};

/// Filters, tests, globals and methods (Builtins.cpp).
Value applyFilter(Interpreter &in, const std::string &name, const Value &input, CallArgs &args);
Value applyTest(Interpreter &in, const std::string &name, const Value &input, CallArgs &args);
/// A bound method of a builtin type, or an undefined value if none.
Value boundMethod(Interpreter &in, const Value &self, const std::string &name);
/// Python `str.format` with the sandbox's attribute rules.
std::string pyFormat(Interpreter &in, const std::string &format, CallArgs &args);
/// The `toyaml` rendering of a defined value (spec section 4.6).
std::string toYaml(Interpreter &in, const Value &v, SourceLoc loc);

} // namespace fgcc::render
