//===- TemplateLoader.h - Phase "load": finding and splitting templates ---===//
//
// The load phase turns a template *name* into template *text*. Names are
// '/'-separated paths relative to an ordered search path (the first directory
// holding the file wins); a file may hold several templates separated by
// `#--- name ---` lines, which are registered under their bare names when the
// file is first read. The loader is also the security boundary: no name can
// reach a file outside the search path.
//
// One loader serves one config: its sub-template registry and its cache are
// fresh per config, so rendering a config never depends on which configs were
// rendered before it (see docs/config-language.md, "Differences").
//
//===----------------------------------------------------------------------===//
#pragma once

#include "support/Diagnostics.h"
#include "support/Source.h"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace fgcc {

/// The raw text of one template: a whole file, or one part of a split file.
struct TemplateSource {
  std::string name;
  const SourceFile *file = nullptr;
  /// 1-based line of `file` on which this template's text begins.
  uint32_t firstLine = 1;
  std::string text;
};

/// One part of a file split at `#--- name ---` separators. The file's own
/// template has an empty name.
struct TemplatePart {
  std::string name;
  size_t offset = 0; ///< byte offset of the part's text in the file
  std::string text;
};

/// Limits that keep hostile inputs from exhausting memory.
struct LoadLimits {
  size_t maxFileBytes = 64u << 20;
};

/// Resolves template names to sources (spec section 2): sub-templates and
/// added templates first, then the search path in order. Each file read
/// (re-)registers its sub-templates, so load order matters as in the
/// reference (spec section 2.2).
class TemplateLoader {
public:
  TemplateLoader(SourceManager &sources, std::vector<std::string> searchPath,
                 LoadLimits limits = {});

  /// Finds a template: registered sub-templates first, then files on the
  /// search path. Returns null when nothing matches; throws FatalError (at
  /// `requestedAt`) for a name that is refused or a file that cannot be read.
  std::shared_ptr<const TemplateSource> find(std::string_view name, SourceLoc requestedAt);

  /// Registers a template from a string (never split, like the reference's
  /// `add_template`).
  void addTemplate(std::string name, std::string text);

  /// Reads a file that is not found by name (the config itself when it is
  /// given as a path) and registers its sub-templates.
  std::shared_ptr<const TemplateSource> loadFile(const std::string &path, std::string name,
                                                 SourceLoc requestedAt);

  const std::vector<std::string> &searchPath() const { return searchPath_; }
  SourceManager &sources() { return sources_; }

  /// Splits raw file text at `#--- name ---` separators (spec section 2.2).
  static std::vector<TemplatePart> split(std::string_view text);

  /// Validates a template name and returns its path segments; throws a
  /// FatalError for names that could leave the search path.
  static std::vector<std::string> nameSegments(std::string_view name, SourceLoc requestedAt);

private:
  std::string readChecked(const std::string &path, SourceLoc requestedAt);
  std::shared_ptr<const TemplateSource> registerFile(const std::string &path, std::string name,
                                                     SourceLoc requestedAt);

  SourceManager &sources_;
  std::vector<std::string> searchPath_;
  /// Canonical (symlink-free) form of each search directory, for containment checks.
  std::vector<std::string> canonicalDirs_;
  LoadLimits limits_;
  /// Sub-templates and added templates by bare name; later files overwrite.
  std::map<std::string, std::shared_ptr<const TemplateSource>, std::less<>> registry_;
};

} // namespace fgcc
