//===- Types.cpp - Types and constants as a config checker sees them ------===//
//
// Categories are decided on canonical types, so that typedefs such as
// `torch::nn::ConvOptions<1>::padding_t` or `IntArrayRef` need no special
// cases; class templates are recognised by their qualified names.
//
// Defaults are evaluated after peeling the implicit layers Clang wraps around
// an initializer (temporaries, converting constructors, implicit casts). The
// peeled expression is then read according to the category: `"gelu"` for a
// std::string, `torch::kZeros` for an enum, `std::make_tuple(0.9, 0.999)` for
// a tuple, `{3, 3}` for an expanding array. Implicit conversions removed on
// the way are redone from the category (an int literal for a double is
// written as a double).
//
//===----------------------------------------------------------------------===//
#include "Types.h"

#include <clang/AST/ExprCXX.h>
#include <clang/AST/QualTypeNames.h>

#include <algorithm>

using namespace clang;

namespace fgcc::scan {

namespace {

/// The type arguments of a class template specialization, with packs
/// expanded (c10::variant<Ts...> stores its alternatives as one pack).
std::vector<QualType> typeArgs(const ClassTemplateSpecializationDecl *spec) {
  std::vector<QualType> out;
  auto add = [&out](const TemplateArgument &arg, auto &self) -> void {
    if (arg.getKind() == TemplateArgument::Type)
      out.push_back(arg.getAsType());
    else if (arg.getKind() == TemplateArgument::Pack)
      for (const TemplateArgument &inner : arg.pack_elements())
        self(inner, self);
  };
  for (const TemplateArgument &arg : spec->getTemplateArgs().asArray())
    add(arg, add);
  return out;
}

bool isOneOf(const std::string &name, std::initializer_list<const char *> names) {
  return std::any_of(names.begin(), names.end(), [&](const char *n) { return name == n; });
}

/// The torch enum tag types live in torch::enumtype and are named kX; the
/// choice a config writes is "X".
std::optional<std::string> torchEnumChoice(const CXXRecordDecl *record, const ASTContext &ctx) {
  std::string name = qualifiedName(record, ctx);
  const std::string prefix = "torch::enumtype::k";
  if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0)
    return name.substr(prefix.size());
  return std::nullopt;
}

TypeInfo categorize(QualType type, const ASTContext &ctx);

/// "int_list" for std::vector<int64_t>, "float_array" for
/// ExpandingArray<N, double>: the element category decides.
std::string containerCategory(QualType element, const ASTContext &ctx, const char *suffix) {
  std::string inner = categorize(element, ctx).category;
  if (inner == "optional:int")
    inner = "int"; // ExpandingArrayWithOptionalElem: ints or None per element
  if (inner == "int" || inner == "float")
    return inner + suffix;
  if (std::string(suffix) == "_list" && inner == "tensor")
    return "tensor_list";
  return "other";
}

/// c10::variant of torch enum tags (and maybe other alternatives).
TypeInfo variantCategory(const ClassTemplateSpecializationDecl *spec, const ASTContext &ctx) {
  TypeInfo info;
  for (QualType alt : typeArgs(spec)) {
    const CXXRecordDecl *record = alt->getAsCXXRecordDecl();
    if (auto choice = record ? torchEnumChoice(record, ctx) : std::nullopt) {
      info.choices.push_back(*choice);
      continue;
    }
    std::string category = categorize(alt, ctx).category;
    if (std::find(info.alternatives.begin(), info.alternatives.end(), category) == info.alternatives.end())
      info.alternatives.push_back(category);
  }
  info.category = info.choices.empty() ? "other" : "enum";
  return info;
}

bool isModuleType(const CXXRecordDecl *record, const ASTContext &ctx) {
  std::string name = qualifiedName(record, ctx);
  return name == "torch::nn::AnyModule" || name == "torch::nn::ModuleHolder" ||
         findSpecializedBase(record, "torch::nn::ModuleHolder") != nullptr;
}

TypeInfo recordCategory(const CXXRecordDecl *record, const ASTContext &ctx) {
  TypeInfo info;
  info.category = "other";
  std::string name = qualifiedName(record, ctx);
  if (auto choice = torchEnumChoice(record, ctx)) {
    info.category = "enum";
    info.choices.push_back(*choice);
    return info;
  }
  if (isOneOf(name, {"std::basic_string", "std::basic_string_view", "c10::basic_string_view"})) {
    info.category = "string";
    return info;
  }
  if (name == "at::Tensor") {
    info.category = "tensor";
    return info;
  }
  if (name == "torch::optim::OptimizerParamGroup") {
    info.category = "tensor"; // a vector of them is "tensor_list"
    return info;
  }
  if (isModuleType(record, ctx)) {
    info.category = "module";
    return info;
  }
  const auto *spec = llvm::dyn_cast<ClassTemplateSpecializationDecl>(record);
  if (!spec)
    return info;
  std::vector<QualType> args = typeArgs(spec);
  if (isOneOf(name, {"c10::optional", "std::optional"}) && !args.empty()) {
    info = categorize(args[0], ctx);
    info.category = "optional:" + info.category;
  } else if (isOneOf(name, {"c10::variant", "std::variant"})) {
    info = variantCategory(spec, ctx);
  } else if (name == "torch::ExpandingArray" && !args.empty()) {
    info.category = containerCategory(args[0], ctx, "_array");
  } else if (name == "torch::ExpandingArrayWithOptionalElem") {
    info.category = "int_array";
  } else if (isOneOf(name, {"std::vector", "c10::ArrayRef", "c10::SmallVector"}) && !args.empty()) {
    info.category = containerCategory(args[0], ctx, "_list");
  } else if (isOneOf(name, {"std::tuple", "std::pair"})) {
    info.category = "tuple";
  } else if (name == "std::function") {
    info.category = "callable";
  } else if (name == "torch::OrderedDict" && args.size() == 2 && categorize(args[1], ctx).category == "tensor") {
    // Module::named_parameters(): what an optimizer that routes parameters
    // by name (Multiopt) takes instead of a tensor_list.
    info.category = "named_tensors";
  } else if (name == "std::shared_ptr" && !args.empty()) {
    const CXXRecordDecl *pointee = args[0]->getAsCXXRecordDecl();
    if (pointee && derivesFrom(pointee, "torch::nn::Module"))
      info.category = "module";
  }
  return info;
}

/// `type` may carry sugar and qualifiers; references are looked through.
TypeInfo categorize(QualType type, const ASTContext &ctx) {
  QualType canon = type.getNonReferenceType().getCanonicalType().getUnqualifiedType();
  TypeInfo info;
  info.category = "other";
  if (canon->isBooleanType()) {
    info.category = "bool";
  } else if (const auto *enumType = canon->getAs<EnumType>()) {
    info.category = "enum";
    for (const EnumConstantDecl *e : enumType->getDecl()->enumerators())
      info.choices.push_back(e->getNameAsString());
  } else if (canon->isIntegerType()) {
    info.category = "int";
  } else if (canon->isRealFloatingType()) {
    info.category = "float";
  } else if (canon->isPointerType() && canon->getPointeeType()->isCharType()) {
    info.category = "string";
  } else if (const CXXRecordDecl *record = canon->getAsCXXRecordDecl()) {
    info = recordCategory(record, ctx);
  }
  return info;
}

//===--- Defaults ----------------------------------------------------------===//

/// Arguments a constructor call was written with (defaulted ones are
/// Clang's, not the user's: std::string("gelu") has a hidden allocator).
std::vector<const Expr *> writtenArgs(const CXXConstructExpr *construct) {
  std::vector<const Expr *> out;
  for (const Expr *arg : construct->arguments())
    if (!llvm::isa<CXXDefaultArgExpr>(arg))
      out.push_back(arg);
  return out;
}

/// Peels temporaries, implicit casts and one-argument (converting)
/// constructors off an initializer.
const Expr *peel(const Expr *e) {
  while (e) {
    if (const auto *full = llvm::dyn_cast<FullExpr>(e))
      e = full->getSubExpr();
    else if (const auto *temp = llvm::dyn_cast<MaterializeTemporaryExpr>(e))
      e = temp->getSubExpr();
    else if (const auto *bind = llvm::dyn_cast<CXXBindTemporaryExpr>(e))
      e = bind->getSubExpr();
    else if (const auto *cast = llvm::dyn_cast<CastExpr>(e))
      e = cast->getSubExpr();
    else if (const auto *paren = llvm::dyn_cast<ParenExpr>(e))
      e = paren->getSubExpr();
    else if (const auto *list = llvm::dyn_cast<CXXStdInitializerListExpr>(e))
      e = list->getSubExpr();
    else if (const auto *construct = llvm::dyn_cast<CXXConstructExpr>(e)) {
      std::vector<const Expr *> args = writtenArgs(construct);
      if (args.size() != 1)
        return e;
      e = args[0];
    } else
      return e;
  }
  return e;
}

/// The elements of a braced list, a make_tuple call, or a constructor call
/// with several arguments; nothing when `e` is a single value.
std::optional<std::vector<const Expr *>> listElements(const Expr *e) {
  if (const auto *init = llvm::dyn_cast<InitListExpr>(e))
    return std::vector<const Expr *>(init->inits().begin(), init->inits().end());
  if (const auto *call = llvm::dyn_cast<CallExpr>(e)) {
    const FunctionDecl *callee = call->getDirectCallee();
    if (callee && callee->getDeclName().isIdentifier() &&
        isOneOf(callee->getName().str(), {"make_tuple", "make_pair", "forward_as_tuple"}))
      return std::vector<const Expr *>(call->arg_begin(), call->arg_end());
  }
  if (const auto *construct = llvm::dyn_cast<CXXConstructExpr>(e))
    return writtenArgs(construct);
  return std::nullopt;
}

bool isNullopt(const Expr *e, const ASTContext &ctx) {
  if (const auto *ref = llvm::dyn_cast<DeclRefExpr>(e))
    return isOneOf(qualifiedName(ref->getDecl(), ctx), {"c10::nullopt", "std::nullopt"});
  if (const auto *construct = llvm::dyn_cast<CXXConstructExpr>(e))
    return writtenArgs(construct).empty(); // c10::optional<T>() or {}
  return false;
}

/// `torch::kZeros` (a constant of tag type kZeros) or an enumerator.
std::optional<std::string> enumChoice(const Expr *e, const ASTContext &ctx) {
  const auto *ref = llvm::dyn_cast<DeclRefExpr>(e);
  if (!ref)
    return std::nullopt;
  if (const auto *enumerator = llvm::dyn_cast<EnumConstantDecl>(ref->getDecl()))
    return enumerator->getNameAsString();
  if (const CXXRecordDecl *record = ref->getType()->getAsCXXRecordDecl())
    return torchEnumChoice(record, ctx);
  return std::nullopt;
}

bool isDependent(const Expr *e) {
  return e->isValueDependent() || e->isTypeDependent() || e->containsErrors();
}

/// A scalar constant converted to what the category expects.
ConstValue evaluateScalar(const Expr *e, const std::string &category, const ASTContext &ctx) {
  ConstValue out;
  if (const auto *literal = llvm::dyn_cast<StringLiteral>(e)) {
    if (literal->getCharByteWidth() == 1)
      out.value = literal->getString().str();
    return out;
  }
  if (isDependent(e) || e->getType()->isRecordType())
    return out;
  Expr::EvalResult result;
  if (!e->EvaluateAsRValue(result, ctx))
    return out;
  const APValue &v = result.Val;
  if (v.isInt()) {
    const llvm::APSInt &i = v.getInt();
    if (category == "bool" || e->getType()->isBooleanType())
      out.value = i.getBoolValue();
    else if (category == "float" || category == "float_array" || category == "float_list")
      out.value = static_cast<double>(i.getExtValue());
    else if (i.isUnsigned() && i.getActiveBits() > 63)
      out.value = i.getZExtValue();
    else if (i.getMinSignedBits() <= 64)
      out.value = i.getExtValue();
  } else if (v.isFloat()) {
    out.value = v.getFloat().convertToDouble();
  }
  return out;
}

bool isListCategory(const std::string &category) {
  return isOneOf(category, {"tuple", "int_array", "float_array", "int_list", "float_list"});
}

ConstValue evaluatePeeled(const Expr *e, const std::string &category, const ASTContext &ctx);

ConstValue evaluateList(const std::vector<const Expr *> &elements, const std::string &category,
                        const ASTContext &ctx) {
  ConstValue::List items;
  std::string elementCategory = category == "int_array" || category == "int_list" ? "int"
                                : category == "tuple"                             ? "other"
                                                                                  : "float";
  for (const Expr *element : elements) {
    ConstValue item = evaluatePeeled(peel(element), elementCategory, ctx);
    if (item.isNull())
      return ConstValue{};
    items.push_back(std::move(item));
  }
  ConstValue out;
  out.value = std::move(items);
  return out;
}

ConstValue evaluatePeeled(const Expr *e, const std::string &category, const ASTContext &ctx) {
  const std::string optionalPrefix = "optional:";
  if (category.compare(0, optionalPrefix.size(), optionalPrefix) == 0) {
    if (isNullopt(e, ctx))
      return ConstValue{};
    return evaluatePeeled(e, category.substr(optionalPrefix.size()), ctx);
  }
  if (category == "enum" || category == "other") {
    if (auto choice = enumChoice(e, ctx)) {
      ConstValue out;
      out.value = *choice;
      return out;
    }
  }
  if (isListCategory(category))
    if (auto elements = listElements(e))
      return evaluateList(*elements, category, ctx);
  return evaluateScalar(e, category, ctx);
}

} // namespace

PrintingPolicy manifestPolicy(const ASTContext &ctx) {
  PrintingPolicy policy(ctx.getLangOpts());
  policy.SuppressTagKeyword = true;
  policy.FullyQualifiedName = true;
  policy.Bool = true;
  return policy;
}

std::string spellType(QualType type, const ASTContext &ctx) {
  return TypeName::getFullyQualifiedName(type, ctx, manifestPolicy(ctx));
}

std::string qualifiedName(const NamedDecl *decl, const ASTContext &ctx) {
  std::string out;
  llvm::raw_string_ostream os(out);
  decl->printQualifiedName(os, manifestPolicy(ctx));
  return os.str();
}

TypeInfo describeType(QualType type, const ASTContext &ctx) {
  TypeInfo info = categorize(type, ctx);
  info.spelling = spellType(type, ctx);
  info.canonical = type.getCanonicalType().getAsString(manifestPolicy(ctx));
  return info;
}

ConstValue evaluateDefault(const Expr *expr, const TypeInfo &type, const ASTContext &ctx) {
  if (!expr || isDependent(expr))
    return ConstValue{};
  return evaluatePeeled(peel(expr), type.category, ctx);
}

bool derivesFrom(const CXXRecordDecl *record, llvm::StringRef name) {
  record = record ? record->getDefinition() : nullptr;
  if (!record)
    return false;
  if (record->getQualifiedNameAsString() == name)
    return true;
  for (const CXXBaseSpecifier &base : record->bases())
    if (derivesFrom(base.getType()->getAsCXXRecordDecl(), name))
      return true;
  return false;
}

const ClassTemplateSpecializationDecl *findSpecializedBase(const CXXRecordDecl *record,
                                                          llvm::StringRef templateName) {
  record = record ? record->getDefinition() : nullptr;
  if (!record)
    return nullptr;
  for (const CXXBaseSpecifier &base : record->bases()) {
    const CXXRecordDecl *baseRecord = base.getType()->getAsCXXRecordDecl();
    const auto *spec = llvm::dyn_cast_or_null<ClassTemplateSpecializationDecl>(baseRecord);
    if (spec && spec->getSpecializedTemplate()->getQualifiedNameAsString() == templateName)
      return spec;
    if (const auto *deeper = findSpecializedBase(baseRecord, templateName))
      return deeper;
  }
  return nullptr;
}

} // namespace fgcc::scan
