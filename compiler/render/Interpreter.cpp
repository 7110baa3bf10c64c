//===- Interpreter.cpp - Statements, inheritance and output ---------------===//
#include "render/Interpreter.h"

#include "support/PyText.h"

#include <algorithm>

namespace fgcc::render {

//===----------------------------------------------------------------------===//
// Callables defined by templates: macros and super()
//===----------------------------------------------------------------------===//

/// A `{% macro %}`: renders its body with the arguments bound, in a scope
/// nested in the one it was defined in.
class MacroCallable : public Callable {
public:
  MacroCallable(const Stmt &def, FramePtr closure) : def_(def), closure_(std::move(closure)) {}

  std::string name() const override { return def_.text; }
  bool isMacro() const override { return true; }

  /// Binds the arguments in a new scope nested in the macro's closure and
  /// returns the rendered body as a string (spec section 4.5).
  Value call(Interpreter &in, CallArgs &args) override {
    const std::vector<MacroParam> &params = def_.params;
    // Jinja's macro binding: positionals first, then keywords by name, then
    // the defaults, evaluated at call time in the macro's own scope.
    if (args.positional.size() > params.size())
      in.fail(args.loc, "macro '" + def_.text + "' takes not more than " + std::to_string(params.size()) +
                            " argument(s)");
    auto frame = std::make_shared<Frame>();
    frame->parent = closure_;
    frame->context = closure_->context;
    frame->tmpl = closure_->tmpl;
    for (size_t i = 0; i < params.size(); ++i) {
      if (i < args.positional.size()) {
        frame->locals[params[i].name] = args.positional[i];
      } else if (const Value *kw = args.keyword(params[i].name)) {
        frame->locals[params[i].name] = *kw;
      } else if (params[i].defaultValue) {
        frame->locals[params[i].name] = in.eval(*params[i].defaultValue, frame);
      } else {
        // Jinja leaves a missing argument undefined rather than failing the call;
        // only a use of it fails.
        frame->locals[params[i].name] = Value::undefined("parameter '" + params[i].name + "' was not provided");
      }
    }
    for (const auto &kw : args.keywords) {
      bool known = std::any_of(params.begin(), params.end(), [&](const MacroParam &p) { return p.name == kw.first; });
      if (!known)
        // Jinja's message for an unknown keyword argument of a macro.
        in.fail(args.loc, "macro '" + def_.text + "' takes no keyword argument '" + kw.first + "'");
    }
    Interpreter::DepthGuard guard(in, args.loc);
    frame->originFrame = in.pushOriginFrame("macro '" + def_.text + "'", args.loc, closure_->originFrame);
    try {
      return in.capture(def_.bodies[0], frame);
    } catch (FatalError &e) {
      e.diag().note(args.loc, "in macro '" + def_.text + "' called from here");
      throw;
    }
  }

private:
  const Stmt &def_;
  FramePtr closure_;
};

/// `super()` inside a block: renders the next definition in the chain.
class SuperCallable : public Callable {
public:
  SuperCallable(std::string block, size_t next, std::shared_ptr<Context> ctx)
      : block_(std::move(block)), next_(next), ctx_(std::move(ctx)) {}
  std::string name() const override { return "super"; }

  /// Every call re-executes the parent block, side effects included (spec
  /// section 4.5), and returns its output as a string.
  Value call(Interpreter &in, CallArgs &args) override {
    auto &chain = ctx_->blocks[block_];
    if (next_ >= chain.size())
      in.fail(args.loc, "there is no parent block called '" + block_ + "'.");
    // Rendered into its own buffer so the caller decides where the text goes
    // (`== super()` prints it, `=> super()` trims it first).
    in.outputs_.emplace_back();
    try {
      in.renderBlock(block_, next_, ctx_, args.loc, in.currentFrame_);
    } catch (FatalError &e) {
      in.outputs_.pop_back();
      throw;
    }
    Output out = std::move(in.outputs_.back());
    in.outputs_.pop_back();
    return Value::str(std::move(out.text), std::make_shared<OriginMarks>(std::move(out.marks)));
  }

private:
  std::string block_;
  size_t next_;
  std::shared_ptr<Context> ctx_;
};

//===----------------------------------------------------------------------===//
// Services
//===----------------------------------------------------------------------===//

const Value *CallArgs::keyword(std::string_view name) const {
  for (const auto &kv : keywords)
    if (kv.first == name)
      return &kv.second;
  return nullptr;
}

Interpreter::Interpreter(Environment &env) : env_(env) {}

/// Clearing locals and context variables drops the shared_ptr cycles
/// (macro -> closure frame -> macro), so the render's memory is freed.
Interpreter::~Interpreter() {
  for (const FramePtr &f : macroFrames_)
    f->locals.clear();
  for (const std::shared_ptr<Context> &c : contexts_) {
    c->vars.clear();
    c->parent.reset();
  }
}

/// Recursion through macros, includes and blocks is bounded, so a template
/// that includes itself fails with a message instead of a stack overflow.
Interpreter::DepthGuard::DepthGuard(Interpreter &in, SourceLoc loc) : in(in) {
  if (++in.depth_ > in.env_.limits().maxCallDepth) {
    --in.depth_;
    in.fail(loc, "maximum recursion depth exceeded (" + std::to_string(in.env_.limits().maxCallDepth) +
                     " nested macro calls, includes or blocks)");
  }
}

void Interpreter::fail(SourceLoc loc, const std::string &message) { throw FatalError(loc, message); }

/// Jinja's message (`'x' is undefined`) plus, when a close name exists,
/// fgcc's "did you mean".
void Interpreter::failUndefined(const Value &v, SourceLoc loc) {
  std::string suggestion = v.undefinedSuggestion();
  fail(loc, v.undefinedMessage() + (suggestion.empty() ? "" : "; did you mean '" + suggestion + "'?"));
}

/// The conversion of `{{ }}`, `~` and the string filters.
std::string Interpreter::str(const Value &v, SourceLoc loc) {
  requireDefined(v, loc);
  return toStr(v);
}

/// Called before a string grows, so `'x' * 10**9` fails fast instead of
/// allocating.
void Interpreter::checkSize(size_t bytes, SourceLoc loc) {
  if (bytes > env_.limits().maxOutputBytes)
    fail(loc, "string of " + std::to_string(bytes) + " bytes exceeds the limit of " +
                  std::to_string(env_.limits().maxOutputBytes >> 20) + " MiB");
}

void Interpreter::checkItems(size_t items, SourceLoc loc) {
  if (items > env_.limits().maxListItems)
    fail(loc, "list of " + std::to_string(items) + " items exceeds the limit of " +
                  std::to_string(env_.limits().maxListItems));
}

/// Counts statements and loop iterations; a template that exceeds the
/// budget is stopped instead of hanging the compiler.
void Interpreter::step(SourceLoc loc) {
  if (++steps_ > env_.limits().maxSteps)
    fail(loc, "template execution exceeded " + std::to_string(env_.limits().maxSteps) +
                  " steps; is there a runaway loop?");
}

/// A preprocessed-text position as a true file location (spec section 12).
SourceLoc Interpreter::locOf(const CompiledTemplate *tmpl, Pos pos) const {
  if (!tmpl)
    return {};
  return tmpl->lines.at(pos.line, pos.col);
}

/// Records a block / include / macro for line-map contexts; frames are
/// never popped, since marks keep referring to them by index.
int32_t Interpreter::pushOriginFrame(std::string description, SourceLoc loc, int32_t parent) {
  originFrames_.push_back({std::move(description), loc, parent});
  return static_cast<int32_t>(originFrames_.size() - 1);
}

//===----------------------------------------------------------------------===//
// Output
//===----------------------------------------------------------------------===//

/// Appends text to a buffer with a mark for its start; a captured string
/// (macro output, super()) brings its own marks, shifted to their new
/// offsets, so its lines still map to where they were written.
void Interpreter::append(Output &out, const std::string &text, const OriginMarks *marks, const OriginMark &base) {
  if (text.empty())
    return;
  checkSize(out.text.size() + text.size(), currentLoc_);
  size_t offset = out.text.size();
  OriginMark first = base;
  first.offset = offset;
  out.marks.push_back(first);
  if (marks) {
    for (const OriginMark &m : *marks) {
      if (m.offset >= text.size())
        break;
      OriginMark shifted = m;
      shifted.offset += offset;
      out.marks.push_back(shifted);
    }
  }
  out.text += text;
}

/// Template text: its lines advance through the template's lines.
void Interpreter::write(const std::string &text, const FramePtr &frame, Pos pos, bool advances) {
  if (outputSuppressed(frame))
    return;
  OriginMark mark{0, &frame->tmpl->lines, pos.line, advances, frame->originFrame};
  append(outputs_.back(), text, nullptr, mark);
}

/// `{{ expr }}`: str(value) (spec section 4.3); an undefined value fails
/// here (StrictUndefined).
void Interpreter::writeValue(const Value &v, const FramePtr &frame, Pos pos) {
  if (outputSuppressed(frame))
    return;
  std::string text = str(v, locOf(frame->tmpl, pos));
  OriginMark mark{0, &frame->tmpl->lines, pos.line, false, frame->originFrame};
  const OriginMarks *marks = v.is(Value::Kind::Str) ? v.strMarks().get() : nullptr;
  append(outputs_.back(), text, marks, mark);
}

/// Output goes to a fresh buffer on the output stack; on error the buffer
/// is popped so the stack stays balanced.
Value Interpreter::capture(const Body &body, const FramePtr &frame) {
  outputs_.emplace_back();
  try {
    execBody(body, frame);
  } catch (...) {
    outputs_.pop_back();
    throw;
  }
  Output out = std::move(outputs_.back());
  outputs_.pop_back();
  return Value::str(std::move(out.text), std::make_shared<OriginMarks>(std::move(out.marks)));
}

//===----------------------------------------------------------------------===//
// Rendering templates and blocks
//===----------------------------------------------------------------------===//

/// Appends a template's blocks to the chains: called child first, then for
/// each parent as `extends` runs, so each chain is most-derived first.
static void addBlocks(Context &ctx, const CompiledTemplate &tmpl) {
  for (const Stmt *b : tmpl.ast->blocks)
    ctx.blocks[b->text].push_back({b, &tmpl});
}

/// A context for a root render, include or import, seeded with the
/// template's own blocks; kept in `contexts_` for teardown.
std::shared_ptr<Context> Interpreter::newContext(std::shared_ptr<const Dict> parent, const CompiledTemplate &tmpl) {
  auto ctx = std::make_shared<Context>();
  ctx->parent = std::move(parent);
  addBlocks(*ctx, tmpl);
  contexts_.push_back(ctx);
  return ctx;
}

/// The render arguments override the globals (spec section 4.2, layer 4);
/// both sit beneath the context's own variables.
RenderResult Interpreter::renderRoot(const CompiledTemplate &tmpl, const Dict &args) {
  auto parent = std::make_shared<Dict>(env_.globals());
  for (const auto &[k, v] : args.items())
    parent->set(k, v);
  auto ctx = newContext(parent, tmpl);
  // The root buffer; captures push and pop above it.
  outputs_.assign(1, Output{});
  renderTemplate(tmpl, ctx, pushOriginFrame("template '" + tmpl.lines.name + "'", {}, -1));
  RenderResult result;
  result.text = std::move(outputs_.back().text);
  result.marks = std::move(outputs_.back().marks);
  result.frames = std::move(originFrames_);
  return result;
}

void Interpreter::renderTemplate(const CompiledTemplate &tmpl, const std::shared_ptr<Context> &ctx,
                                 int32_t originFrame) {
  // An extends chain runs child first, then each parent with the same
  // context; it is walked iteratively so a long chain needs no deep stack.
  std::vector<const CompiledTemplate *> chain{&tmpl};
  const CompiledTemplate *current = &tmpl;
  std::vector<SourceLoc> extendSites;
  try {
    while (current) {
      ExtendState extend;
      auto frame = std::make_shared<Frame>();
      frame->context = ctx;
      frame->tmpl = current;
      frame->toplevel = true;
      frame->extend = &extend;
      frame->originFrame = originFrame;
      execBody(current->ast->body, frame);
      current = extend.parent;
      if (!current)
        break;
      // A template extending (indirectly) itself would loop forever.
      if (std::find(chain.begin(), chain.end(), current) != chain.end())
        fail(extend.at, "template '" + chain.back()->lines.name + "' extends '" + current->lines.name +
                            "', which is already in its extends chain (a cycle)");
      chain.push_back(current);
      extendSites.push_back(extend.at);
      originFrame = pushOriginFrame("template '" + current->lines.name + "'", extend.at, originFrame);
    }
  } catch (FatalError &e) {
    for (size_t i = extendSites.size(); i-- > 0;)
      e.diag().note(extendSites[i], "in template '" + chain[i + 1]->lines.name + "', extended by '" +
                                        chain[i]->lines.name + "' here");
    throw;
  }
}

/// Runs one definition of a block in a fresh local scope of the shared
/// context (a `set` inside a block stays local, spec section 4.5), with
/// `super` bound to the next definition in the chain.
void Interpreter::renderBlock(const std::string &name, size_t index, const std::shared_ptr<Context> &ctx,
                              SourceLoc callSite, int32_t callerFrame) {
  const BlockEntry entry = ctx->blocks[name][index];
  DepthGuard guard(*this, callSite);
  auto frame = std::make_shared<Frame>();
  frame->context = ctx;
  frame->tmpl = entry.tmpl;
  // A local of the block's scope: only code inside this block sees super().
  frame->locals["super"] = Value::callable(std::make_shared<SuperCallable>(name, index + 1, ctx));
  SourceLoc def = locOf(entry.tmpl, entry.block->pos);
  frame->originFrame = pushOriginFrame("block '" + name + "'", def, callerFrame);
  try {
    execBody(entry.block->bodies[0], frame);
  } catch (FatalError &e) {
    e.diag().note(def, "in block '" + name + "' of template '" + entry.tmpl->lines.name + "'");
    throw;
  }
}

//===----------------------------------------------------------------------===//
// Statements
//===----------------------------------------------------------------------===//

void Interpreter::execBody(const Body &body, const FramePtr &frame) {
  for (const StmtPtr &s : body)
    exec(*s, frame);
}

/// Dispatches one statement; `currentLoc_` is what errors raised deep in a
/// builtin report.
void Interpreter::exec(const Stmt &s, const FramePtr &frame) {
  currentLoc_ = locOf(frame->tmpl, s.pos);
  currentFrame_ = frame->originFrame;
  step(currentLoc_);
  switch (s.kind) {
  case StmtKind::Data:
    write(s.text, frame, s.pos, true);
    break;
  case StmtKind::Print:
    // Jinja does not even evaluate output after the template has extended.
    if (!outputSuppressed(frame))
      writeValue(eval(*s.expr, frame), frame, s.pos);
    break;
  case StmtKind::If:
    execIf(s, frame);
    break;
  case StmtKind::For:
    execFor(s, frame);
    break;
  case StmtKind::Block:
    execBlock(s, frame);
    break;
  case StmtKind::Extends:
    execExtends(s, frame);
    break;
  case StmtKind::Include:
    execInclude(s, frame);
    break;
  case StmtKind::Import:
  case StmtKind::FromImport:
    execImport(s, frame);
    break;
  case StmtKind::Set:
  case StmtKind::SetBlock:
    execSet(s, frame);
    break;
  case StmtKind::Macro:
    execMacro(s, frame);
    break;
  case StmtKind::FilterBlock:
    execFilterBlock(s, frame);
    break;
  case StmtKind::With:
    execWith(s, frame);
    break;
  }
}

/// A scope nested in `frame` that keeps its output check (loops, filters).
static FramePtr innerFrame(const FramePtr &frame) {
  auto inner = std::make_shared<Frame>();
  inner->parent = frame;
  inner->context = frame->context;
  inner->tmpl = frame->tmpl;
  inner->extend = frame->extend;
  inner->originFrame = frame->originFrame;
  return inner;
}

/// `if`/`elif`/`else`; a test that is undefined is an error (StrictUndefined
/// refuses truthiness). Bodies run in the same scope, as in Jinja.
void Interpreter::execIf(const Stmt &s, const FramePtr &frame) {
  for (size_t i = 0; i < s.tests.size(); ++i) {
    Value test = eval(*s.tests[i], frame);
    requireDefined(test, locOf(frame->tmpl, s.tests[i]->pos));
    if (truthy(test)) {
      execBody(s.bodies[i], frame);
      return;
    }
  }
  execBody(s.elseBody, frame);
}

/// `loop.index` and friends, as a dict (attribute access falls back to items).
static Value loopObject(size_t i, size_t n) {
  auto d = std::make_shared<Dict>();
  auto put = [&](const char *k, Value v) { d->set(Value::str(k), std::move(v)); };
  put("index", Value::integer(static_cast<int64_t>(i + 1)));
  put("index0", Value::integer(static_cast<int64_t>(i)));
  put("revindex", Value::integer(static_cast<int64_t>(n - i)));
  put("revindex0", Value::integer(static_cast<int64_t>(n - i - 1)));
  put("first", Value::boolean(i == 0));
  put("last", Value::boolean(i + 1 == n));
  put("length", Value::integer(static_cast<int64_t>(n)));
  return Value::dict(d);
}

/// Python iteration with tuple unpacking (`for k, v in d.items()`), the
/// optional `if` filter, `else` when nothing was iterated, and `loop` only
/// when the body mentions it. Loop variables do not leak out.
void Interpreter::execFor(const Stmt &s, const FramePtr &frame) {
  SourceLoc loc = locOf(frame->tmpl, s.pos);
  std::vector<Value> items = iterate(eval(*s.expr, frame), loc);
  FramePtr loopFrame = innerFrame(frame);
  auto bind = [&](const Value &item) {
    if (!s.unpack) {
      loopFrame->locals[s.targets[0]] = item;
      return;
    }
    std::vector<Value> parts = iterate(item, loc);
    if (parts.size() > s.targets.size())
      fail(loc, "too many values to unpack (expected " + std::to_string(s.targets.size()) + ")");
    if (parts.size() < s.targets.size())
      fail(loc, "not enough values to unpack (expected " + std::to_string(s.targets.size()) + ", got " +
                    std::to_string(parts.size()) + ")");
    for (size_t k = 0; k < parts.size(); ++k)
      loopFrame->locals[s.targets[k]] = parts[k];
  };
  if (s.filterCond) {
    std::vector<Value> kept;
    for (const Value &item : items) {
      bind(item);
      Value keep = eval(*s.filterCond, loopFrame);
      requireDefined(keep, loc);
      if (truthy(keep))
        kept.push_back(item);
    }
    items = std::move(kept);
  }
  for (size_t i = 0; i < items.size(); ++i) {
    step(loc);
    // Each iteration starts from a clean scope: nothing set in the body is
    // seen by the next iteration.
    loopFrame->locals.clear();
    bind(items[i]);
    if (s.usesLoopVariable)
      loopFrame->locals["loop"] = loopObject(i, items.size());
    execBody(s.bodies[0], loopFrame);
  }
  if (items.empty())
    execBody(s.elseBody, frame);
}

/// Reaching a block renders the first (most-derived) entry of its chain.
/// `required` fails unless some child overrides it (spec section 4.5).
void Interpreter::execBlock(const Stmt &s, const FramePtr &frame) {
  // A child's top-level blocks only fill the table; the parent renders them.
  if (frame->toplevel && outputSuppressed(frame))
    return;
  SourceLoc loc = locOf(frame->tmpl, s.pos);
  auto &chain = frame->context->blocks[s.text];
  if (s.required && chain.size() <= 1)
    fail(loc, "Required block '" + s.text + "' not found");
  if (chain.empty())
    fail(loc, "internal error: block '" + s.text + "' missing from the block table");
  renderBlock(s.text, 0, frame->context, loc, frame->originFrame);
}

/// `extends E` (E may be any expression, spec section 4.5): loads the
/// parent now, so its sub-templates register in execution order, and
/// records it; renderTemplate runs it once this top level is done.
void Interpreter::execExtends(const Stmt &s, const FramePtr &frame) {
  SourceLoc loc = locOf(frame->tmpl, s.pos);
  if (!frame->toplevel || !frame->extend)
    fail(loc, "cannot use extend from a non top-level scope");
  if (frame->extend->parent)
    // Jinja's runtime error: a template has one parent.
    fail(loc, "extended multiple times");
  const CompiledTemplate *parent = loadNoted(eval(*s.expr, frame), loc, false,
                                             "extended by '" + frame->tmpl->lines.name + "' here");
  frame->extend->parent = parent;
  frame->extend->at = loc;
  // Appended after the child's entries: overrides come first in each chain.
  addBlocks(*frame->context, *parent);
}

/// The template named by a runtime value: `extends`, `include` and
/// `import` all take expressions (spec section 4.5).
const CompiledTemplate *Interpreter::loadByValue(const Value &target, SourceLoc loc, bool ignoreMissing) {
  requireDefined(target, loc);
  // A list of names selects the first that exists (Jinja's select_template).
  std::vector<Value> names = target.isSequence() ? target.asList() : std::vector<Value>{target};
  for (const Value &name : names) {
    if (!name.is(Value::Kind::Str))
      fail(loc, "template name must be a string, not '" + name.typeName() + "'");
    if (const CompiledTemplate *t = env_.tryGet(name.asStr(), loc))
      return t;
  }
  if (ignoreMissing)
    return nullptr;
  if (target.isSequence()) {
    std::string list;
    for (const Value &n : names)
      list += (list.empty() ? "" : ", ") + toStr(n);
    fail(loc, "TemplatesNotFound: none of the templates given were found: " + list);
  }
  fail(loc, "TemplateNotFound: " + target.asStr());
}

const CompiledTemplate *Interpreter::loadNoted(const Value &target, SourceLoc loc, bool ignoreMissing,
                                               const std::string &how) {
  try {
    return loadByValue(target, loc, ignoreMissing);
  } catch (FatalError &e) {
    // Errors inside the loaded template (syntax, encoding) say who loaded it.
    if (e.diag().loc.file != loc.file || e.diag().loc.line != loc.line)
      e.diag().note(loc, "in template '" + (target.is(Value::Kind::Str) ? target.asStr() : toStr(target)) + "' " + how);
    throw;
  }
}

/// Flattens the locals visible from a frame (innermost wins).
static void collectLocals(const FramePtr &frame, Dict &into) {
  std::vector<const Frame *> chain;
  for (const Frame *f = frame.get(); f; f = f->parent.get())
    chain.push_back(f);
  for (auto it = chain.rbegin(); it != chain.rend(); ++it)
    for (const auto &[k, v] : (*it)->locals)
      // `super` belongs to the includer's block; the included template has none.
      if (k != "super")
        into.set(Value::str(k), v);
}

/// `include` renders the target with the current context plus locals, in
/// a new context of its own (spec section 4.5); only mutations of shared
/// objects (namespaces) are visible to the includer afterwards.
void Interpreter::execInclude(const Stmt &s, const FramePtr &frame) {
  SourceLoc loc = locOf(frame->tmpl, s.pos);
  const CompiledTemplate *found = loadNoted(eval(*s.expr, frame), loc, s.ignoreMissing, "included from here");
  if (!found)
    return;
  const CompiledTemplate &tmpl = *found;
  DepthGuard guard(*this, loc);
  // The included template sees everything the includer sees, but its own
  // assignments stay in its own context.
  auto parent = std::make_shared<Dict>(*frame->context->parent);
  if (s.withContext) {
    for (const auto &[k, v] : frame->context->vars)
      parent->set(Value::str(k), v);
    collectLocals(frame, *parent);
  } else {
    // `without context`: globals only.
    *parent = env_.globals();
  }
  auto ctx = newContext(parent, tmpl);
  try {
    renderTemplate(tmpl, ctx, pushOriginFrame("template '" + tmpl.lines.name + "'", loc, frame->originFrame));
  } catch (FatalError &e) {
    e.diag().note(loc, "in template '" + tmpl.lines.name + "' included from here");
    throw;
  }
}

/// `import` / `from ... import` render the template without context
/// (globals only), as Jinja's default does (spec section 4.5).
Value Interpreter::importModule(const CompiledTemplate &tmpl, SourceLoc loc) {
  DepthGuard guard(*this, loc);
  auto ctx = newContext(std::make_shared<Dict>(env_.globals()), tmpl);
  // The module's own output is discarded; only its exported names matter.
  outputs_.emplace_back();
  try {
    renderTemplate(tmpl, ctx, pushOriginFrame("template '" + tmpl.lines.name + "'", loc, -1));
  } catch (FatalError &e) {
    outputs_.pop_back();
    e.diag().note(loc, "in template '" + tmpl.lines.name + "' imported here");
    throw;
  }
  outputs_.pop_back();
  auto module = std::make_shared<Dict>();
  std::vector<std::string> names;
  for (const auto &kv : ctx->vars)
    names.push_back(kv.first);
  // Sorted so the module's contents do not depend on hash order.
  std::sort(names.begin(), names.end());
  for (const std::string &n : names)
    // Jinja does not export names starting with an underscore.
    if (n.empty() || n[0] != '_')
      module->set(Value::str(n), ctx->vars[n]);
  return Value::dict(module);
}

/// `import x as m` binds the module; `from x import a as b` binds names,
/// a missing one as an undefined value (an error only when used).
void Interpreter::execImport(const Stmt &s, const FramePtr &frame) {
  SourceLoc loc = locOf(frame->tmpl, s.pos);
  if (s.withContext)
    fail(loc, "imports 'with context' are not supported by fgcc");
  const CompiledTemplate *found = loadNoted(eval(*s.expr, frame), loc, false, "imported here");
  const CompiledTemplate &tmpl = *found;
  Value module = importModule(tmpl, loc);
  if (s.kind == StmtKind::Import) {
    assign(frame, s.text, module);
    return;
  }
  for (const auto &[name, alias] : s.imports) {
    const Value *v = module.asDict().find(Value::str(name));
    assign(frame, alias,
           v ? *v : Value::undefined("the template '" + tmpl.lines.name + "' does not export the requested name '" + name + "'"));
  }
}

/// A top-level `set` exports to the context, visible to every template in
/// the chain; elsewhere it is local to the block, macro or loop.
void Interpreter::assign(const FramePtr &frame, const std::string &name, Value v) {
  if (frame->toplevel)
    frame->context->vars[name] = v;
  frame->locals[name] = std::move(v);
}

/// `set x = v`, `set ns.attr = v` (Jinja's NSRef: only a namespace takes
/// attribute assignment), or a block `set` capturing its body.
void Interpreter::execSet(const Stmt &s, const FramePtr &frame) {
  SourceLoc loc = locOf(frame->tmpl, s.pos);
  Value value;
  if (s.kind == StmtKind::SetBlock) {
    value = capture(s.bodies[0], frame);
    if (s.filterChain)
      value = evalFilter(*s.filterChain, value, frame);
  } else {
    value = eval(*s.expr, frame);
  }
  if (!s.attributeTarget) {
    assign(frame, s.targets[0], std::move(value));
    return;
  }
  Value target = lookup(s.targets[0], frame);
  if (!target.is(Value::Kind::Namespace))
    // Spec section 4.5: typically a child template setting `ns.x` at top
    // level, before its root template has created `ns`.
    fail(loc, "cannot assign attribute on non-namespace object");
  target.asNamespace().attrs.set(Value::str(s.targets[1]), std::move(value));
}

/// A macro closes over the frame it is defined in; the frame is remembered
/// so the destructor can break the cycle.
void Interpreter::execMacro(const Stmt &s, const FramePtr &frame) {
  macroFrames_.push_back(frame);
  assign(frame, s.text, Value::callable(std::make_shared<MacroCallable>(s, frame)));
}

/// `filter f` ... `endfilter`: renders the body, applies the chain, and
/// writes the result (spec section 4.4: the `trim` that wraps sections).
void Interpreter::execFilterBlock(const Stmt &s, const FramePtr &frame) {
  // Jinja writes a filter block's result even after the template extended
  // (only plain output is checked), and blocks inside it still render.
  FramePtr inner = innerFrame(frame);
  Value body = capture(s.bodies[0], inner);
  Value result = evalFilter(*s.filterChain, body, inner);
  std::string text = str(result, locOf(frame->tmpl, s.pos));
  OriginMark mark{0, &frame->tmpl->lines, s.pos.line, false, frame->originFrame};
  append(outputs_.back(), text, result.is(Value::Kind::Str) ? result.strMarks().get() : nullptr, mark);
}

/// `with`: values are evaluated in the outer scope, then bound in a new one.
void Interpreter::execWith(const Stmt &s, const FramePtr &frame) {
  FramePtr inner = innerFrame(frame);
  for (size_t i = 0; i < s.targets.size(); ++i)
    inner->locals[s.targets[i]] = eval(*s.values[i], frame);
  execBody(s.bodies[0], inner);
}

} // namespace fgcc::render
