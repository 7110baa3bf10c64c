//===- Session.h - One fgcc invocation: resolve a config and render it ----===//
//
// The driver's glue between the command line and the phases: it finds the
// project (or treats a path as a stand-alone config), builds the search path,
// the loader and the environment, and runs load -> preprocess -> render.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "graph/Graph.h"
#include "load/Project.h"
#include "load/TemplateLoader.h"
#include "render/Environment.h"
#include "render/Globals.h"
#include "render/LineMap.h"

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace fgcc {

/// What the user asked for on the command line.
struct ConfigRequest {
  std::string projectDir = ".";      ///< -p
  std::string templateName;          ///< -t (relative to the config prefix)
  std::string path;                  ///< positional config path
  std::vector<std::string> includeDirs; ///< -I
  /// -D NAME=VALUE, VALUE already parsed.
  std::vector<std::pair<std::string, render::Value>> defines;
  CommentMode commentMode = CommentMode::Preserve;
};

/// A resolved config and everything its render produced.
struct RenderedConfig {
  std::string templateName;
  std::string configPath;
  std::optional<ProjectInfo> project;
  render::RenderResult result;
  render::LineMap lineMap;
  std::vector<std::string> searchPath;
  /// Templates loaded during the render, in load order: (name, file).
  std::vector<std::pair<std::string, std::string>> loaded;
};

/// The config after the parse and graph phases.
struct ConfigGraph {
  std::unique_ptr<yaml::Document> document;
  std::unique_ptr<graph::Graph> graph;
  /// Locates nodes for diagnostics of the later phases.
  std::unique_ptr<yaml::PpLocator> where;
};

/// Resolves one config request to a loader, an environment and a template,
/// and runs the front-end phases on it. Each Session builds fresh loader
/// state, as spec section 2.3 requires of every config render.
class Session {
public:
  /// `sources` must outlive every diagnostic the session throws.
  Session(ConfigRequest request, SourceManager &sources);

  /// Resolves and renders the requested config; throws FatalError.
  RenderedConfig render();
  /// Resolves the config (project discovery, search path, template name)
  /// without rendering.
  void resolve();

  /// Runs parse and graph (with the load-time check) on a rendered config.
  /// `stopAfterParse` skips the graph phase.
  ConfigGraph buildGraph(const RenderedConfig &config, bool stopAfterParse = false);

  /// Renders `meta.yaml` of a project directory.
  ProjectInfo loadProject(const std::string &projectDir);

  /// Renders the named config of an already loaded project (for `ls`).
  RenderedConfig renderProjectConfig(const ProjectInfo &project, const std::string &name);

  /// The loader and environment of the last resolve (for emit stops).
  TemplateLoader &loader() { return *loader_; }
  render::Environment &environment() { return *env_; }
  std::shared_ptr<const TemplateSource> configSource() { return configSource_; }
  const std::string &templateName() const { return templateName_; }
  SourceManager &sources() { return sources_; }

private:
  void setUp(std::vector<std::string> searchPath, const render::ProjectGlobals &globals);
  RenderedConfig renderResolved();

  ConfigRequest req_;
  SourceManager &sources_;
  std::optional<ProjectInfo> project_;
  std::unique_ptr<TemplateLoader> loader_;
  std::unique_ptr<render::Environment> env_;
  std::shared_ptr<const TemplateSource> configSource_;
  std::string templateName_;
  std::string configPath_;
};

/// A mistake on the command line: printed without a location, exit status 2.
class UsageError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Parses the VALUE of `-D NAME=VALUE` as a YAML flow value; throws
/// FatalError on malformed input.
render::Value parseDefineValue(const std::string &text);

/// The directory holding fgcc's template library.
std::string stdlibDir();

/// The fgrt sources generated projects vendor: $FGCC_RUNTIME, else
/// `<prefix>/share/fgcc/runtime` next to an installed fgcc, else the source
/// tree's `runtime/`.
std::string runtimeDir();

} // namespace fgcc
