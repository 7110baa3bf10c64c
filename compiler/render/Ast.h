//===- Ast.h - Syntax tree of a Jinja template ----------------------------===//
//
// The parser produces these nodes; the interpreter walks them. Expressions and
// statements are separate hierarchies with a kind tag and plain members, so
// the interpreter can dispatch with a switch and no virtual calls.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "render/Value.h"

#include <memory>
#include <string>
#include <vector>

namespace fgcc::render {

/// Position of a node in the preprocessed text of its template (1-based).
struct Pos {
  uint32_t line = 1;
  uint32_t col = 1;
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

/// A `name=value` argument of a call, filter or test.
struct Keyword {
  std::string name;
  ExprPtr value;
};

/// Call-like argument lists (calls, filters, tests).
struct ArgList {
  std::vector<ExprPtr> positional;
  std::vector<Keyword> keywords;
  ExprPtr starArgs;   ///< *args
  ExprPtr starKwargs; ///< **kwargs
};

/// Expression kinds; the comments say how `operands` is laid out.
enum class ExprKind : uint8_t {
  Const,     ///< value
  Name,      ///< name
  Getattr,   ///< object.name
  Getitem,   ///< object[index]
  Slice,     ///< [a:b:c] inside Getitem: operands start/stop/step (may be null)
  Call,      ///< object(args)
  Filter,    ///< object | name(args)
  Test,      ///< object is [not] name(args)
  Binary,    ///< operands[0] op operands[1]
  Unary,     ///< op operands[0]  (-, +, not)
  Compare,   ///< operands[0] ops[0] operands[1] ops[1] ...
  And,
  Or,
  CondExpr,  ///< operands: then, cond, else (else may be null)
  List,
  Tuple,
  Dict,      ///< operands: k0, v0, k1, v1, ...
  Concat,    ///< a ~ b ~ c
};

/// One expression node; which members are used depends on `kind`.
struct Expr {
  ExprKind kind;
  Pos pos;
  Value value;                   ///< Const
  std::string name;              ///< Name, Getattr, Filter, Test; operator of Binary/Unary
  std::vector<std::string> ops;  ///< Compare operators
  std::vector<ExprPtr> operands; ///< subexpressions, see ExprKind
  ArgList args;                  ///< Call, Filter, Test
  bool negated = false;          ///< Test: `is not`
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

/// Statement kinds: the Jinja subset of spec section 5.4 plus a few cheap
/// extras (`with`, block `set`, `import ... as`).
enum class StmtKind : uint8_t {
  Data,       ///< text
  Print,      ///< {{ expr }}
  If,         ///< tests[i] -> bodies[i]; else = elseBody
  For,        ///< targets in expr (filter cond) body / else
  Block,      ///< name body (required, scoped)
  Extends,    ///< expr
  Include,    ///< expr (ignoreMissing, withContext)
  Import,     ///< `import expr as name`
  FromImport, ///< `from expr import a as b, ...`
  Macro,      ///< name(params) body
  Set,        ///< target = expr  (target may be ns.attr)
  SetBlock,   ///< set target %} body {% endset
  FilterBlock,///< filter chain over body
  With,       ///< with assignments body
};

/// A macro parameter; its default is evaluated at each call.
struct MacroParam {
  std::string name;
  ExprPtr defaultValue; ///< may be null
};

/// One statement node; which members are used depends on `kind`.
struct Stmt {
  StmtKind kind;
  Pos pos;
  std::string text;                 ///< Data text; Block/Macro name
  ExprPtr expr;                     ///< Print, For iterable, Extends/Include target, Set value
  std::vector<ExprPtr> tests;       ///< If conditions (if, elif...)
  std::vector<Body> bodies;         ///< If bodies; [0] is the body for other kinds
  Body elseBody;                    ///< If/For else
  std::vector<std::string> targets; ///< For loop names; Set: name or {ns, attr}; With names
  std::vector<ExprPtr> values;      ///< With values
  ExprPtr filterCond;               ///< For ... if cond
  ExprPtr filterChain;              ///< FilterBlock: Filter exprs applied to a placeholder
  std::vector<MacroParam> params;   ///< Macro
  std::vector<std::pair<std::string, std::string>> imports; ///< FromImport (name, alias)
  bool required = false;            ///< Block
  bool scoped = false;              ///< Block
  bool ignoreMissing = false;       ///< Include
  bool withContext = true;          ///< Include / Import
  bool attributeTarget = false;     ///< Set: targets = {object, attribute}
  bool unpack = false;              ///< For: target was written as a tuple
  bool usesLoopVariable = false;    ///< For: the body mentions `loop`
};

/// A parsed template: its top-level body and every block it defines,
/// including blocks nested in other blocks or in control flow.
struct TemplateAst {
  Body body;
  std::vector<const Stmt *> blocks; ///< in definition order
  /// The block definition named `name` in this template, or null.
  const Stmt *block(std::string_view name) const {
    for (const Stmt *b : blocks)
      if (b->text == name)
        return b;
    return nullptr;
  }
};

} // namespace fgcc::render
