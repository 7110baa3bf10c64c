//===- Session.cpp - One fgcc invocation: resolve a config and render it --===//
#include "driver/Session.h"

#include "render/Globals.h"
#include "support/PyPath.h"

#include <cstdlib>
#include <sys/stat.h>
#include <unistd.h>
#include "driver/YamlLookup.h"

namespace fgcc {

namespace {

bool exists(const std::string &p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

bool isDir(const std::string &p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

} // namespace

/// FGCC_STDLIB overrides the lookup; otherwise the installed copy, then the
/// source tree's, so a build runs without being installed.
std::string stdlibDir() {
  if (const char *env = std::getenv("FGCC_STDLIB"))
    return env;
  // Build tree: build/bin/fgcc -> <source>/stdlib-templates (see CMake);
  // install tree: <prefix>/bin/fgcc -> <prefix>/share/fgcc/stdlib-templates.
  std::string bin = executableDir();
  for (const std::string &candidate :
       {bin + "/../share/fgcc/stdlib-templates", std::string(FGCC_STDLIB_DIR)})
    if (isDir(candidate))
      return pypath::normpath(candidate);
  return FGCC_STDLIB_DIR;
}

std::string runtimeDir() {
  if (const char *env = std::getenv("FGCC_RUNTIME"))
    return env;
  std::string installed = executableDir() + "/../share/fgcc/runtime";
  return isDir(installed) ? pypath::normpath(installed) : std::string(FGCC_RUNTIME_DIR);
}

Session::Session(ConfigRequest request, SourceManager &sources) : req_(std::move(request)), sources_(sources) {}

/// A new loader and environment: nothing loaded or compiled for an earlier
/// config can leak into this one.
void Session::setUp(std::vector<std::string> searchPath, const render::ProjectGlobals &globals) {
  loader_ = std::make_unique<TemplateLoader>(sources_, std::move(searchPath));
  env_ = std::make_unique<render::Environment>(*loader_, req_.commentMode);
  render::installGlobals(env_->globals(), globals);
}

/// Spec sections 10.1-10.2: find the workspace, render meta.yaml with its
/// own search path and globals, and read the keys fgcc uses.
ProjectInfo Session::loadProject(const std::string &projectDir) {
  ProjectInfo info;
  info.projectDir = projectDir;
  std::optional<std::string> ws = findWorkspaceRoot(projectDir);
  if (!ws)
    throw FatalError(SourceLoc{}, "Workspace directory,'forgather_workspace', was not found under project directory " +
                                      projectDir);
  info.workspaceRoot = *ws;
  // meta.yaml is a template with its own search path (spec section 10.2).
  std::vector<std::string> metaPath{projectDir, *ws + "/forgather_workspace"};
  // forgather_config_dir()/templates, platformdirs' Linux location; only
  // searched when it exists.
  const char *xdg = std::getenv("XDG_CONFIG_HOME");
  const char *home = std::getenv("HOME");
  std::string userTemplates = (xdg && *xdg ? std::string(xdg) : std::string(home ? home : "/") + "/.config") +
                              "/forgather/templates";
  if (isDir(userTemplates))
    metaPath.push_back(userTemplates);
  info.metaSearchPath = metaPath;

  TemplateLoader loader(sources_, metaPath);
  // The comment mode only changes blank lines (spec section 3.4), which
  // cannot change the keys read below.
  render::Environment env(loader, CommentMode::Preserve);
  render::installGlobals(env.globals(), {projectDir, *ws});
  render::Dict args;
  args.set(render::Value::str("project_dir"), render::Value::str(projectDir));
  args.set(render::Value::str("workspace_root"), render::Value::str(*ws));
  const render::CompiledTemplate &meta = env.get("meta.yaml", SourceLoc{});
  render::RenderResult result = env.render(meta, args);
  for (const render::CompiledTemplate *t : env.loadOrder())
    info.metaTemplates.push_back(t->lines.name);

  YAML::Node root;
  try {
    // Only a few scalar keys are needed, so yaml-cpp suffices here; lookups
    // keep PyYAML's last-duplicate-wins (YamlLookup.h).
    root = YAML::Load(result.text);
  } catch (const YAML::Exception &e) {
    render::LineMap map(result);
    throw FatalError(map.origin(static_cast<uint32_t>(e.mark.line + 1)).loc,
                     "while loading the rendered meta.yaml: " + e.msg);
  }
  if (!root.IsMap())
    throw FatalError(meta.lines.at(1, 1), "meta.yaml must render to a mapping");
  info.name = lastMapScalar(root, "name", info.name);
  info.description = lastMapScalar(root, "description", info.description);
  info.configPrefix = lastMapScalar(root, "config_prefix", info.configPrefix);
  info.defaultConfig = lastMapScalar(root, "default_config", "");
  std::vector<std::string> dirs;
  YAML::Node searchdir = lastMapValue(root, "searchdir");
  if (searchdir && searchdir.IsSequence()) {
    for (const auto &d : searchdir)
      if (d.IsScalar())
        dirs.push_back(d.Scalar());
  } else if (searchdir && searchdir.IsScalar()) {
    dirs.push_back(searchdir.Scalar());
  } else {
    dirs.push_back(projectDir + "/templates");
  }
  // Made absolute against the working directory, not the project (spec
  // section 10.2); missing directories are dropped.
  for (const std::string &d : dirs) {
    std::string abs = absolutePath(d);
    if (isDir(abs))
      info.searchDirs.push_back(abs);
  }
  return info;
}

/// Two ways to name a config: a file path (inside a project or
/// stand-alone), or `-p`/`-t` as in the reference (spec sections 10.1,
/// 10.4). Either way `-I` directories and the stdlib come last.
void Session::resolve() {
  std::vector<std::string> searchPath;
  render::ProjectGlobals globals;
  if (!req_.path.empty()) {
    configPath_ = absolutePath(req_.path);
    if (!exists(configPath_))
      throw FatalError(SourceLoc{}, "config file '" + req_.path + "' not found");
    std::string dir = pypath::dirname(configPath_);
    std::optional<std::string> projectDir = findProjectDir(dir);
    // A meta.yaml with no workspace above it: treat the config as stand-alone
    // instead of failing for want of a workspace.
    if (projectDir && findWorkspaceRoot(*projectDir)) {
      project_ = loadProject(*projectDir);
      // A config inside the project's search path is loaded by its name,
      // exactly as `-t` would load it.
      for (const std::string &sd : project_->searchDirs)
        if (configPath_.compare(0, sd.size() + 1, sd + "/") == 0 && templateName_.empty())
          templateName_ = configPath_.substr(sd.size() + 1);
      searchPath = project_->searchDirs;
      if (templateName_.empty())
        searchPath.insert(searchPath.begin(), dir);
      globals = {project_->projectDir, project_->workspaceRoot};
    } else {
      // A stand-alone config: its own directory is the search path and stands
      // in for both project_dir and workspace_root.
      searchPath.push_back(dir);
      globals = {dir, dir};
    }
    if (templateName_.empty())
      templateName_ = pypath::basename(configPath_);
  } else {
    std::optional<std::string> projectDir = findProjectDir(req_.projectDir);
    if (!projectDir)
      throw FatalError(SourceLoc{}, "No projects were found at or above " + absolutePath(req_.projectDir) +
                                        " (no meta.yaml)");
    project_ = loadProject(*projectDir);
    std::string name = req_.templateName;
    if (name.empty())
      name = project_->defaultConfig;
    if (name.empty()) {
      auto configs = findConfigs(*project_);
      if (configs.empty())
        throw FatalError(SourceLoc{}, "project " + *projectDir + " has no configs under '" +
                                          project_->configPrefix + "/' and meta.yaml names no default_config");
      // The reference takes the first file-system entry (spec section 10.3);
      // fgcc the first sorted name, so the default does not depend on the disk.
      name = configs.front().first;
    }
    // os.path.join: an absolute name replaces the prefix, then is taken
    // relative to the search path.
    templateName_ = pypath::join(project_->configPrefix, name);
    while (!templateName_.empty() && templateName_[0] == '/')
      templateName_.erase(0, 1);
    searchPath = project_->searchDirs;
    globals = {project_->projectDir, project_->workspaceRoot};
  }
  // -I directories and the stdlib come after the project's own, so a
  // project template of the same name always wins.
  for (const std::string &inc : req_.includeDirs)
    searchPath.push_back(absolutePath(inc));
  std::string lib = stdlibDir();
  if (isDir(lib))
    searchPath.push_back(lib);
  setUp(searchPath, globals);
  // A config path outside the project's search directories (or with no
  // project) is read directly; one inside them is found by name, as -t would.
  if (!configPath_.empty() && (!project_ || templateName_ == pypath::basename(configPath_)) &&
      searchPath.front() == pypath::dirname(configPath_)) {
    configSource_ = loader_->loadFile(configPath_, templateName_, SourceLoc{});
  } else {
    configSource_ = loader_->find(templateName_, SourceLoc{});
    if (!configSource_)
      throw FatalError(SourceLoc{}, "TemplateNotFound: " + templateName_);
  }
}

/// `-D` values (and dynamic args) are render arguments, the highest
/// priority names a template sees (spec section 4.2, layer 4).
RenderedConfig Session::renderResolved() {
  const render::CompiledTemplate &tmpl = env_->adopt(templateName_, configSource_);
  render::Dict args;
  for (const auto &[name, value] : req_.defines)
    args.set(render::Value::str(name), value);
  RenderedConfig out;
  out.templateName = templateName_;
  out.configPath = configPath_;
  out.project = project_;
  out.searchPath = loader_->searchPath();
  out.result = env_->render(tmpl, args);
  // The line map is what lets later phases point at template lines.
  out.lineMap = render::LineMap(out.result);
  for (const render::CompiledTemplate *t : env_->loadOrder())
    out.loaded.emplace_back(t->lines.name, t->lines.file ? t->lines.file->path() : "");
  return out;
}

/// Parse, construct and check (spec sections 6-8.3); errors are thrown at
/// the template line through the config's line map.
ConfigGraph Session::buildGraph(const RenderedConfig &config, bool stopAfterParse) {
  // The pp text is kept as a source file so diagnostics can quote it too.
  const SourceFile *pp = sources_.add("<rendered config>", config.result.text);
  ConfigGraph out;
  out.where = std::make_unique<yaml::PpLocator>(pp, &config.lineMap);
  out.document = yaml::parseDocument(config.result.text, *out.where);
  if (stopAfterParse)
    return out;
  out.graph = graph::buildGraph(*out.document, *out.where);
  graph::checkGraph(*out.graph, *out.where);
  return out;
}

RenderedConfig Session::render() {
  resolve();
  return renderResolved();
}

/// For `ls`: the project's meta.yaml is rendered once, each config then
/// gets its own loader and environment.
RenderedConfig Session::renderProjectConfig(const ProjectInfo &project, const std::string &name) {
  project_ = project;
  templateName_ = pypath::join(project.configPrefix, name);
  std::vector<std::string> searchPath = project.searchDirs;
  for (const std::string &inc : req_.includeDirs)
    searchPath.push_back(absolutePath(inc));
  std::string lib = stdlibDir();
  if (isDir(lib))
    searchPath.push_back(lib);
  // A fresh loader and environment per config (spec section 2.3).
  setUp(searchPath, {project.projectDir, project.workspaceRoot});
  configSource_ = loader_->find(templateName_, SourceLoc{});
  if (!configSource_)
    throw FatalError(SourceLoc{}, "TemplateNotFound: " + templateName_);
  return renderResolved();
}

} // namespace fgcc
