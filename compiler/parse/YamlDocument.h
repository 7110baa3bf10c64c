//===- YamlDocument.h - Phase "parse": pp text -> YAML tree with marks ----===//
//
// The rendered config (pp text) is one YAML 1.1 document with custom tags.
// This phase turns it into a tree of YAML nodes that keeps what the graph
// phase needs and yaml-cpp's node API would lose: the tag as written, plain
// versus quoted scalars (implicit typing applies to plain ones only),
// mapping pairs in document order with duplicates (PyYAML keeps the first
// position and the last value), merge keys unapplied, anchor names, and a
// mark on every node. An anchor and its aliases are one node, so sharing is
// explicit and an alias bomb stays small.
//
// yaml-cpp's event API produces the raw events; errors are reported at the
// pp-text position and, through the render line map, at the template line.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "render/LineMap.h"
#include "support/Diagnostics.h"

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace fgcc::yaml {

/// 1-based position in the pp text.
struct Mark {
  uint32_t line = 1;
  uint32_t col = 1;
};

/// Null is yaml-cpp's null event; the graph phase treats it like an empty
/// scalar (so a bare `!dict` is an empty dict).
enum class NodeKind : uint8_t { Null, Scalar, Sequence, Mapping };

/// How a scalar was written: plain scalars are typed by YAML 1.1 rules,
/// quoted and block scalars are always strings.
enum class ScalarStyle : uint8_t { Plain, Quoted };

/// One YAML node, before any typing or tag construction (those are the
/// graph phase's, spec sections 6-7).
struct Node {
  NodeKind kind = NodeKind::Null;
  ScalarStyle style = ScalarStyle::Plain;
  /// The tag as written (`!singleton:torch.nn:Linear@proj`), a core tag in
  /// long form (`tag:yaml.org,2002:float`), or empty when untagged.
  std::string tag;
  std::string value; ///< scalars
  std::vector<Node *> items;                  ///< sequences
  std::vector<std::pair<Node *, Node *>> pairs; ///< mappings, in document order
  std::string anchor;                          ///< anchor name, if any
  Mark mark;
  uint32_t id = 0; ///< creation order, stable across runs
};

/// Where a pp-text line came from, for diagnostics.
class PpLocator {
public:
  PpLocator(const SourceFile *ppFile, const render::LineMap *lineMap) : ppFile_(ppFile), lineMap_(lineMap) {}
  /// A diagnostic at the template location of `m`, with a note giving the
  /// pp-text position.
  Diagnostic error(Mark m, const std::string &message) const;
  SourceLoc templateLoc(Mark m) const;
  SourceLoc ppLoc(Mark m) const { return {ppFile_, m.line, m.col}; }

private:
  const SourceFile *ppFile_;
  const render::LineMap *lineMap_;
};

/// Owns a document's nodes. Ids are dense creation-order numbers, which
/// lets the graph builder memoise by id in a plain vector.
class Document {
public:
  Node *root = nullptr;
  Node *newNode() {
    nodes_.emplace_back();
    nodes_.back().id = static_cast<uint32_t>(nodes_.size());
    return &nodes_.back();
  }
  size_t size() const { return nodes_.size(); }

private:
  std::deque<Node> nodes_;
};

/// Bounds on hostile input; a rendered config from the template library
/// is far below them.
struct ParseLimits {
  size_t maxNodes = 20000000;
};

/// Parses exactly one document (an empty stream gives a null root). Throws
/// FatalError with PyYAML's wording: `found undefined alias 'x'`, `found
/// duplicate anchor 'x'`, `expected a single document in the stream`, ...
std::unique_ptr<Document> parseDocument(std::string_view ppText, const PpLocator &where, ParseLimits limits = {});

} // namespace fgcc::yaml
