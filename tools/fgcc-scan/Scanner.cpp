//===- Scanner.cpp - Headers in, manifest out ------------------------------===//
//
// All headers are #included by one virtual main file and parsed as a single
// C++17 translation unit, so a set of headers costs one parse of LibTorch
// however many there are. Function bodies of the headers they include are
// skipped, which brings that parse from about 10 s to about 4 s.
//
// Instead of running AST matchers over the whole translation unit, the
// collector walks DeclContexts from the top: it enters only the namespace
// blocks that can hold a wanted namespace (and, for user headers, only blocks
// opened in a listed file). That is what keeps a LibTorch scan at the cost of
// parsing: the tens of thousands of declarations in at::, c10:: and std::
// are never visited.
//
// LibTorch declares most option classes as templates used through aliases
// (`using Conv1dOptions = ConvOptions<1>;`). Configs and constructors name
// the alias, so each `*Options` alias gets its own manifest entry, described
// from the template specialization it names.
//
//===----------------------------------------------------------------------===//
#include "Scanner.h"

#include "Types.h"

#include <clang/AST/ASTConsumer.h>
#include <clang/AST/RawCommentList.h>
#include <clang/Frontend/CompilerInstance.h>
#include <clang/Frontend/FrontendAction.h>
#include <clang/Lex/HeaderSearch.h>
#include <clang/Lex/Lexer.h>
#include <clang/Lex/Preprocessor.h>
#include <clang/Sema/Sema.h>
#include <clang/Tooling/CompilationDatabase.h>
#include <clang/Tooling/Tooling.h>
#include <llvm/Support/FileSystem.h>
#include <llvm/Support/Path.h>

#include <algorithm>
#include <map>
#include <set>

#ifndef FGCC_SCAN_TORCH_INCLUDE
#define FGCC_SCAN_TORCH_INCLUDE "/usr/include/torch/csrc/api/include"
#endif
#ifndef FGCC_SCAN_RESOURCE_DIR
#define FGCC_SCAN_RESOURCE_DIR "/usr/lib/llvm-14/lib/clang/14.0.6"
#endif

using namespace clang;

namespace fgcc::scan {

namespace {

//===--- Doc comments ------------------------------------------------------===//

/// Drops the comment markers (`///`, `//!`, `/** */`, leading `*`) and the
/// indentation common to all lines, and trims blank lines at either end.
std::string formatComment(llvm::StringRef raw) {
  llvm::SmallVector<llvm::StringRef, 16> rawLines;
  raw.split(rawLines, '\n');
  std::vector<std::string> lines;
  for (size_t i = 0; i < rawLines.size(); ++i) {
    llvm::StringRef line = rawLines[i].trim();
    if (line.startswith("///") || line.startswith("//!"))
      line = line.drop_front(3);
    else if (line.startswith("//"))
      line = line.drop_front(2);
    else {
      if (i == 0 && (line.startswith("/**") || line.startswith("/*!")))
        line = line.drop_front(3);
      if (line.endswith("*/"))
        line = line.drop_back(2);
      if (i > 0 && line.startswith("*"))
        line = line.drop_front(1);
    }
    lines.push_back(line.rtrim().str());
  }
  size_t indent = std::string::npos;
  for (const std::string &line : lines)
    if (!line.empty())
      indent = std::min(indent, line.find_first_not_of(' '));
  std::string out;
  for (const std::string &line : lines) {
    if (!out.empty() || !line.empty())
      out += (out.empty() ? "" : "\n") + (line.empty() ? line : line.substr(indent));
  }
  return llvm::StringRef(out).rtrim().str();
}

/// The raw doc comment that ends right before `loc` (only whitespace
/// between), or "". Clang does not attach comments to declarations that a
/// macro produced, such as TORCH_ARG's field, so those are found in the text
/// before the macro's expansion.
llvm::StringRef commentBefore(SourceLocation loc, const SourceManager &sm) {
  std::pair<FileID, unsigned> decomposed = sm.getDecomposedLoc(loc);
  bool invalid = false;
  llvm::StringRef buffer = sm.getBufferData(decomposed.first, &invalid);
  if (invalid)
    return {};
  llvm::StringRef before = buffer.take_front(decomposed.second).rtrim();
  if (before.endswith("*/")) {
    size_t start = before.rfind("/*");
    llvm::StringRef block = start == llvm::StringRef::npos ? "" : before.substr(start);
    bool isDoc = (block.startswith("/**") || block.startswith("/*!")) && block != "/**/";
    return isDoc ? block : llvm::StringRef();
  }
  // A run of `///` lines, stopped by any other line (a blank one included).
  size_t runStart = before.size();
  while (true) {
    size_t newline = before.rfind('\n', runStart == 0 ? 0 : runStart - 1);
    size_t lineStart = newline == llvm::StringRef::npos ? 0 : newline + 1;
    llvm::StringRef line = before.slice(lineStart, runStart).trim();
    bool isDoc = (line.startswith("///") && !line.startswith("////")) || line.startswith("//!");
    if (!isDoc || runStart == 0)
      break;
    runStart = lineStart;
    if (newline == llvm::StringRef::npos)
      break;
  }
  return before.drop_front(runStart);
}

//===--- Which namespaces to enter -----------------------------------------===//

/// Decides, per namespace, whether records in it are wanted, whether it may
/// enclose a wanted namespace, or neither.
class NamespaceFilter {
public:
  enum class Relation { Outside, Encloses, Inside };

  NamespaceFilter(std::vector<std::string> wanted, std::vector<std::string> skipped)
      : wanted_(std::move(wanted)), skipped_(std::move(skipped)) {}

  Relation relationOf(const std::string &qualified) const {
    if (isSkipped(qualified))
      return Relation::Outside;
    if (wanted_.empty())
      return Relation::Inside;
    bool encloses = false;
    for (const std::string &ns : wanted_) {
      if (qualified == ns || startsWith(qualified, ns + "::"))
        return Relation::Inside;
      encloses = encloses || startsWith(ns, qualified + "::");
    }
    return encloses ? Relation::Encloses : Relation::Outside;
  }

  /// Records at global scope are wanted only without a namespace filter.
  bool wantsGlobalScope() const { return wanted_.empty(); }

private:
  static bool startsWith(const std::string &s, const std::string &prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
  }

  /// Implementation namespaces (`detail`, and torch::nn::functional for a
  /// LibTorch scan) are skipped wherever they are nested.
  bool isSkipped(const std::string &qualified) const {
    llvm::StringRef q(qualified);
    return std::any_of(skipped_.begin(), skipped_.end(),
                       [q](const std::string &name) { return q == name || q.endswith("::" + name); });
  }

  std::vector<std::string> wanted_;
  std::vector<std::string> skipped_;
};

//===--- The headers given on the command line -----------------------------===//

/// The files of the listed headers, to tell their declarations from those of
/// what they include.
class ListedFiles {
public:
  ListedFiles(const SourceManager &sm, const std::vector<std::string> &headers) : sm_(sm) {
    for (const std::string &header : headers)
      if (auto entry = sm.getFileManager().getFile(header))
        files_.insert(*entry);
  }

  /// Whether `loc` (or, inside a macro, where the macro was used) lies in a
  /// listed header.
  bool contains(SourceLocation loc) const {
    const FileEntry *file = sm_.getFileEntryForID(sm_.getFileID(sm_.getExpansionLoc(loc)));
    return file && files_.count(file);
  }

private:
  const SourceManager &sm_;
  std::set<const FileEntry *> files_;
};

//===--- The collector -----------------------------------------------------===//

bool endsWith(llvm::StringRef s, llvm::StringRef suffix) { return s.size() > suffix.size() && s.endswith(suffix); }

/// Walks the translation unit and appends a ClassEntry per wanted record and
/// per `*Options` alias.
class Collector {
public:
  Collector(CompilerInstance &ci, const ScanRequest &request, std::string mainFile, Manifest &out)
      : ctx_(ci.getASTContext()), sm_(ci.getSourceManager()), sema_(ci.getSema()),
        headerSearch_(ci.getPreprocessor().getHeaderSearchInfo()), request_(request),
        mainFile_(std::move(mainFile)), out_(out), filter_(wantedNamespaces(request), skippedNamespaces(request)),
        listedFiles_(sm_, request.headers) {}

  void run() {
    walk(ctx_.getTranslationUnitDecl(), filter_.wantsGlobalScope());
    nameOptionsByAlias();
  }

private:
  static std::vector<std::string> wantedNamespaces(const ScanRequest &request) {
    if (request.torch && request.namespaces.empty())
      return {"torch::nn", "torch::optim"};
    return request.namespaces;
  }

  static std::vector<std::string> skippedNamespaces(const ScanRequest &request) {
    if (request.torch)
      return {"detail", "torch::nn::functional"};
    return {"detail"};
  }

  void walk(const DeclContext *context, bool inside) {
    for (const Decl *decl : context->decls()) {
      if (const auto *ns = llvm::dyn_cast<NamespaceDecl>(decl))
        visitNamespace(ns);
      else if (llvm::isa<LinkageSpecDecl>(decl) || llvm::isa<ExportDecl>(decl))
        walk(llvm::cast<DeclContext>(decl), inside);
      else if (!inside || decl->getAccess() == AS_private || decl->getAccess() == AS_protected)
        continue;
      else if (const auto *record = llvm::dyn_cast<CXXRecordDecl>(decl))
        visitRecord(record);
      else if (const auto *alias = llvm::dyn_cast<TypedefNameDecl>(decl))
        visitAlias(alias);
    }
  }

  void visitNamespace(const NamespaceDecl *ns) {
    if (ns->isAnonymousNamespace() || !inScannedFile(ns->getLocation()))
      return;
    NamespaceFilter::Relation relation = filter_.relationOf(qualifiedName(ns, ctx_));
    if (relation != NamespaceFilter::Relation::Outside)
      walk(ns, relation == NamespaceFilter::Relation::Inside);
  }

  void visitRecord(const CXXRecordDecl *record) {
    if (record->isImplicit() || !record->isThisDeclarationADefinition() || record->isLambda() ||
        !record->getIdentifier() || record->isUnion())
      return;
    // Templates are described through the aliases that name their
    // specializations; partial and explicit specializations are skipped.
    if (record->getDescribedClassTemplate() || llvm::isa<ClassTemplateSpecializationDecl>(record))
      return;
    if (!inScannedFile(record->getLocation()))
      return;
    out_.classes.push_back(describe(record, qualifiedName(record, ctx_), record));
    walk(record, /*inside=*/true); // public nested classes
  }

  void visitAlias(const TypedefNameDecl *alias) {
    if (!endsWith(alias->getName(), "Options") || !inScannedFile(alias->getLocation()))
      return;
    QualType type = alias->getUnderlyingType();
    const CXXRecordDecl *record = type->getAsCXXRecordDecl();
    if (!record)
      return;
    // An alias whose specialization nothing instantiated yet: instantiate it
    // now, as a use of the alias would.
    if (!record->hasDefinition() && !sema_.isCompleteType(alias->getLocation(), type))
      return;
    record = record->getDefinition();
    if (!record || ctx_.getDiagnostics().hasErrorOccurred())
      return;
    ClassEntry entry = describe(record, qualifiedName(alias, ctx_), alias);
    aliasOf_.emplace(record->getCanonicalDecl(), entry.name);
    if (entry.doc.empty())
      entry.doc = docOf(record);
    out_.classes.push_back(std::move(entry));
  }

  /// In a LibTorch scan every file counts; otherwise only the listed ones.
  bool inScannedFile(SourceLocation loc) const {
    return request_.torch || listedFiles_.contains(loc);
  }

  //===--- Describing a record ---------------------------------------------===//

  /// `named` is the record itself or the alias that names it; it gives the
  /// header and the doc comment.
  ClassEntry describe(const CXXRecordDecl *record, std::string name, const NamedDecl *named) {
    ClassEntry entry;
    entry.name = std::move(name);
    entry.header = headerOf(named);
    entry.kind = kindOf(record);
    for (const CXXBaseSpecifier &base : record->bases())
      entry.bases.push_back(spellType(base.getType(), ctx_));
    entry.doc = docOf(named);
    if (entry.kind == "module_holder") {
      // The holder's constructors are ModuleHolder's, forwarding to the
      // Impl; the Impl's own entry describes them.
      const auto *holder = findSpecializedBase(record, "torch::nn::ModuleHolder");
      QualType impl = holder->getTemplateArgs()[0].getAsType();
      entry.impl = spellType(impl, ctx_);
      if (const CXXRecordDecl *implRecord = impl->getAsCXXRecordDecl())
        setOptions(entry, constructorsOf(implRecord));
    } else {
      std::vector<const CXXConstructorDecl *> ctors = constructorsOf(record);
      for (const CXXConstructorDecl *ctor : ctors)
        entry.constructors.push_back(describeConstructor(ctor));
      // Plain classes built from an options object (the runtime's Trainer,
      // LR schedulers) are configured like modules.
      if (entry.kind == "module" || entry.kind == "optimizer" || entry.kind == "class")
        setOptions(entry, ctors);
    }
    appendArgs(record, entry.args);
    return entry;
  }

  std::string kindOf(const CXXRecordDecl *record) const {
    if (findSpecializedBase(record, "torch::nn::ModuleHolder"))
      return "module_holder";
    if (derivesFrom(record, "torch::nn::Module") && record->getQualifiedNameAsString() != "torch::nn::Module")
      return "module";
    if (derivesFrom(record, "torch::optim::Optimizer") &&
        record->getQualifiedNameAsString() != "torch::optim::Optimizer")
      return "optimizer";
    return isOptionsRecord(record) ? "options" : "class";
  }

  bool isOptionsRecord(const CXXRecordDecl *record) const {
    if (endsWith(record->getName(), "Options"))
      return true;
    for (const FieldDecl *field : record->fields())
      if (isTorchArg(field))
        return true;
    return false;
  }

  /// Public constructors a user can call, in declaration order: declared
  /// ones, and those inherited with `using Base::Base;` (LibTorch's
  /// BatchNorm1dImpl has only inherited ones). Copy and move constructors
  /// and constructor templates are left out.
  std::vector<const CXXConstructorDecl *> constructorsOf(const CXXRecordDecl *record) const {
    std::vector<const CXXConstructorDecl *> out;
    auto consider = [&out](const CXXConstructorDecl *ctor) {
      if (!ctor->isImplicit() && !ctor->isDeleted() && ctor->getAccess() == AS_public &&
          !ctor->isCopyOrMoveConstructor())
        out.push_back(ctor);
    };
    record = record->getDefinition();
    if (!record)
      return out;
    for (const Decl *decl : record->decls()) {
      if (const auto *ctor = llvm::dyn_cast<CXXConstructorDecl>(decl))
        consider(ctor);
      else if (const auto *usingDecl = llvm::dyn_cast<UsingDecl>(decl))
        for (const UsingShadowDecl *shadow : usingDecl->shadows())
          if (const auto *inherited = llvm::dyn_cast<CXXConstructorDecl>(shadow->getTargetDecl()))
            consider(inherited);
    }
    return out;
  }

  /// The options class a constructor takes (`const LinearOptions&`), spelled
  /// as written so that aliases (Conv1dOptions) are kept.
  void setOptions(ClassEntry &entry, const std::vector<const CXXConstructorDecl *> &ctors) {
    for (const CXXConstructorDecl *ctor : ctors)
      for (const ParmVarDecl *param : ctor->parameters()) {
        QualType type = param->getType().getNonReferenceType().getUnqualifiedType();
        const CXXRecordDecl *record = type->getAsCXXRecordDecl();
        if (record && record->hasDefinition() && isOptionsRecord(record->getDefinition())) {
          entry.options = spellType(type, ctx_);
          optionRecords_.emplace_back(out_.classes.size(), record->getCanonicalDecl());
          return;
        }
      }
  }

  /// A module template's constructor spells its options with the template's
  /// parameters (`ReflectionPadOptions<D>`, printed ReflectionPadOptions<1UL>
  /// once instantiated), a name no manifest entry has. Such options are named
  /// by the alias of the same specialization (ReflectionPad1dOptions).
  void nameOptionsByAlias() {
    std::set<std::string> names;
    for (const ClassEntry &entry : out_.classes)
      names.insert(entry.name);
    for (const auto &[index, record] : optionRecords_) {
      ClassEntry &entry = out_.classes[index];
      auto alias = aliasOf_.find(record);
      if (!names.count(entry.options) && alias != aliasOf_.end())
        entry.options = alias->second;
    }
  }

  Constructor describeConstructor(const CXXConstructorDecl *ctor) const {
    Constructor out;
    for (const ParmVarDecl *param : ctor->parameters())
      out.params.push_back(describeParam(param));
    return out;
  }

  Param describeParam(const ParmVarDecl *param) const {
    Param out;
    out.name = param->getName().str();
    out.type = describeType(param->getOriginalType(), ctx_);
    if (!param->hasDefaultArg())
      return out;
    out.defaultText = sourceText(param->getDefaultArgRange());
    const Expr *value = nullptr;
    if (param->hasUninstantiatedDefaultArg())
      value = param->getUninstantiatedDefaultArg();
    else if (!param->hasUnparsedDefaultArg())
      value = param->getDefaultArg();
    out.defaultValue = evaluateDefault(value, out.type, ctx_);
    return out;
  }

  //===--- TORCH_ARG options -----------------------------------------------===//

  /// Options of public bases first (in base order), then the record's own.
  void appendArgs(const CXXRecordDecl *record, std::vector<Param> &args) const {
    for (const CXXBaseSpecifier &base : record->bases()) {
      const CXXRecordDecl *baseRecord = base.getType()->getAsCXXRecordDecl();
      if (base.getAccessSpecifier() == AS_public && baseRecord && baseRecord->hasDefinition())
        appendArgs(baseRecord->getDefinition(), args);
    }
    for (const FieldDecl *field : record->fields())
      if (isTorchArg(field))
        args.push_back(describeArg(field));
  }

  /// TORCH_ARG(T, name) declares a field `name_` and accessors `name`. The
  /// macro is recognised where it was expanded; a field `x_` with a setter
  /// `x(value)` counts too, for classes that spell the pattern out.
  bool isTorchArg(const FieldDecl *field) const {
    if (!field->getIdentifier() || !endsWith(field->getName(), "_"))
      return false;
    for (SourceLocation loc = field->getLocation(); loc.isMacroID(); loc = sm_.getImmediateMacroCallerLoc(loc))
      if (Lexer::getImmediateMacroName(loc, sm_, ctx_.getLangOpts()) == "TORCH_ARG")
        return true;
    const auto *record = llvm::dyn_cast<CXXRecordDecl>(field->getParent());
    return record && hasSetter(record, field->getName().drop_back());
  }

  /// A chainable setter: `Record& name(T value)`. Returning the object
  /// tells it apart from look-ups that take one argument, such as
  /// Module::parameters(bool recurse) next to its field `parameters_`.
  bool hasSetter(const CXXRecordDecl *record, llvm::StringRef name) const {
    CanQualType self = ctx_.getCanonicalType(ctx_.getRecordType(record));
    for (const CXXMethodDecl *method : record->methods()) {
      if (!method->getIdentifier() || method->getName() != name || method->getNumParams() != 1)
        continue;
      QualType result = method->getReturnType();
      if (result->isLValueReferenceType() &&
          ctx_.getCanonicalType(result->getPointeeType()).getUnqualifiedType() == self)
        return true;
    }
    return false;
  }

  Param describeArg(const FieldDecl *field) const {
    Param out;
    out.name = field->getName().drop_back().str();
    out.type = describeType(field->getType(), ctx_);
    out.doc = docOf(patternOf(field));
    if (!field->hasInClassInitializer())
      return out;
    // In a template specialization Clang instantiates initializers only
    // when a constructor needs them; the template's own is read instead.
    const Expr *init = field->getInClassInitializer();
    if (!init)
      init = patternOf(field)->getInClassInitializer();
    if (!init)
      return out;
    out.defaultText = sourceText(init->getSourceRange());
    out.defaultValue = evaluateDefault(init, out.type, ctx_);
    return out;
  }

  /// The field of the class template that `field` was instantiated from, or
  /// `field` itself.
  static const FieldDecl *patternOf(const FieldDecl *field) {
    const auto *spec = llvm::dyn_cast<ClassTemplateSpecializationDecl>(field->getParent());
    const CXXRecordDecl *pattern = spec ? spec->getTemplateInstantiationPattern() : nullptr;
    if (pattern)
      for (const FieldDecl *candidate : pattern->fields())
        if (candidate->getDeclName() == field->getDeclName())
          return candidate;
    return field;
  }

  //===--- Text, headers, comments -----------------------------------------===//

  /// The source text of an expression, without the `=` that a copy-list
  /// initializer's range includes.
  std::string sourceText(SourceRange range) const {
    CharSourceRange chars = sm_.getExpansionRange(range);
    llvm::StringRef text = Lexer::getSourceText(chars, sm_, ctx_.getLangOpts()).trim();
    if (text.startswith("="))
      text = text.drop_front(1).ltrim();
    return text.str();
  }

  /// The include spelling of the file that declares `decl`, relative to the
  /// include directory it is found in (or to the working directory).
  std::string headerOf(const Decl *decl) const {
    SourceLocation loc = sm_.getExpansionLoc(decl->getLocation());
    const FileEntry *file = sm_.getFileEntryForID(sm_.getFileID(loc));
    return file ? headerSearch_.suggestPathToFileForDiagnostics(file, mainFile_) : "";
  }

  std::string docOf(const Decl *decl) const {
    // Clang attaches no comment to implicit instantiations; the template
    // carries it.
    if (const auto *spec = llvm::dyn_cast<ClassTemplateSpecializationDecl>(decl))
      if (const CXXRecordDecl *pattern = spec->getTemplateInstantiationPattern())
        decl = pattern;
    if (const RawComment *comment = ctx_.getRawCommentForAnyRedecl(decl))
      return formatComment(comment->getRawText(sm_));
    if (decl->getLocation().isMacroID())
      return formatComment(commentBefore(sm_.getExpansionLoc(decl->getBeginLoc()), sm_));
    return "";
  }

  ASTContext &ctx_;
  SourceManager &sm_;
  Sema &sema_;
  HeaderSearch &headerSearch_;
  const ScanRequest &request_;
  std::string mainFile_;
  Manifest &out_;
  NamespaceFilter filter_;
  ListedFiles listedFiles_;
  /// The first `*Options` alias seen for each record (canonical decl).
  std::map<const CXXRecordDecl *, std::string> aliasOf_;
  /// (index in out_.classes, options record) for every entry with options.
  std::vector<std::pair<size_t, const CXXRecordDecl *>> optionRecords_;
};

//===--- Plumbing into LibTooling ------------------------------------------===//

class ScanConsumer : public ASTConsumer {
public:
  ScanConsumer(CompilerInstance &ci, const ScanRequest &request, const std::string &mainFile, Manifest &out)
      : ci_(ci), request_(request), mainFile_(mainFile), out_(out), listedFiles_(ci.getSourceManager(), request.headers) {}

  bool shouldSkipFunctionBody(Decl *decl) override { return !listedFiles_.contains(decl->getLocation()); }

  void HandleTranslationUnit(ASTContext &ctx) override {
    // A broken translation unit gives a half-built AST; the diagnostics
    // already tell the user, and the caller exits with status 1.
    if (ctx.getDiagnostics().hasErrorOccurred())
      return;
    Collector(ci_, request_, mainFile_, out_).run();
  }

private:
  CompilerInstance &ci_;
  const ScanRequest &request_;
  const std::string &mainFile_;
  Manifest &out_;
  ListedFiles listedFiles_;
};

class ScanAction : public ASTFrontendAction {
public:
  ScanAction(const ScanRequest &request, const std::string &mainFile, Manifest &out)
      : request_(request), mainFile_(mainFile), out_(out) {}

protected:
  /// Function bodies say nothing about a component's interface, and
  /// skipping those of included headers halves the cost of parsing
  /// LibTorch. ScanConsumer::shouldSkipFunctionBody keeps the listed headers'
  /// bodies, so that their errors are still reported.
  bool BeginInvocation(CompilerInstance &ci) override {
    ci.getFrontendOpts().SkipFunctionBodies = true;
    return true;
  }

  std::unique_ptr<ASTConsumer> CreateASTConsumer(CompilerInstance &ci, llvm::StringRef) override {
    return std::make_unique<ScanConsumer>(ci, request_, mainFile_, out_);
  }

private:
  const ScanRequest &request_;
  const std::string &mainFile_;
  Manifest &out_;
};

class ScanActionFactory : public tooling::FrontendActionFactory {
public:
  ScanActionFactory(const ScanRequest &request, const std::string &mainFile, Manifest &out)
      : request_(request), mainFile_(mainFile), out_(out) {}

  std::unique_ptr<FrontendAction> create() override {
    return std::make_unique<ScanAction>(request_, mainFile_, out_);
  }

private:
  const ScanRequest &request_;
  const std::string &mainFile_;
  Manifest &out_;
};

/// The virtual main file: one #include per header.
std::string mainFileText(const ScanRequest &request) {
  std::string text = "// Generated by fgcc-scan: the headers to scan, as one translation unit.\n";
  if (request.torch)
    text += "#include <torch/torch.h>\n";
  for (const std::string &header : request.headers) {
    std::string quoted;
    for (char c : header)
      quoted += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
    text += "#include \"" + quoted + "\"\n";
  }
  return text;
}

std::string currentDirectory() {
  llvm::SmallString<256> dir;
  if (llvm::sys::fs::current_path(dir))
    return "/";
  return std::string(dir.str());
}

/// Include directories made absolute: headers are named relative to the
/// include directory that holds them, and Clang matches relative
/// directories against absolute file names as plain strings.
std::vector<std::string> absoluteIncludeDirs(const std::vector<std::string> &args, const std::string &directory) {
  static const llvm::StringRef flags[] = {"-I", "-isystem", "-iquote", "-idirafter"};
  auto absolute = [&directory](llvm::StringRef dir) {
    if (dir.empty() || llvm::sys::path::is_absolute(dir))
      return dir.str();
    llvm::SmallString<256> path(directory);
    llvm::sys::path::append(path, dir);
    llvm::sys::path::remove_dots(path, /*remove_dot_dot=*/true);
    return std::string(path.str());
  };
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    llvm::StringRef arg = args[i];
    const llvm::StringRef *flag = std::find_if(std::begin(flags), std::end(flags), [arg](llvm::StringRef f) {
      return arg.startswith(f) && !arg.startswith("-isystem-after");
    });
    if (flag == std::end(flags)) {
      out.push_back(args[i]);
    } else if (arg == *flag && i + 1 < args.size()) { // -I DIR
      out.push_back(args[i]);
      out.push_back(absolute(args[++i]));
    } else { // -IDIR
      out.push_back(flag->str() + absolute(arg.drop_front(flag->size())));
    }
  }
  return out;
}

} // namespace

std::vector<std::string> baseClangArgs() {
  // Not `-isystem /usr/include`: moving /usr/include ahead of libstdc++'s
  // directories breaks its `#include_next <stdlib.h>`; it is searched by
  // default anyway. Comments in system headers are LibTorch's docs.
  return {"-std=c++17",
          "-xc++",
          "-D_GLIBCXX_USE_CXX11_ABI=1",
          "-isystem",
          FGCC_SCAN_TORCH_INCLUDE,
          "-resource-dir=" FGCC_SCAN_RESOURCE_DIR,
          "-fretain-comments-from-system-headers"};
}

bool scanHeaders(const ScanRequest &request, Manifest &out) {
  std::string directory = currentDirectory();
  // Lives in the working directory, so that headers there get paths relative
  // to it in the manifest.
  std::string mainFile = directory + "/fgcc-scan-input.cpp";
  std::vector<std::string> args = baseClangArgs();
  std::vector<std::string> extra = absoluteIncludeDirs(request.clangArgs, directory);
  args.insert(args.end(), extra.begin(), extra.end());
  tooling::FixedCompilationDatabase database(directory, args);
  tooling::ClangTool tool(database, {mainFile});
  std::string mainText = mainFileText(request); // ClangTool keeps a reference
  tool.mapVirtualFile(mainFile, mainText);
  tool.setPrintErrorMessage(false);
  ScanActionFactory factory(request, mainFile, out);
  return tool.run(&factory) == 0;
}

} // namespace fgcc::scan
