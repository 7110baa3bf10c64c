//===- Types.h - Types and constants as a config checker sees them --------===//
//
// A config gives `kernel_size: 3` or `betas: [0.9, 0.999]`; to check and
// convert such values, fgcc needs each C++ parameter's coarse category
// (int, float, int_array, enum with its choices, ...) and its default as a
// JSON constant. This file derives both from Clang's AST.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Manifest.h"

#include <clang/AST/ASTContext.h>
#include <clang/AST/DeclCXX.h>

namespace fgcc::scan {

/// The printing policy for every type name in the manifest: `bool` not
/// `_Bool`, no `struct` keyword, fully qualified template names.
clang::PrintingPolicy manifestPolicy(const clang::ASTContext &ctx);

/// A type spelled as written (typedefs kept) but fully qualified:
/// "torch::nn::Conv1dOptions", "int64_t", "std::vector<int64_t>".
std::string spellType(clang::QualType type, const clang::ASTContext &ctx);

/// The fully qualified name of a declaration ("torch::nn::LinearOptions").
std::string qualifiedName(const clang::NamedDecl *decl, const clang::ASTContext &ctx);

/// Spelling, canonical spelling and category of a parameter or field type.
TypeInfo describeType(clang::QualType type, const clang::ASTContext &ctx);

/// The value of a default argument or member initializer, shaped by the
/// category (a string for "string", a list for arrays); null when Clang
/// cannot evaluate it.
ConstValue evaluateDefault(const clang::Expr *expr, const TypeInfo &type, const clang::ASTContext &ctx);

/// Whether `record` is, or derives (at any depth, through any access) from,
/// the class named `name`.
bool derivesFrom(const clang::CXXRecordDecl *record, llvm::StringRef name);

/// The base of `record` (at any depth) that specializes the class template
/// named `templateName`, e.g. torch::nn::ModuleHolder<LinearImpl>.
const clang::ClassTemplateSpecializationDecl *findSpecializedBase(const clang::CXXRecordDecl *record,
                                                                  llvm::StringRef templateName);

} // namespace fgcc::scan
