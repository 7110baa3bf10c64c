//===- YamlDocument.cpp - Phase "parse": pp text -> YAML tree with marks --===//
#include "parse/YamlDocument.h"

#include "support/PyText.h"

#include <cstdio>
#include <map>
#include <yaml-cpp/depthguard.h>
#include <sstream>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

namespace fgcc::yaml {

//===----------------------------------------------------------------------===//
// Locations
//===----------------------------------------------------------------------===//

/// Maps a pp-text mark to the template file:line that emitted that line
/// (spec section 12: report the true file line, not the pp-text one).
SourceLoc PpLocator::templateLoc(Mark m) const {
  if (!lineMap_)
    return ppLoc(m);
  SourceLoc loc = lineMap_->origin(m.line).loc;
  if (!loc.valid())
    return ppLoc(m);
  // When the template line reads exactly like the pp line (the common case:
  // YAML written literally in a template), the pp column is right there too.
  if (ppFile_ && loc.file->lineText(loc.line) == ppFile_->lineText(m.line))
    loc.col = m.col;
  else
    loc.col = 0;
  return loc;
}

/// The message keeps PyYAML's wording (spec section 12) so that searches for
/// it still work; only the location is fgcc's.
Diagnostic PpLocator::error(Mark m, const std::string &message) const {
  SourceLoc at = templateLoc(m);
  Diagnostic d{Severity::Error, at, message, {}};
  // The rendered-config position helps when the template line reads
  // differently (expressions, macros) or came through blocks and includes.
  const std::string context = lineMap_ ? lineMap_->origin(m.line).context : std::string();
  bool nested = context.find(" <- ") != std::string::npos || context.rfind("block", 0) == 0 ||
                context.rfind("macro", 0) == 0;
  if (lineMap_ && lineMap_->origin(m.line).loc.valid() && (at.col == 0 || nested)) {
    d.note(ppLoc(m), "line " + std::to_string(m.line) + ", column " + std::to_string(m.col) +
                         " of the rendered config" + (context.empty() ? "" : " (from " + context + ")"));
  }
  return d;
}

namespace {

/// yaml-cpp counts from 0; PyYAML's messages (and ours) count from 1.
Mark toMark(const YAML::Mark &m) {
  return {static_cast<uint32_t>(m.line + 1), static_cast<uint32_t>(m.column + 1)};
}

//===----------------------------------------------------------------------===//
// Event handler: builds the tree
//===----------------------------------------------------------------------===//

/// Turns yaml-cpp's parse events into the Node tree; yaml-cpp's own node
/// API is not used because it loses what the header lists (duplicate
/// keys, scalar styles, anchor names).
class TreeBuilder : public YAML::EventHandler {
public:
  TreeBuilder(Document &doc, const PpLocator &where, const ParseLimits &limits)
      : doc_(doc), where_(where), limits_(limits) {}

  void OnDocumentStart(const YAML::Mark &mark) override { documentStart_ = toMark(mark); }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark &mark, YAML::anchor_t anchor) override {
    Node *n = make(mark, anchor);
    n->kind = NodeKind::Null;
    attach(n);
  }

  void OnAlias(const YAML::Mark &mark, YAML::anchor_t anchor) override {
    // An alias resolves to the anchored node itself: sharing, not a copy
    // (spec section 6.5).
    auto it = anchors_.find(anchor);
    if (it == anchors_.end())
      throw FatalError(where_.error(toMark(mark), "found undefined alias"));
    attach(it->second);
  }

  void OnScalar(const YAML::Mark &mark, const std::string &tag, YAML::anchor_t anchor,
                const std::string &value) override {
    Node *n = make(mark, anchor);
    n->kind = NodeKind::Scalar;
    // yaml-cpp reports "?" for plain untagged scalars and "!" for quoted or
    // block ones; both are untagged as far as the graph is concerned.
    if (tag == "?") {
      n->style = ScalarStyle::Plain;
    } else if (tag == "!") {
      n->style = ScalarStyle::Quoted;
    } else {
      n->tag = tag;
    }
    n->value = value;
    attach(n);
  }

  void OnSequenceStart(const YAML::Mark &mark, const std::string &tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Node *n = make(mark, anchor);
    n->kind = NodeKind::Sequence;
    n->tag = (tag == "?" || tag == "!") ? "" : tag;
    attach(n);
    stack_.push_back({n, nullptr});
  }

  void OnSequenceEnd() override { stack_.pop_back(); }

  void OnMapStart(const YAML::Mark &mark, const std::string &tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Node *n = make(mark, anchor);
    n->kind = NodeKind::Mapping;
    n->tag = (tag == "?" || tag == "!") ? "" : tag;
    attach(n);
    stack_.push_back({n, nullptr});
  }

  void OnMapEnd() override { stack_.pop_back(); }

  void OnAnchor(const YAML::Mark &mark, const std::string &name) override {
    // PyYAML refuses to redefine an anchor within a document.
    auto [it, inserted] = anchorMarks_.emplace(name, toMark(mark));
    if (!inserted) {
      Diagnostic d = where_.error(toMark(mark), "found duplicate anchor '" + name + "'; first occurrence at line " +
                                                    std::to_string(it->second.line) + ", second occurrence");
      d.note(where_.templateLoc(it->second), "first occurrence of anchor '" + name + "'");
      throw FatalError(d);
    }
    pendingAnchor_ = name;
  }

  Node *root() const { return root_; }
  /// Where the document began (its `---`, when it has one).
  Mark documentStart() const { return documentStart_; }

private:
  struct Open {
    Node *node;
    Node *pendingKey; ///< mappings: the key waiting for its value
  };

  /// A new node at `mark`; the anchor name announced by OnAnchor, which
  /// yaml-cpp sends just before the anchored node, is attached here.
  Node *make(const YAML::Mark &mark, YAML::anchor_t anchor) {
    if (doc_.size() >= limits_.maxNodes)
      throw FatalError(where_.error(toMark(mark), "the document has more than " +
                                                      std::to_string(limits_.maxNodes) + " nodes"));
    Node *n = doc_.newNode();
    n->mark = toMark(mark);
    if (anchor) {
      anchors_[anchor] = n;
      n->anchor = std::move(pendingAnchor_);
      pendingAnchor_.clear();
    }
    return n;
  }

  /// Adds a finished (or just opened) node to its parent: an item of a
  /// sequence, or alternately the key and the value of a mapping pair.
  void attach(Node *n) {
    if (stack_.empty()) {
      root_ = n;
      return;
    }
    Open &top = stack_.back();
    if (top.node->kind == NodeKind::Sequence) {
      top.node->items.push_back(n);
    } else if (!top.pendingKey) {
      top.pendingKey = n;
    } else {
      top.node->pairs.emplace_back(top.pendingKey, n);
      top.pendingKey = nullptr;
    }
  }

  Document &doc_;
  const PpLocator &where_;
  const ParseLimits &limits_;
  std::vector<Open> stack_;
  std::map<YAML::anchor_t, Node *> anchors_;
  std::map<std::string, Mark> anchorMarks_;
  std::string pendingAnchor_;
  Node *root_ = nullptr;
  Mark documentStart_;
};

/// The alias name written at a mark (`*name`), for yaml-cpp's anonymous
/// "the referenced anchor is not defined".
std::string aliasAt(std::string_view text, Mark m) {
  size_t line = 1, pos = 0;
  while (line < m.line && pos < text.size()) {
    if (text[pos++] == '\n')
      ++line;
  }
  pos += m.col - 1;
  if (pos < text.size() && text[pos] == '*')
    ++pos;
  size_t end = pos;
  while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) &&
         std::string_view(",[]{}").find(text[end]) == std::string_view::npos)
    ++end;
  return std::string(text.substr(pos, end - pos));
}

} // namespace

/// PyYAML's reader refuses characters outside its printable set before
/// parsing anything (`unacceptable character #x0000: special characters are
/// not allowed`).
/// Columns count characters, not bytes, as PyYAML's marks do.
void checkPrintable(std::string_view text, const PpLocator &where) {
  Mark m;
  for (size_t pos = 0; pos < text.size();) {
    size_t begin = pos;
    if (auto bad = py::findInvalidUtf8(text.substr(pos, 4)); bad && *bad == 0)
      throw FatalError(where.error(m, "invalid UTF-8 in the rendered config"));
    char32_t c = py::decodeUtf8(text, pos);
    bool printable = c == 0x09 || c == 0x0A || c == 0x0D || (c >= 0x20 && c <= 0x7E) || c == 0x85 ||
                     (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
    if (!printable) {
      char hex[16];
      std::snprintf(hex, sizeof hex, "%04x", static_cast<unsigned>(c));
      throw FatalError(where.error(m, std::string("unacceptable character #x") + hex +
                                          ": special characters are not allowed"));
    }
    if (c == '\n') {
      ++m.line;
      m.col = 1;
    } else {
      m.col += 1;
    }
    (void)begin;
  }
}

/// yaml-cpp's errors are rethrown as FatalError at the pp mark, with the
/// message rewritten to PyYAML's where the two differ.
std::unique_ptr<Document> parseDocument(std::string_view ppText, const PpLocator &where, ParseLimits limits) {
  checkPrintable(ppText, where);
  auto doc = std::make_unique<Document>();
  std::istringstream in{std::string(ppText)};
  try {
    YAML::Parser parser(in);
    TreeBuilder builder(*doc, where, limits);
    if (parser.HandleNextDocument(builder)) {
      doc->root = builder.root();
      // PyYAML's SafeLoader.get_single_node: a second document is an error.
      TreeBuilder rest(*doc, where, limits);
      if (parser.HandleNextDocument(rest))
        throw FatalError(where.error(rest.documentStart(),
                                     "expected a single document in the stream; but found another document"));
    }
  } catch (const YAML::DeepRecursion &e) {
    throw FatalError(where.error(toMark(e.mark), "the document is nested deeper than " + std::to_string(e.depth()) +
                                                     " levels"));
  } catch (const YAML::Exception &e) {
    Mark m = toMark(e.mark);
    std::string msg = e.msg;
    // yaml-cpp does not name the alias; PyYAML does, so read it from the text.
    if (msg == YAML::ErrorMsg::UNKNOWN_ANCHOR)
      msg = "found undefined alias '" + aliasAt(ppText, m) + "'";
    throw FatalError(where.error(m, msg));
  }
  return doc;
}

} // namespace fgcc::yaml
