//===- Parser.cpp - Jinja2 template parser --------------------------------===//
#include "render/Parser.h"

#include "render/Origin.h"
#include "support/Diagnostics.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>

namespace fgcc::render {

namespace {

/// Deeper nesting than this is refused instead of overflowing the stack.
constexpr int kMaxDepth = 200;

/// Comparison operators spelt as operator tokens; `in` and `not in` are
/// names and are recognised separately.
const std::set<std::string_view> kCompareOps = {"==", "!=", "<", "<=", ">", ">="};

/// Jinja's `describe_token`: names are shown by value, other tokens by type.
std::string describe(const Token &t) {
  switch (t.kind) {
  case TokenKind::Name:
  case TokenKind::Operator:
    return t.text;
  case TokenKind::String:
    return "string";
  case TokenKind::Integer:
    return "integer";
  case TokenKind::Float:
    return "float";
  case TokenKind::Data:
    return "template data / text";
  case TokenKind::VariableBegin:
    return "begin of print statement";
  case TokenKind::VariableEnd:
    return "end of print statement";
  case TokenKind::BlockBegin:
    return "begin of statement block";
  case TokenKind::BlockEnd:
    return "end of statement block";
  case TokenKind::Eof:
    return "end of template";
  }
  return "token";
}

/// One parser per template. Statements record which tags close them so
/// errors can use Jinja's own wording ("Jinja was looking for ..."), which
/// users can search for (spec section 12).
class Parser {
public:
  Parser(const std::vector<Token> &tokens, const TemplateLines &lines, const ParserRegistry &reg)
      : toks_(tokens), lines_(lines), reg_(reg) {}

  /// The top level is a body with no end tags: it runs to the end of input.
  std::unique_ptr<TemplateAst> run() {
    ast_ = std::make_unique<TemplateAst>();
    ast_->body = subparse({});
    return std::move(ast_);
  }

private:
  //===--- token stream ---===//

  const Token &cur() const { return toks_[pos_]; }
  /// Clamped to the final Eof token, so lookahead never runs off the end.
  const Token &peek(size_t n = 1) const { return toks_[std::min(pos_ + n, toks_.size() - 1)]; }
  /// Advances, but never past the final Eof token.
  void next() {
    if (pos_ + 1 < toks_.size())
      ++pos_;
  }
  Pos here() const { return {cur().line, cur().col}; }

  bool isOp(const char *op) const { return cur().kind == TokenKind::Operator && cur().text == op; }
  bool isName(const char *n) const { return cur().kind == TokenKind::Name && cur().text == n; }
  /// Consumes operator `op` if it comes next; says whether it did.
  bool skipOp(const char *op) {
    if (!isOp(op))
      return false;
    next();
    return true;
  }
  bool skipName(const char *n) {
    if (!isName(n))
      return false;
    next();
    return true;
  }

  /// Throws at the file location of token `at`.
  [[noreturn]] void fail(const Token &at, const std::string &message) const {
    throw FatalError(lines_.at(at.line, at.col), message);
  }
  /// Jinja's "expected token 'x', got 'y'".
  [[noreturn]] void unexpected(const std::string &expected) const {
    fail(cur(), "expected token '" + expected + "', got '" + describe(cur()) + "'");
  }
  void expectOp(const char *op) {
    if (!skipOp(op))
      unexpected(op);
  }
  void expectBlockEnd() {
    if (cur().kind != TokenKind::BlockEnd)
      unexpected("end of statement block");
    next();
  }
  /// Consumes a name token and returns its text.
  std::string expectName() {
    if (cur().kind != TokenKind::Name)
      unexpected("name");
    std::string n = cur().text;
    next();
    return n;
  }

  /// Bounds recursion on hostile input (deeply nested brackets or blocks).
  struct DepthGuard {
    DepthGuard(Parser &p) : p(p) {
      if (++p.depth_ > kMaxDepth)
        p.fail(p.cur(), "template nesting is deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    ~DepthGuard() { --p.depth_; }
    Parser &p;
  };

  //===--- statements ---===//

  /// Parses until a `{% name` with name in `endTokens` (left unconsumed,
  /// positioned at the name) or the end of the template.
  Body subparse(const std::vector<std::string> &endTokens) {
    DepthGuard guard(*this);
    endStack_.push_back(endTokens);
    struct Pop {
      std::vector<std::vector<std::string>> &s;
      ~Pop() { s.pop_back(); }
    } pop{endStack_};
    Body body;
    while (cur().kind != TokenKind::Eof) {
      const Token &t = cur();
      if (t.kind == TokenKind::Data) {
        auto s = std::make_unique<Stmt>();
        s->kind = StmtKind::Data;
        s->pos = here();
        s->text = t.text;
        body.push_back(std::move(s));
        next();
      } else if (t.kind == TokenKind::VariableBegin) {
        next();
        auto s = std::make_unique<Stmt>();
        s->kind = StmtKind::Print;
        s->pos = here();
        // `{{ a, b }}` prints a tuple, as in Jinja.
        s->expr = parseTuple(true);
        if (cur().kind != TokenKind::VariableEnd)
          unexpected("end of print statement");
        next();
        body.push_back(std::move(s));
      } else if (t.kind == TokenKind::BlockBegin) {
        next();
        if (cur().kind == TokenKind::Name)
          for (const std::string &e : endTokens)
            if (cur().text == e)
              return body;
        body.push_back(parseStatement(endTokens));
        // Every statement leaves its closing `%}` to be consumed here.
        expectBlockEnd();
      } else {
        fail(t, "internal error: unexpected token");
      }
    }
    if (!endTokens.empty())
      failUnclosed(endTokens);
    return body;
  }

  /// Jinja's message for a statement still open at the end of the template.
  [[noreturn]] void failUnclosed(const std::vector<std::string> &endTokens) {
    std::string expected;
    for (size_t i = 0; i < endTokens.size(); ++i)
      expected += (i ? " or " : "") + ("'" + endTokens[i] + "'");
    fail(cur(), "Unexpected end of template. Jinja was looking for the following tags: " + expected +
                    ". The innermost block that needs to be closed is '" + openTags_.back() + "'.");
  }

  /// Body of a statement: optional `:`, `%}`, statements, then the end tag.
  Body parseStatements(const std::vector<std::string> &endTokens, bool dropNeedle) {
    // Jinja tolerates a Python-style colon before `%}` (`-- if x:`, spec
    // section 4.1); the template library writes some statements that way.
    skipOp(":");
    expectBlockEnd();
    Body body = subparse(endTokens);
    if (dropNeedle)
      next();
    return body;
  }

  StmtPtr make(StmtKind kind, Pos pos) {
    auto s = std::make_unique<Stmt>();
    s->kind = kind;
    s->pos = pos;
    return s;
  }

  /// Dispatches on the tag name after `{%`. Tags fgcc does not implement
  /// (spec section 5.4's "0" rows) get a clear "not supported" error.
  StmtPtr parseStatement(const std::vector<std::string> &outerEnds) {
    const Token &t = cur();
    if (t.kind != TokenKind::Name)
      fail(t, "tag name expected");
    std::string tag = t.text;
    Pos pos = here();
    openTags_.push_back(tag);
    // Loops, blocks, macros, filters and `with` open a new scope; `if` does not.
    // Tracked only for `extends`, which Jinja refuses inside any scope.
    bool newScope = tag == "for" || tag == "block" || tag == "macro" || tag == "filter" || tag == "with" || tag == "set";
    struct ScopeGuard {
      int &depth;
      bool on;
      ~ScopeGuard() {
        if (on)
          --depth;
      }
    } scope{scopeDepth_, newScope};
    if (newScope)
      ++scopeDepth_;
    StmtPtr s;
    if (tag == "for") s = parseFor(pos);
    else if (tag == "if") s = parseIf(pos);
    else if (tag == "block") s = parseBlock(pos);
    else if (tag == "extends") s = parseExtends(pos);
    else if (tag == "include") s = parseInclude(pos);
    else if (tag == "import") s = parseImport(pos);
    else if (tag == "from") s = parseFrom(pos);
    else if (tag == "set") s = parseSet(pos);
    else if (tag == "macro") s = parseMacro(pos);
    else if (tag == "filter") s = parseFilterBlock(pos);
    else if (tag == "with") s = parseWith(pos);
    else if (tag == "print") s = parsePrintStmt(pos);
    else if (tag == "call" || tag == "autoescape" || tag == "raw" || tag == "trans")
      fail(t, "the '" + tag + "' tag is not supported by fgcc");
    else
      failUnknownTag(t, outerEnds);
    openTags_.pop_back();
    return s;
  }

  /// Jinja's `fail_unknown_tag`: mentions a nesting mistake when the tag
  /// ends some enclosing statement, else what it was looking for.
  [[noreturn]] void failUnknownTag(const Token &t, const std::vector<std::string> &outerEnds) {
    std::string msg = "Encountered unknown tag '" + t.text + "'.";
    std::string looking;
    for (size_t i = 0; i < outerEnds.size(); ++i)
      looking += (i ? " or " : "") + ("'" + outerEnds[i] + "'");
    bool nesting = false;
    for (const auto &level : endStack_)
      for (const std::string &e : level)
        nesting = nesting || e == t.text;
    if (nesting)
      msg += " You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for " +
             looking + ".";
    else if (!outerEnds.empty())
      msg += " Jinja was looking for the following tags: " + looking + ".";
    if (!outerEnds.empty() && openTags_.size() >= 2)
      msg += " The innermost block that needs to be closed is '" + openTags_[openTags_.size() - 2] + "'.";
    fail(t, msg);
  }

  /// `for a[, b...] in expr [if cond]` with `else`. Whether the body mentions
  /// `loop` is noted here so the interpreter builds `loop` only when needed.
  StmtPtr parseFor(Pos pos) {
    next();
    auto s = make(StmtKind::For, pos);
    // Targets: a name or a tuple of names, optionally parenthesized.
    bool paren = skipOp("(");
    s->targets.push_back(expectName());
    while (skipOp(",")) {
      s->unpack = true;
      if (cur().kind != TokenKind::Name)
        break;
      s->targets.push_back(expectName());
    }
    if (paren) {
      s->unpack = true;
      expectOp(")");
    }
    if (!skipName("in"))
      unexpected("in");
    // No conditional expression here: an `if` after the iterable is the loop
    // filter, as in Jinja's parse_for.
    s->expr = parseTuple(false, {"recursive"});
    if (skipName("if"))
      s->filterCond = parseExpression();
    if (isName("recursive"))
      fail(cur(), "recursive loops are not supported by fgcc");
    size_t bodyBegin = pos_;
    s->bodies.push_back(parseStatements({"endfor", "else"}, false));
    // A token scan, not scope analysis: a `loop` anywhere in the body (even an
    // inner loop's) counts; over-approximating only costs building the dict.
    for (size_t t = bodyBegin; t < pos_; ++t)
      if (toks_[t].kind == TokenKind::Name && toks_[t].text == "loop")
        s->usesLoopVariable = true;
    if (skipName("else"))
      s->elseBody = parseStatements({"endfor"}, true);
    else
      next();
    return s;
  }

  /// `if` / `elif` / `else` / `endif`.
  StmtPtr parseIf(Pos pos) {
    next();
    auto s = make(StmtKind::If, pos);
    while (true) {
      // Conditions take no inline if-expression, as in Jinja's parse_if.
      s->tests.push_back(parseTuple(false));
      s->bodies.push_back(parseStatements({"elif", "else", "endif"}, false));
      if (skipName("elif"))
        continue;
      if (skipName("else"))
        s->elseBody = parseStatements({"endif"}, true);
      else
        next();
      break;
    }
    return s;
  }

  /// `block name [scoped] [required]`; a second block of the same name in
  /// one template is Jinja's compile error (spec section 4.5).
  StmtPtr parseBlock(Pos pos) {
    next();
    auto s = make(StmtKind::Block, pos);
    // The block's position is its name, where "in block 'x'" notes point.
    s->pos = here();
    s->text = expectName();
    if (ast_->block(s->text))
      fail(toks_[pos_ - 1], "block '" + s->text + "' defined twice");
    s->scoped = skipName("scoped");
    s->required = skipName("required");
    // Jinja's hint for a hyphenated block name such as `train-args`.
    if (isOp("-"))
      fail(cur(), "Use an underscore instead");
    s->bodies.push_back(parseStatements({"endblock"}, true));
    // `endblock NAME`: a matching name is skipped; anything else is left for
    // the statement end check, as Jinja does.
    skipName(s->text.c_str());
    if (s->required)
      checkRequiredBody(*s);
    ast_->blocks.push_back(s.get());
    return s;
  }

  /// A required block may hold only whitespace (comments are gone already).
  void checkRequiredBody(const Stmt &block) {
    for (const StmtPtr &child : block.bodies[0]) {
      bool blank = child->kind == StmtKind::Data &&
                   child->text.find_first_not_of(" \t\r\n\f\v") == std::string::npos;
      if (!blank)
        throw FatalError(lines_.at(child->pos.line, child->pos.col),
                         "Required blocks can only contain comments or whitespace");
    }
  }

  /// `extends expr`: a literal name or any expression (`ns.trainer_class`).
  StmtPtr parseExtends(Pos pos) {
    // Jinja checks this when compiling, so even code that never runs fails.
    if (scopeDepth_ > 0)
      fail(cur(), "cannot use extend from a non top-level scope");
    next();
    auto s = make(StmtKind::Extends, pos);
    s->expr = parseExpression();
    return s;
  }

  /// `with context` / `without context` after include and import.
  void parseContextModifier(Stmt &s, bool defaultValue) {
    s.withContext = defaultValue;
    if ((isName("with") || isName("without")) && peek().kind == TokenKind::Name && peek().text == "context") {
      s.withContext = cur().text == "with";
      next();
      next();
    }
  }

  /// `include expr [ignore missing] [with|without context]`; the template
  /// library only uses literal names with context (spec section 5.1).
  StmtPtr parseInclude(Pos pos) {
    next();
    auto s = make(StmtKind::Include, pos);
    s->expr = parseExpression();
    if (isName("ignore") && peek().kind == TokenKind::Name && peek().text == "missing") {
      s->ignoreMissing = true;
      next();
      next();
    }
    parseContextModifier(*s, true);
    return s;
  }

  /// `import expr as name`; without context by default, as in Jinja.
  StmtPtr parseImport(Pos pos) {
    next();
    auto s = make(StmtKind::Import, pos);
    s->expr = parseExpression();
    if (!skipName("as"))
      unexpected("as");
    s->text = expectName();
    parseContextModifier(*s, false);
    return s;
  }

  /// `from expr import a [as b], ...`: how the template library binds its
  /// formatting macros (spec section 4.5).
  StmtPtr parseFrom(Pos pos) {
    next();
    auto s = make(StmtKind::FromImport, pos);
    s->expr = parseExpression();
    if (!skipName("import"))
      unexpected("import");
    s->withContext = false;
    while (true) {
      if ((isName("with") || isName("without")) && peek().kind == TokenKind::Name && peek().text == "context") {
        parseContextModifier(*s, false);
        break;
      }
      // Names until `with/without context` or the tag end; a trailing comma
      // is accepted.
      if (!s->imports.empty() && !skipOp(","))
        break;
      if (cur().kind != TokenKind::Name)
        break;
      const Token &nameTok = cur();
      std::string name = expectName();
      if (!name.empty() && name[0] == '_')
        // Jinja's compile-time message (private macros are not exported).
        fail(nameTok, "names starting with an underline can not be imported");
      std::string alias = name;
      if (skipName("as"))
        alias = expectName();
      s->imports.emplace_back(name, alias);
    }
    if (s->imports.empty())
      unexpected("name");
    return s;
  }

  /// `set x = v`, `set ns.attr = v` (Jinja's NSRef), or the block form. The
  /// template library uses only the first two (spec section 5.1).
  StmtPtr parseSet(Pos pos) {
    next();
    auto s = make(StmtKind::Set, pos);
    if (cur().kind != TokenKind::Name)
      fail(cur(), "Expected an expression, got '" + describe(cur()) + "'");
    s->targets.push_back(expectName());
    if (skipOp(".")) {
      s->attributeTarget = true;
      s->targets.push_back(expectName());
    } else if (isOp(",")) {
      fail(cur(), "tuple unpacking in 'set' is not supported by fgcc");
    }
    // `set x = a, b` assigns a tuple, as in Jinja.
    if (skipOp("=")) {
      s->expr = parseTuple(true);
      return s;
    }
    // Block set: {% set x %}...{% endset %}, optionally with filters.
    s->kind = StmtKind::SetBlock;
    if (isOp("|"))
      s->filterChain = parseFilterChain();
    s->bodies.push_back(parseStatements({"endset"}, true));
    return s;
  }

  /// `macro name(a, b=default, ...)`: parameters with defaults must come last,
  /// as in Python.
  StmtPtr parseMacro(Pos pos) {
    next();
    auto s = make(StmtKind::Macro, pos);
    s->text = expectName();
    expectOp("(");
    // Parameters up to the `)`; a trailing comma is accepted.
    bool sawDefault = false;
    while (!isOp(")")) {
      if (!s->params.empty())
        expectOp(",");
      if (isOp(")"))
        break;
      MacroParam p;
      p.name = expectName();
      if (skipOp("=")) {
        p.defaultValue = parseExpression();
        sawDefault = true;
      } else if (sawDefault) {
        fail(toks_[pos_ - 1], "non-default argument follows default argument");
      }
      s->params.push_back(std::move(p));
    }
    next();
    s->bodies.push_back(parseStatements({"endmacro"}, true));
    // `endmacro name` is tolerated.
    if (cur().kind == TokenKind::Name)
      next();
    return s;
  }

  /// `| f(args) | g` chain applied to an implicit operand (filter blocks).
  ExprPtr parseFilterChain() {
    ExprPtr node;
    while (skipOp("|") || !node) {
      node = parseFilter(std::move(node));
      if (!isOp("|"))
        break;
    }
    return node;
  }

  /// `filter f(args) | g` ... `endfilter`: 49 `-- filter trim()` in the
  /// template library, plus those generated by `[x!]` (spec section 3.2).
  StmtPtr parseFilterBlock(Pos pos) {
    next();
    auto s = make(StmtKind::FilterBlock, pos);
    s->filterChain = parseFilterChain();
    s->bodies.push_back(parseStatements({"endfilter"}, true));
    return s;
  }

  /// `with a = x, b = y` ... `endwith`.
  StmtPtr parseWith(Pos pos) {
    next();
    auto s = make(StmtKind::With, pos);
    while (cur().kind != TokenKind::BlockEnd && !isOp(":")) {
      if (!s->targets.empty())
        expectOp(",");
      s->targets.push_back(expectName());
      expectOp("=");
      s->values.push_back(parseExpression());
    }
    s->bodies.push_back(parseStatements({"endwith"}, true));
    return s;
  }

  /// `{% print expr %}`, the statement form of `{{ expr }}`.
  StmtPtr parsePrintStmt(Pos pos) {
    next();
    auto s = make(StmtKind::Print, pos);
    s->expr = parseTuple(true);
    return s;
  }

  //===--- expressions ---===//

  ExprPtr makeExpr(ExprKind kind, Pos pos) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->pos = pos;
    return e;
  }

  /// A comma-separated list becomes a tuple; a single item stays itself.
  /// `withCondExpr` is false where a following `if` belongs to the statement
  /// (for filters, if tests); `explicitParens` allows `()`, the empty tuple.
  ExprPtr parseTuple(bool withCondExpr, const std::vector<std::string> &extraEnds = {},
                     bool explicitParens = false) {
    Pos pos = here();
    std::vector<ExprPtr> items;
    bool sawComma = false;
    while (true) {
      if (!items.empty()) {
        if (!skipOp(","))
          break;
        sawComma = true;
      }
      if (tupleEnds(extraEnds))
        break;
      items.push_back(withCondExpr ? parseExpression() : parseOr());
    }
    if (!sawComma) {
      if (!items.empty())
        return std::move(items[0]);
      if (!explicitParens)
        fail(cur(), "Expected an expression, got '" + describe(cur()) + "'");
    }
    auto t = makeExpr(ExprKind::Tuple, pos);
    t->operands = std::move(items);
    return t;
  }

  /// Where an unparenthesised tuple stops: a tag end, `)`, or a keyword the
  /// enclosing statement is waiting for (`recursive` after a for target).
  bool tupleEnds(const std::vector<std::string> &extraEnds) const {
    const Token &t = cur();
    if (t.kind == TokenKind::VariableEnd || t.kind == TokenKind::BlockEnd || t.kind == TokenKind::Eof)
      return true;
    if (t.kind == TokenKind::Operator && t.text == ")")
      return true;
    if (t.kind == TokenKind::Name)
      for (const std::string &e : extraEnds)
        if (t.text == e)
          return true;
    return false;
  }

  /// A full expression, inline if/else included.
  ExprPtr parseExpression() {
    DepthGuard guard(*this);
    return parseCondExpr();
  }

  /// `a if cond [else b]`; without else the result is undefined when false.
  ExprPtr parseCondExpr() {
    ExprPtr expr = parseOr();
    while (isName("if")) {
      Pos pos = here();
      next();
      ExprPtr cond = parseOr();
      ExprPtr otherwise;
      if (skipName("else"))
        otherwise = parseCondExpr();
      auto c = makeExpr(ExprKind::CondExpr, pos);
      c->operands.push_back(std::move(expr));
      c->operands.push_back(std::move(cond));
      c->operands.push_back(std::move(otherwise));
      expr = std::move(c);
    }
    return expr;
  }

  /// A two-operand node; `op` names the operator of Binary nodes.
  ExprPtr binary(ExprKind kind, ExprPtr left, ExprPtr right, Pos pos, std::string op = {}) {
    auto e = makeExpr(kind, pos);
    e->name = std::move(op);
    e->operands.push_back(std::move(left));
    e->operands.push_back(std::move(right));
    return e;
  }

  // Jinja's precedence, loosest first: or, and, not, comparisons, + and -,
  // ~, * / // %, **, unary, then postfix, filters and tests.

  /// `a or b`.
  ExprPtr parseOr() {
    ExprPtr left = parseAnd();
    while (isName("or")) {
      Pos pos = here();
      next();
      left = binary(ExprKind::Or, std::move(left), parseAnd(), pos);
    }
    return left;
  }

  /// `a and b`.
  ExprPtr parseAnd() {
    ExprPtr left = parseNot();
    while (isName("and")) {
      Pos pos = here();
      next();
      left = binary(ExprKind::And, std::move(left), parseNot(), pos);
    }
    return left;
  }

  /// `not a`, possibly repeated (`not not a`).
  ExprPtr parseNot() {
    if (isName("not")) {
      DepthGuard guard(*this);
      Pos pos = here();
      next();
      auto e = makeExpr(ExprKind::Unary, pos);
      e->name = "not";
      e->operands.push_back(parseNot());
      return e;
    }
    return parseCompare();
  }

  /// A comparison chain `a < b <= c`, including `in` and `not in`.
  ExprPtr parseCompare() {
    Pos pos = here();
    ExprPtr first = parseMath1();
    std::vector<std::string> ops;
    std::vector<ExprPtr> operands;
    operands.push_back(std::move(first));
    while (true) {
      if (cur().kind == TokenKind::Operator && kCompareOps.count(cur().text)) {
        ops.push_back(cur().text);
        next();
      } else if (isName("in")) {
        ops.push_back("in");
        next();
      } else if (isName("not") && peek().kind == TokenKind::Name && peek().text == "in") {
        // Stored as one operator so the evaluator treats it as Python does.
        ops.push_back("notin");
        next();
        next();
      } else {
        break;
      }
      operands.push_back(parseMath1());
    }
    if (ops.empty())
      return std::move(operands[0]);
    auto e = makeExpr(ExprKind::Compare, pos);
    e->ops = std::move(ops);
    e->operands = std::move(operands);
    return e;
  }

  /// `a + b`, `a - b`: looser than `~`, which is looser than `*`.
  ExprPtr parseMath1() {
    ExprPtr left = parseConcat();
    while (isOp("+") || isOp("-")) {
      Pos pos = here();
      std::string op = cur().text;
      next();
      left = binary(ExprKind::Binary, std::move(left), parseConcat(), pos, op);
    }
    return left;
  }

  /// `a ~ b ~ c` becomes one Concat node, so the string is built once.
  ExprPtr parseConcat() {
    Pos pos = here();
    ExprPtr first = parseMath2();
    if (!isOp("~"))
      return first;
    auto e = makeExpr(ExprKind::Concat, pos);
    e->operands.push_back(std::move(first));
    while (skipOp("~"))
      e->operands.push_back(parseMath2());
    return e;
  }

  /// `*`, `/`, `//`, `%`.
  ExprPtr parseMath2() {
    ExprPtr left = parsePow();
    while (isOp("*") || isOp("/") || isOp("//") || isOp("%")) {
      Pos pos = here();
      std::string op = cur().text;
      next();
      left = binary(ExprKind::Binary, std::move(left), parsePow(), pos, op);
    }
    return left;
  }

  /// `**` associates left in Jinja (`2 ** 3 ** 2` is 64), and a unary minus
  /// binds tighter (`-2 ** 2` is 4), unlike Python.
  ExprPtr parsePow() {
    ExprPtr left = parseUnary(true);
    while (isOp("**")) {
      Pos pos = here();
      next();
      left = binary(ExprKind::Binary, std::move(left), parseUnary(true), pos, "**");
    }
    return left;
  }

  /// Unary `-`/`+`, a primary with its postfixes, then filters and tests: so
  /// `a + b | f` filters only `b`.
  ExprPtr parseUnary(bool withFilter) {
    DepthGuard guard(*this);
    ExprPtr node;
    if (isOp("-") || isOp("+")) {
      Pos pos = here();
      std::string op = cur().text;
      next();
      node = makeExpr(ExprKind::Unary, pos);
      node->name = op;
      node->operands.push_back(parseUnary(false));
    } else {
      node = parsePrimary();
    }
    node = parsePostfix(std::move(node));
    if (withFilter)
      node = parseFilterExpr(std::move(node));
    return node;
  }

  /// Literals, names, parenthesised expressions or tuples, lists and dicts.
  /// Jinja accepts both `true` and `True` (and none/None) (spec section 4.3).
  ExprPtr parsePrimary() {
    const Token &t = cur();
    Pos pos = here();
    auto constant = [&](Value v) {
      auto e = makeExpr(ExprKind::Const, pos);
      e->value = std::move(v);
      return e;
    };
    switch (t.kind) {
    case TokenKind::Name: {
      std::string n = t.text;
      next();
      if (n == "true" || n == "True")
        return constant(Value::boolean(true));
      if (n == "false" || n == "False")
        return constant(Value::boolean(false));
      if (n == "none" || n == "None")
        return constant(Value::none());
      auto e = makeExpr(ExprKind::Name, pos);
      e->name = n;
      return e;
    }
    case TokenKind::String: {
      std::string s;
      // Adjacent string literals concatenate, as in Python.
      while (cur().kind == TokenKind::String) {
        s += cur().text;
        next();
      }
      return constant(Value::str(std::move(s)));
    }
    case TokenKind::Integer:
      next();
      return constant(parseInteger(t));
    case TokenKind::Float:
      next();
      return constant(parseFloat(t));
    case TokenKind::Operator:
      if (t.text == "(") {
        next();
        ExprPtr e = parseTuple(true, {}, true);
        expectOp(")");
        return e;
      }
      if (t.text == "[")
        return parseList();
      if (t.text == "{")
        return parseDict();
      break;
    default:
      break;
    }
    fail(t, "unexpected '" + describe(t) + "'");
  }

  /// Decimal, 0b, 0o and 0x literals; fgcc's ints are 64-bit, so a larger
  /// literal is an error rather than a Python bignum.
  Value parseInteger(const Token &t) {
    std::string digits;
    for (char c : t.text)
      if (c != '_')
        digits += c;
    int base = 10;
    size_t skip = 0;
    if (digits.size() > 1 && digits[0] == '0' && std::isalpha(static_cast<unsigned char>(digits[1]))) {
      char p = static_cast<char>(std::tolower(digits[1]));
      base = p == 'b' ? 2 : p == 'o' ? 8 : 16;
      skip = 2;
    }
    errno = 0;
    char *end = nullptr;
    unsigned long long v = std::strtoull(digits.c_str() + skip, &end, base);
    if (errno == ERANGE || v > static_cast<unsigned long long>(INT64_MAX))
      fail(t, "integer literal " + t.text + " does not fit in 64 bits");
    return Value::integer(static_cast<int64_t>(v));
  }

  /// The lexer has validated the digits; only underscores need removing.
  Value parseFloat(const Token &t) {
    std::string digits;
    for (char c : t.text)
      if (c != '_')
        digits += c;
    return Value::real(std::strtod(digits.c_str(), nullptr));
  }

  /// `[a, b, ...]`, a trailing comma allowed.
  ExprPtr parseList() {
    Pos pos = here();
    next();
    auto e = makeExpr(ExprKind::List, pos);
    while (!isOp("]")) {
      if (!e->operands.empty())
        expectOp(",");
      if (isOp("]"))
        break;
      e->operands.push_back(parseExpression());
    }
    next();
    return e;
  }

  /// `{k: v, ...}`, a trailing comma allowed.
  ExprPtr parseDict() {
    Pos pos = here();
    next();
    auto e = makeExpr(ExprKind::Dict, pos);
    while (!isOp("}")) {
      if (!e->operands.empty())
        expectOp(",");
      if (isOp("}"))
        break;
      e->operands.push_back(parseExpression());
      expectOp(":");
      e->operands.push_back(parseExpression());
    }
    next();
    return e;
  }

  /// `.attr`, `[index]` and calls, in any order and number.
  ExprPtr parsePostfix(ExprPtr node) {
    while (true) {
      if (isOp(".") || isOp("["))
        node = parseSubscript(std::move(node));
      else if (isOp("("))
        node = parseCall(std::move(node));
      else
        return node;
    }
  }

  /// `| filter`, `is test`, and calls of their results.
  ExprPtr parseFilterExpr(ExprPtr node) {
    while (true) {
      if (isOp("|")) {
        next();
        node = parseFilter(std::move(node));
      } else if (isName("is")) {
        node = parseTest(std::move(node));
      } else if (isOp("(")) {
        node = parseCall(std::move(node));
      } else {
        return node;
      }
    }
  }

  /// `x.name`, `x.0` (Jinja's integer attribute means an index), or
  /// `x[...]`; several comma-separated subscripts form a tuple key.
  ExprPtr parseSubscript(ExprPtr node) {
    Pos pos = here();
    if (skipOp(".")) {
      if (cur().kind == TokenKind::Name) {
        auto e = makeExpr(ExprKind::Getattr, pos);
        e->name = cur().text;
        next();
        e->operands.push_back(std::move(node));
        return e;
      }
      if (cur().kind != TokenKind::Integer)
        unexpected("name or number");
      auto e = makeExpr(ExprKind::Getitem, pos);
      e->operands.push_back(std::move(node));
      auto idx = makeExpr(ExprKind::Const, here());
      idx->value = parseInteger(cur());
      next();
      e->operands.push_back(std::move(idx));
      return e;
    }
    next(); // [
    std::vector<ExprPtr> args;
    while (!isOp("]")) {
      if (!args.empty()) {
        expectOp(",");
        if (isOp("]"))
          break;
      }
      args.push_back(parseSubscribed());
    }
    expectOp("]");
    auto e = makeExpr(ExprKind::Getitem, pos);
    e->operands.push_back(std::move(node));
    if (args.size() == 1) {
      e->operands.push_back(std::move(args[0]));
    } else {
      auto t = makeExpr(ExprKind::Tuple, pos);
      t->operands = std::move(args);
      e->operands.push_back(std::move(t));
    }
    return e;
  }

  /// An index or a slice `start:stop:step` (each part optional).
  ExprPtr parseSubscribed() {
    Pos pos = here();
    ExprPtr start;
    if (!isOp(":")) {
      start = parseExpression();
      if (!isOp(":"))
        return start;
    }
    auto slice = makeExpr(ExprKind::Slice, pos);
    next(); // :
    ExprPtr stop, step;
    if (!isOp("]") && !isOp(",") && !isOp(":"))
      stop = parseExpression();
    if (skipOp(":"))
      if (!isOp("]") && !isOp(","))
        step = parseExpression();
    slice->operands.push_back(std::move(start));
    slice->operands.push_back(std::move(stop));
    slice->operands.push_back(std::move(step));
    return slice;
  }

  /// `(pos, ..., key=value, ..., *args, **kwargs)`; a positional after a
  /// keyword is a syntax error, as in Python.
  ArgList parseCallArgs() {
    ArgList args;
    expectOp("(");
    bool first = true;
    while (!isOp(")")) {
      if (!first) {
        expectOp(",");
        if (isOp(")"))
          break;
      }
      first = false;
      if (skipOp("*")) {
        args.starArgs = parseExpression();
      } else if (skipOp("**")) {
        args.starKwargs = parseExpression();
      } else if (cur().kind == TokenKind::Name && peek().kind == TokenKind::Operator && peek().text == "=") {
        std::string key = cur().text;
        next();
        next();
        args.keywords.push_back({key, parseExpression()});
      } else {
        if (!args.keywords.empty() || args.starArgs || args.starKwargs)
          fail(cur(), "invalid syntax for function call expression");
        args.positional.push_back(parseExpression());
      }
    }
    next();
    return args;
  }

  /// `callee(args)`.
  ExprPtr parseCall(ExprPtr node) {
    Pos pos = here();
    auto e = makeExpr(ExprKind::Call, pos);
    e->args = parseCallArgs();
    e->operands.push_back(std::move(node));
    return e;
  }

  /// Filter and test names may be dotted (`a.b`).
  std::string dottedName() {
    std::string name = expectName();
    while (isOp(".") && peek().kind == TokenKind::Name) {
      next();
      name += "." + expectName();
    }
    return name;
  }

  /// `name[(args)]`; an unknown filter fails here, at compile time, even in
  /// code that never runs (Jinja's behaviour).
  ExprPtr parseFilter(ExprPtr node) {
    const Token &nameTok = cur();
    Pos pos = here();
    auto e = makeExpr(ExprKind::Filter, pos);
    e->name = dottedName();
    if (reg_.hasFilter && !reg_.hasFilter(e->name))
      fail(nameTok, "No filter named '" + e->name + "'.");
    if (isOp("("))
      e->args = parseCallArgs();
    e->operands.push_back(std::move(node));
    return e;
  }

  /// `is [not] name[(args)]`; like filters, unknown tests fail at compile time.
  ExprPtr parseTest(ExprPtr node) {
    Pos pos = here();
    next(); // is
    auto e = makeExpr(ExprKind::Test, pos);
    e->negated = skipName("not");
    const Token &nameTok = cur();
    e->name = dottedName();
    if (reg_.hasTest && !reg_.hasTest(e->name))
      fail(nameTok, "No test named '" + e->name + "'.");
    const Token &t = cur();
    if (isOp("(")) {
      e->args = parseCallArgs();
    } else if ((t.kind == TokenKind::Name && t.text != "else" && t.text != "or" && t.text != "and") ||
               t.kind == TokenKind::String || t.kind == TokenKind::Integer || t.kind == TokenKind::Float ||
               isOp("[") || isOp("{")) {
      // `x is divisibleby 3`: one argument without parentheses.
      ExprPtr arg = parsePrimary();
      arg = parsePostfix(std::move(arg));
      e->args.positional.push_back(std::move(arg));
    }
    e->operands.push_back(std::move(node));
    return e;
  }

  // Parser state: the token stream and cursor, the recursion depth, and the
  // statements currently open (for error messages).
  const std::vector<Token> &toks_;
  const TemplateLines &lines_;
  const ParserRegistry &reg_;
  size_t pos_ = 0;
  int depth_ = 0;
  std::vector<std::string> openTags_;
  /// Number of enclosing statements that open a scope (for, block, macro...).
  int scopeDepth_ = 0;
  /// End tags each open statement is waiting for, outermost first.
  std::vector<std::vector<std::string>> endStack_;
  std::unique_ptr<TemplateAst> ast_;
};

} // namespace

/// Errors are thrown as FatalError at the file location of the token.
std::unique_ptr<TemplateAst> parseTemplate(const std::vector<Token> &tokens, const TemplateLines &lines,
                                           const ParserRegistry &registry) {
  return Parser(tokens, lines, registry).run();
}

} // namespace fgcc::render
