//===- Manifest.h - The component manifest that fgcc-scan writes ----------===//
//
// Plain data for one manifest (format "fgcc-manifest", version 1): the
// classes found in the scanned headers with their constructors and TORCH_ARG
// options. The scanner fills it while Clang's AST is alive; the JSON is
// written afterwards, so that no exception from the JSON library can cross
// an LLVM frame (Debian's LLVM is built without exception support).
//
// The format is documented in manifest/README.md; compiler/resolve reads it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace fgcc::scan {

/// A default value that Clang could evaluate: null (not evaluated, or
/// nullopt), a bool, a signed or unsigned integer, a double, a string, or a
/// list of those (tuples, expanding arrays, vectors).
struct ConstValue {
  using List = std::vector<ConstValue>;
  std::variant<std::monostate, bool, int64_t, uint64_t, double, std::string, List> value;

  bool isNull() const { return std::holds_alternative<std::monostate>(value); }
};

/// A type as the checker needs it: the spelling (typedefs kept, fully
/// qualified), the canonical spelling, and a coarse category.
struct TypeInfo {
  std::string spelling;
  std::string canonical;
  std::string category;
  /// Enum choices ("Zeros" for torch::enumtype::kZeros), for "enum" and
  /// "optional:enum".
  std::vector<std::string> choices;
  /// Categories of a variant's non-enum alternatives (Conv padding takes an
  /// expanding array or kValid/kSame).
  std::vector<std::string> alternatives;
};

/// A constructor parameter or a TORCH_ARG option.
struct Param {
  std::string name;
  TypeInfo type;
  /// The default's source text; absent when there is none.
  std::optional<std::string> defaultText;
  ConstValue defaultValue;
  /// The doc comment; written for TORCH_ARG options only.
  std::string doc;
};

struct Constructor {
  std::vector<Param> params;
};

struct ClassEntry {
  std::string name;   ///< fully qualified
  std::string header; ///< include spelling, relative to its include dir
  std::string kind;   ///< module, module_holder, options, optimizer, class
  std::string impl;   ///< module_holder only
  std::string options; ///< the options class a constructor takes; "" if none
  std::vector<std::string> bases;
  std::string doc;
  std::vector<Constructor> constructors;
  std::vector<Param> args;
};

struct Manifest {
  std::vector<ClassEntry> classes;
};

/// The manifest as JSON text (two-space indent, keys in schema order, a
/// final newline).
std::string toJson(const Manifest &manifest);

} // namespace fgcc::scan
