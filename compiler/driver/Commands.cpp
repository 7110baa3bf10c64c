//===- Commands.cpp - fgcc's subcommands ----------------------------------===//
//
// Each command resolves a config or a project through Session and prints in
// the reference's format (spec section 11) where one is defined.
//
//===----------------------------------------------------------------------===//
#include "driver/Commands.h"

#include "check/Checker.h"
#include "graph/Encoders.h"
#include "resolve/Resolver.h"
#include "load/Project.h"
#include "preprocess/Preprocessor.h"
#include "support/PyFormat.h"
#include "support/PyPath.h"
#include "support/PyText.h"

#include <dirent.h>
#include <algorithm>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>
#include "driver/YamlLookup.h"

namespace fgcc {

namespace {

/// The process working directory: the reference prints paths relative to
/// it (spec section 14, "Paths"), so fgcc does too.
std::string cwd() {
  char buf[4096];
  return getcwd(buf, sizeof buf) ? buf : "/";
}

/// Python's os.path.relpath(path) against the working directory.
std::string rel(const std::string &path) { return pypath::relpath(path, cwd(), cwd()); }

bool isDir(const std::string &p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

/// Reads `meta.config_name` / `meta.config_description` of a rendered
/// config for `ls`; missing values give the reference's defaults.
std::pair<std::string, std::string> configLabel(const std::string &ppText) {
  std::string name = "Anonymous", description = "No Description";
  // The reference materialises the `meta` target; reading its two scalars
  // from the pp text gives the same strings. A YAML error reaches the caller.
  YAML::Node root = YAML::Load(ppText);
  YAML::Node meta = lastMapValue(root, "meta");
  return {lastMapScalar(meta, "config_name", name), lastMapScalar(meta, "config_description", description)};
}

/// Lists one project: a header and one line per config.
void listProject(GlobalOptions &opts, const std::string &projectDir, bool header, std::ostream &out) {
  Session session(opts.request, *opts.sources);
  ProjectInfo project = session.loadProject(projectDir);
  if (header)
    out << "\nProject Path: " << projectDir << "\n\n";
  out << project.name << " : " << project.description << "\n";
  // Every config, in sorted name order as the reference's `ls` lists them.
  for (const auto &[name, path] : findConfigs(project)) {
    // The default config is bracketed (spec section 11).
    std::string label = name == project.defaultConfig ? "[" + name + "]" : name;
    std::string line;
    try {
      // A fresh session per config: the reference's `ls` shares one environment
      // and so can render differently (spec section 2.3); fgcc does not.
      Session one(opts.request, *opts.sources);
      RenderedConfig rc = one.renderProjectConfig(project, name);
      auto [configName, description] = configLabel(rc.result.text);
      line = configName + " : " + description;
    } catch (const std::exception &) {
      // The reference's message, spelling included, for any failure.
      line = "PARSE ERROR : An error occured while parsing the configuration.";
    }
    // Python's `{label:<30}` pads but never truncates, hence the long-label case.
    char padded[64];
    std::snprintf(padded, sizeof padded, "%-30s", label.c_str());
    out << "    " << (label.size() >= 30 ? label : std::string(padded)) << " " << line << "\n";
  }
}

/// `ls -r`: every directory holding a meta.yaml, in sorted order (the
/// reference's walk is unsorted); hidden directories are skipped.
void findProjects(const std::string &dir, std::vector<std::string> &out, int depth) {
  if (depth > 32)
    return;
  struct stat st {};
  if (::stat((dir + "/meta.yaml").c_str(), &st) == 0 && S_ISREG(st.st_mode))
    out.push_back(dir);
  DIR *d = opendir(dir.c_str());
  if (!d)
    return;
  std::vector<std::string> names;
  while (dirent *e = readdir(d))
    names.emplace_back(e->d_name);
  closedir(d);
  std::sort(names.begin(), names.end());
  for (const std::string &n : names)
    if (n != "." && n != ".." && n[0] != '.' && isDir(dir + "/" + n))
      findProjects(dir + "/" + n, out, depth + 1);
}

/// Every `*.yaml` file under the search directories, sorted per directory.
/// Used by `tlist`, whose reference output is in walk order; fgcc sorts.
std::vector<std::pair<std::string, std::string>> templateFiles(const std::vector<std::string> &dirs) {
  std::vector<std::pair<std::string, std::string>> files;
  std::function<void(const std::string &, const std::string &)> walk = [&](const std::string &dir,
                                                                           const std::string &relName) {
    DIR *d = opendir(dir.c_str());
    if (!d)
      return;
    std::vector<std::string> names;
    while (dirent *e = readdir(d))
      names.emplace_back(e->d_name);
    closedir(d);
    std::sort(names.begin(), names.end());
    for (const std::string &n : names) {
      if (n == "." || n == ".." || n[0] == '.')
        continue;
      std::string path = dir + "/" + n, name = relName.empty() ? n : relName + "/" + n;
      if (isDir(path))
        walk(path, name);
      else if (n.size() > 5 && n.compare(n.size() - 5, 5, ".yaml") == 0)
        files.emplace_back(name, path);
    }
  };
  for (const std::string &dir : dirs)
    walk(dir, "");
  return files;
}

/// The literal name of the first `{% extends 'x' %}` in preprocessed text.
/// As in the reference's `tlist --format md`, a dynamic `extends ns.x` is
/// not recognised, which makes such a template a root (spec section 11).
std::string literalExtends(const std::string &text) {
  size_t at = 0;
  while ((at = text.find("{%", at)) != std::string::npos) {
    size_t i = at + 2;
    if (i < text.size() && (text[i] == '-' || text[i] == '+'))
      ++i;
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
      ++i;
    if (text.compare(i, 7, "extends") == 0) {
      i += 7;
      while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
        ++i;
      if (i < text.size() && (text[i] == '\'' || text[i] == '"')) {
        size_t end = text.find(text[i], i + 1);
        if (end != std::string::npos)
          return text.substr(i + 1, end - i - 1);
      }
      return "";
    }
    at += 2;
  }
  return "";
}

} // namespace

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}


/// `pp --debug`: every compiled template after preprocessing, under a
/// banner with the name centred in 80 columns, with numbered lines.
void printCompiledTemplates(Session &session, std::ostream &out) {
  for (const render::CompiledTemplate *t : session.environment().loadOrder()) {
    // Python's f"{' '+name+' ':-^80}" and "{n:>6}: {line}" (spec section 3.4).
    out << py::formatStr(" " + t->lines.name + " ", "-^80") << "\n";
    std::istringstream lines(t->preprocessed);
    std::string line;
    for (int n = 1; std::getline(lines, line); ++n)
      out << py::formatInt(n, ">6") << ": " << line << "\n";
  }
}

/// The pp text followed by one newline, as the reference's print() adds.
int runPp(GlobalOptions &opts, std::ostream &out) {
  Session session(opts.request, *opts.sources);
  RenderedConfig rc = session.render();
  if (opts.debug)
    printCompiledTemplates(session, out);
  if (!opts.lineMap) {
    out << rc.result.text << "\n";
    return 0;
  }
  // One line per rendered line: origin, then the text.
  std::istringstream lines(rc.result.text);
  std::string line;
  for (uint32_t n = 1; std::getline(lines, line); ++n) {
    const render::LineOriginInfo &o = rc.lineMap.origin(n);
    std::string where = o.loc.valid() ? o.loc.file->path() + ":" + std::to_string(o.loc.line) : "?";
    out << n << "\t" << where << "\t" << line << "\n";
  }
  return 0;
}

int runGraph(GlobalOptions &opts, const std::string &format, bool compat, std::ostream &out) {
  Session session(opts.request, *opts.sources);
  RenderedConfig rc = session.render();
  ConfigGraph cg = session.buildGraph(rc);
  if (format == "json")
    out << graph::encodeJson(*cg.graph) << "\n";
  else
    out << graph::encodeYaml(*cg.graph, compat ? graph::YamlDialect::Forgather : graph::YamlDialect::Fixed) << "\n";
  return 0;
}

int runTargets(GlobalOptions &opts, std::ostream &out) {
  Session session(opts.request, *opts.sources);
  RenderedConfig rc = session.render();
  ConfigGraph cg = session.buildGraph(rc);
  // No targets without a mapping root: an empty document (None, which the
  // reference rejects as well, spec section 6.1) or a list.
  if (!cg.graph->root || cg.graph->root->kind != graph::Kind::Dict)
    throw FatalError(SourceLoc{}, "the config is not a mapping, so it has no targets");
  for (const std::string &name : graph::targetNames(*cg.graph))
    out << name << "\n";
  out << "\n";
  return 0;
}

/// Scans a user header with fgcc-scan (next to fgcc), caching the manifest
/// by the header's content hash under $XDG_CACHE_HOME/fgcc/manifests.
std::string scanHeader(const std::string &header) {
  std::string text = readFile(header);
  if (text.empty() && ::access(header.c_str(), R_OK) != 0)
    throw UsageError("cannot read header '" + header + "'");
  // Keyed by content and absolute path: an edited header is scanned again.
  size_t hash = std::hash<std::string>()(text + "\x1f" + absolutePath(header));
  const char *xdg = std::getenv("XDG_CACHE_HOME");
  const char *home = std::getenv("HOME");
  std::string cache = (xdg && *xdg ? std::string(xdg) : std::string(home ? home : "/tmp") + "/.cache") + "/fgcc/manifests";
  char hex[32];
  std::snprintf(hex, sizeof hex, "%016zx", hash);
  std::string out = cache + "/" + hex + ".json";
  if (::access(out.c_str(), R_OK) == 0)
    return out;
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  std::string scanner = n > 0 ? pypath::dirname(std::string(self, static_cast<size_t>(n))) + "/fgcc-scan" : "fgcc-scan";
  // Write to .tmp and rename, so a concurrent or interrupted run never
  // leaves a half-written manifest in the cache.
  std::string command = "mkdir -p '" + cache + "' && '" + scanner + "' -o '" + out + ".tmp' '" + absolutePath(header) +
                        "' && mv '" + out + ".tmp' '" + out + "'";
  if (std::system(command.c_str()) != 0)
    throw FatalError(SourceLoc{}, "scanning header '" + header + "' with fgcc-scan failed");
  return out;
}

/// The manifests installed with fgcc plus the scanned `-H` headers and the
/// headers named by file specs in the config (`!partial:my_attn.hpp:Attn`,
/// relative to the config's directory or the working directory).
resolve::Manifest loadManifests(GlobalOptions &opts, const graph::Graph *config, const std::string &configDir) {
  resolve::Manifest manifest;
  std::vector<std::string> paths = resolve::defaultManifestPaths();
  if (paths.empty())
    throw FatalError(SourceLoc{}, "no component manifest found (build fgcc-scan's LibTorch manifest, or set "
                                  "FGCC_MANIFEST_DIR)");
  for (const std::string &p : paths)
    manifest.load(p);
  for (const std::string &h : opts.headers)
    manifest.load(scanHeader(h));
  if (config) {
    std::set<std::string> scanned;
    for (const graph::Node &n : config->nodes()) {
      std::string header = n.isCallable() ? resolve::headerOfSpec(n.spec) : "";
      if (header.empty() || !scanned.insert(header).second)
        continue;
      // A relative header is looked up next to the config first.
      std::string path = header[0] != '/' && !configDir.empty() && ::access((configDir + "/" + header).c_str(), R_OK) == 0
                             ? configDir + "/" + header
                             : header;
      if (::access(path.c_str(), R_OK) != 0)
        throw FatalError(n.loc, "component header '" + header + "' not found");
      manifest.load(scanHeader(path));
    }
  }
  return manifest;
}

/// `--emit=resolve` / `--emit=check`: every call with what it resolved to,
/// then the program's variables.
void printTypedGraph(const resolve::TypedGraph &typed, std::ostream &out) {
  std::vector<const graph::Node *> calls;
  for (const auto &kv : typed.calls)
    calls.push_back(kv.first);
  std::sort(calls.begin(), calls.end(), [](const graph::Node *a, const graph::Node *b) { return a->id < b->id; });
  static const char *kinds[] = {"singleton", "factory", "partial", "meta"};
  for (const graph::Node *n : calls) {
    const resolve::Resolution &r = typed.calls.at(n);
    out << "#" << n->id << " " << kinds[static_cast<int>(n->callKind)] << " " << n->spec;
    if (n->hasName)
      out << " @" << n->explicitName;
    switch (r.target) {
    case resolve::Target::Component:
      out << " -> " << r.cppName << " (" << r.component->kind << ", " << r.component->header << ")";
      break;
    case resolve::Target::Builtin:
      out << " -> builtin " << r.cppName;
      break;
    case resolve::Target::Meta:
      out << " -> meta " << r.cppName;
      break;
    case resolve::Target::Unknown:
      out << " -> ?";
      break;
    }
    if (n->loc.valid())
      out << "  [" << n->loc.file->path() << ":" << n->loc.line << "]";
    out << "\n";
    if (!r.signature)
      continue;
    // Each keyword with the parameter type it was checked against.
    for (const graph::KeywordArg &kw : n->kwargs)
      for (const resolve::Param &p : r.signature->keywords)
        if (p.name == kw.name)
          out << "    " << kw.name << ": " << p.type << " (" << p.category << ")\n";
  }
  for (const resolve::ProgramVar &v : typed.vars)
    out << "var " << v.name << (v.defaultValue ? " = " + graph::scalarRepr(*v.defaultValue) : " (required)") << "\n";
}

/// `--emit=parse`: the YAML tree, one node per line, shared nodes once.
void printYamlTree(const yaml::Node *n, int depth, std::set<const yaml::Node *> &printed, std::ostream &out,
                   const std::string &prefix = "") {
  std::string pad(static_cast<size_t>(depth) * 2, ' ');
  out << pad << prefix;
  if (!n) {
    out << "(empty)\n";
    return;
  }
  // An alias: print a reference to the node, not the subtree again.
  if (!printed.insert(n).second) {
    out << "*" << (n->anchor.empty() ? "#" + std::to_string(n->id) : n->anchor) << "\n";
    return;
  }
  static const char *kinds[] = {"null", "scalar", "seq", "map"};
  out << kinds[static_cast<int>(n->kind)] << " @" << n->mark.line << ":" << n->mark.col;
  if (!n->anchor.empty())
    out << " &" << n->anchor;
  if (!n->tag.empty())
    out << " " << n->tag;
  if (n->kind == yaml::NodeKind::Scalar)
    out << (n->style == yaml::ScalarStyle::Plain ? " plain " : " quoted ") << py::strRepr(n->value);
  out << "\n";
  for (const yaml::Node *item : n->items)
    printYamlTree(item, depth + 1, printed, out, "- ");
  for (const auto &[k, v] : n->pairs) {
    printYamlTree(k, depth + 1, printed, out, "? ");
    printYamlTree(v, depth + 1, printed, out, ": ");
  }
}

/// An `expected-error` annotation of `fgcc check --verify`.
struct ExpectedDiagnostic {
  const SourceFile *file;
  uint32_t line;
  std::string text;
  bool matched = false;
};

/// Collects `expected-error[@+N|@-N] {{text}}` annotations (written in `##`
/// comments, so they never reach the rendered config) from every template
/// file the render read.
std::vector<ExpectedDiagnostic> expectedDiagnostics(Session &session) {
  std::vector<ExpectedDiagnostic> expected;
  std::set<const SourceFile *> files;
  // Annotations are read from every file the render used, in any template.
  for (const render::CompiledTemplate *t : session.environment().loadOrder())
    files.insert(t->lines.file);
  for (const SourceFile *f : files) {
    for (uint32_t line = 1; line <= f->lineCount(); ++line) {
      std::string_view text = f->lineText(line);
      for (size_t at = text.find("expected-error"); at != std::string_view::npos;
           at = text.find("expected-error", at + 1)) {
        size_t i = at + 14;
        long offset = 0;
        if (i < text.size() && text[i] == '@') {
          size_t end = text.find_first_of(" {", i);
          offset = std::strtol(std::string(text.substr(i + 1, end - i - 1)).c_str(), nullptr, 10);
          i = end;
        }
        size_t open = text.find("{{", i), close = text.find("}}", i);
        if (open == std::string_view::npos || close == std::string_view::npos || close < open)
          throw FatalError(SourceLoc{f, line, static_cast<uint32_t>(at + 1)},
                           "malformed expected-error annotation; write expected-error[@+N] {{text}}");
        expected.push_back({f, static_cast<uint32_t>(static_cast<long>(line) + offset),
                            std::string(text.substr(open + 2, close - open - 2))});
      }
    }
  }
  return expected;
}

/// Compares produced diagnostics with the annotations; prints each
/// mismatch and returns whether all matched.
/// In the manner of `clang -verify`: a diagnostic matches an unused
/// annotation on its file and line whose text is part of its message.
bool verifyDiagnostics(const std::vector<Diagnostic> &produced, std::vector<ExpectedDiagnostic> expected) {
  bool ok = true;
  DiagnosticPrinter printer(std::cerr);
  for (const Diagnostic &d : produced) {
    auto hit = std::find_if(expected.begin(), expected.end(), [&](const ExpectedDiagnostic &e) {
      return !e.matched && e.file == d.loc.file && e.line == d.loc.line && d.message.find(e.text) != std::string::npos;
    });
    if (hit != expected.end()) {
      hit->matched = true;
      continue;
    }
    ok = false;
    Diagnostic unexpected = d;
    unexpected.message = "unexpected diagnostic: " + d.message;
    unexpected.notes.clear();
    printer.print(unexpected);
  }
  for (const ExpectedDiagnostic &e : expected) {
    if (e.matched)
      continue;
    ok = false;
    printer.print({Severity::Error, {e.file, e.line, 0}, "expected diagnostic not produced: " + e.text, {}});
  }
  return ok;
}

std::unique_ptr<CheckedConfig> checkConfig(GlobalOptions &opts) {
  auto cc = std::make_unique<CheckedConfig>();
  cc->session = std::make_unique<Session>(opts.request, *opts.sources);
  cc->rendered = cc->session->render();
  cc->graph = cc->session->buildGraph(cc->rendered);
  std::string configDir = cc->rendered.configPath.empty() ? "" : pypath::dirname(cc->rendered.configPath);
  cc->manifest = loadManifests(opts, cc->graph.graph.get(), configDir);
  cc->typed = resolve::resolveGraph(*cc->graph.graph, cc->manifest, *cc->graph.where, cc->diags);
  check::checkTypedGraph(cc->typed, *cc->graph.where, cc->diags);
  return cc;
}

bool reportDiagnostics(const DiagnosticEngine &diags) {
  DiagnosticPrinter printer(std::cerr);
  for (const Diagnostic &d : diags.diagnostics())
    printer.print(d);
  if (!diags.errorCount())
    return false;
  std::cerr << diags.errorCount() << (diags.errorCount() == 1 ? " error" : " errors") << " generated.\n";
  return true;
}

/// Resolve and check share one DiagnosticEngine, so one run lists every
/// mistake in the config; the summary line is clang's.
int runCheck(GlobalOptions &opts, std::ostream &out) {
  std::unique_ptr<CheckedConfig> cc = checkConfig(opts);
  if (opts.emit == "resolve" || opts.emit == "check")
    printTypedGraph(cc->typed, out);
  if (opts.verify) {
    bool ok = verifyDiagnostics(cc->diags.diagnostics(), expectedDiagnostics(*cc->session));
    out << (ok ? "verify: all expected diagnostics produced, none unexpected\n" : "");
    return ok ? 0 : 1;
  }
  return reportDiagnostics(cc->diags) ? 1 : 0;
}

/// Markdown-safe table cell.
/// Newlines become spaces and `|` is escaped, so a doc comment stays in
/// its table cell.
std::string cell(std::string s) {
  for (char &c : s)
    if (c == '\n')
      c = ' ';
  std::string out;
  for (char c : s)
    out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

namespace {

/// The markdown table of what a config can pass to a component, one row
/// per keyword (`column` names the first column: argument, field).
void writeArgumentTable(const resolve::Signature &sig, const std::string &column, std::ostream &out) {
  if (sig.keywords.empty()) {
    out << "No arguments.\n";
    return;
  }
  out << "| " << column << " | type | default | doc |\n|---|---|---|---|\n";
  for (const resolve::Param &p : sig.keywords) {
    bool required = std::find(sig.required.begin(), sig.required.end(), p.name) != sig.required.end();
    std::string dflt = required ? "**required**" : p.defaultText ? "`" + cell(*p.defaultText) + "`" : "";
    out << "| `" << p.name << "` | `" << cell(p.type) << "` | " << dflt << " | " << cell(p.doc) << " |\n";
  }
}

/// The heading, header and doc comment of one class's section.
void writeClassHeading(const resolve::ClassInfo &c, const resolve::Signature &sig, std::ostream &out) {
  out << "\n## `" << resolve::configNameOf(c.name) << "` (`" << c.name << "`)\n\n";
  out << c.kind << ", `#include <" << c.header << ">`";
  if (sig.options && sig.options != &c)
    out << ", options `" << sig.options->name << "`";
  out << "\n\n";
  if (!c.doc.empty())
    out << c.doc << "\n\n";
}

} // namespace

/// Options classes are left out: their arguments are listed under the
/// component that takes them.
int runDocComponents(GlobalOptions &opts, std::ostream &out) {
  resolve::Manifest manifest = loadManifests(opts);
  out << "# Component reference\n\n"
         "Generated by `fgcc doc components` from the component manifest (do not edit). Each\n"
         "component can be called from a config by its config name or its C++ name; keyword\n"
         "arguments are the constructor parameters and the `TORCH_ARG` options listed here.\n";
  for (const std::string &name : manifest.componentNames()) {
    const resolve::ClassInfo &c = *manifest.find(name);
    std::optional<resolve::Signature> sig = manifest.signature(c);
    if (!sig || c.kind == "options")
      continue;
    writeClassHeading(c, *sig, out);
    writeArgumentTable(*sig, "argument", out);
  }
  return 0;
}

/// The options classes of the training runtime are the ones `doc
/// components` leaves out; they are found by namespace and kind, so a new
/// one (a header under runtime/include/fgrt/train/) joins the reference
/// when the manifest is rebuilt.
int runDocTrainerOptions(GlobalOptions &opts, std::ostream &out) {
  const std::string trainNamespace = "fgrt::train::";
  resolve::Manifest manifest = loadManifests(opts);
  out << "# Trainer options reference\n\n"
         "Generated by `fgcc doc trainer-options` from the runtime's component manifest (do not\n"
         "edit). These are the options structs of `fgrt::train` that a training config builds by\n"
         "name, e.g. `args: !singleton:fgrt.train:TrainingArguments` with the fields below as\n"
         "keyword arguments; a field left out keeps its default.\n";
  for (const auto &[name, c] : manifest.classes()) {
    bool inTrainNamespace = name.compare(0, trainNamespace.size(), trainNamespace) == 0 &&
                            name.find("::", trainNamespace.size()) == std::string::npos;
    std::optional<resolve::Signature> sig = manifest.signature(c);
    if (!inTrainNamespace || c.kind != "options" || !sig)
      continue;
    writeClassHeading(c, *sig, out);
    writeArgumentTable(*sig, "field", out);
  }
  return 0;
}

/// The phases in order: load, preprocess, render, parse, graph, resolve,
/// check; stopping after one prints its result for inspection.
int runEmit(GlobalOptions &opts, std::ostream &out) {
  if (opts.emit == "resolve" || opts.emit == "check")
    return runCheck(opts, out);
  Session session(opts.request, *opts.sources);
  if (opts.emit == "render")
    return runPp(opts, out);
  if (opts.emit == "parse" || opts.emit == "graph") {
    RenderedConfig rc = session.render();
    ConfigGraph cg = session.buildGraph(rc, opts.emit == "parse");
    if (opts.emit == "graph") {
      out << graph::encodeYaml(*cg.graph, graph::YamlDialect::Fixed) << "\n";
      return 0;
    }
    std::set<const yaml::Node *> printed;
    printYamlTree(cg.document->root, 0, printed, out);
    return 0;
  }
  session.resolve();
  std::shared_ptr<const TemplateSource> src = session.configSource();
  if (opts.emit == "load") {
    // The config file's own template, then its sub-templates in file order.
    for (const TemplatePart &part : TemplateLoader::split(src->file->text()))
      out << "template " << (part.name.empty() ? src->name : part.name) << " (" << src->file->path() << ":"
          << (1 + std::count(src->file->text().begin(),
                             src->file->text().begin() + static_cast<std::ptrdiff_t>(part.offset), '\n'))
          << "): " << py::strRepr(part.text) << "\n";
    return 0;
  }
  // The config's own template after stage B (spec section 3), in the
  // command's comment mode.
  if (opts.emit == "preprocess") {
    out << preprocess(src->text, opts.request.commentMode).text << "\n";
    return 0;
  }
  throw UsageError("unknown --emit phase '" + opts.emit +
                   "'; the phases are load, preprocess, render, parse, graph, resolve, check, lower");
}

/// The `Project Path:` header appears when the project was found above the
/// starting directory, and always with explicit DIRs (spec section 11).
int runLs(GlobalOptions &opts, const std::vector<std::string> &dirs, bool recursive, std::ostream &out) {
  if (recursive) {
    std::vector<std::string> projects;
    for (const std::string &d : dirs.empty() ? std::vector<std::string>{"."} : dirs)
      findProjects(absolutePath(d), projects, 0);
    for (const std::string &p : projects) {
      try {
        listProject(opts, p, true, out);
      } catch (const FatalError &e) {
        // The reference's line for a meta.yaml that fails; listing goes on.
        out << "\nProject Path: " << p << "\n\nPARSE ERROR: " << p << "/meta.yaml '" << e.diag().message << "'\n";
      }
    }
    return 0;
  }
  if (dirs.empty()) {
    std::optional<std::string> dir = findProjectDir(opts.request.projectDir);
    if (!dir)
      throw FatalError(SourceLoc{}, "No projects were found at or above " + absolutePath(opts.request.projectDir) +
                                        " (no meta.yaml)");
    listProject(opts, *dir, *dir != absolutePath(opts.request.projectDir), out);
    return 0;
  }
  for (const std::string &d : dirs) {
    std::optional<std::string> dir = findProjectDir(d);
    if (!dir)
      throw FatalError(SourceLoc{}, "No projects were found at or above " + absolutePath(d) + " (no meta.yaml)");
    listProject(opts, *dir, true, out);
  }
  return 0;
}

/// `files`: every template file, relative to the working directory, then an
/// empty line; `md`: the forest by each template's first literal extends.
int runTlist(GlobalOptions &opts, const std::string &format, std::ostream &out) {
  Session session(opts.request, *opts.sources);
  std::optional<std::string> dir = findProjectDir(opts.request.projectDir);
  if (!dir)
    throw FatalError(SourceLoc{}, "No projects were found at or above " + absolutePath(opts.request.projectDir) +
                                      " (no meta.yaml)");
  ProjectInfo project = session.loadProject(*dir);
  auto files = templateFiles(project.searchDirs);
  if (format == "files") {
    for (const auto &f : files)
      out << rel(f.second) << "\n";
    out << "\n";
    return 0;
  }
  // md: the static inheritance forest through literal extends.
  struct Node {
    std::string name, file, parent;
  };
  std::vector<Node> nodes;
  for (const auto &[name, path] : files) {
    // Sub-templates are nodes of the forest too, as in the reference.
    for (const TemplatePart &part : TemplateLoader::split(readFile(path))) {
      std::string pp = preprocess(part.text, CommentMode::Preserve).text;
      nodes.push_back({part.name.empty() ? name : part.name, path, literalExtends(pp)});
    }
  }
  std::set<std::string> known;
  for (const Node &n : nodes)
    known.insert(n.name);
  std::function<void(const std::string &, int)> print = [&](const std::string &parent, int level) {
    for (const Node &n : nodes) {
      bool root = parent.empty() && (n.parent.empty() || !known.count(n.parent));
      if ((parent.empty() && root) || (!parent.empty() && n.parent == parent && n.name != parent)) {
        out << std::string(4 * level, ' ') << "- [" << n.name << "](" << rel(n.file) << ")\n";
        // Bounds recursion should two templates extend each other.
        if (level < 64)
          print(n.name, level + 1);
      }
    }
  };
  print("", 0);
  return 0;
}

/// Templates in the order the render loaded them. The reference's layout is
/// heuristic (spec section 11: match the set), so fgcc keeps it flat.
int runTrefs(GlobalOptions &opts, const std::string &format, std::ostream &out) {
  Session session(opts.request, *opts.sources);
  RenderedConfig rc = session.render();
  for (const auto &[name, file] : rc.loaded) {
    if (format == "md")
      out << "- [" << name << "](" << rel(file) << ")\n";
    else
      out << rel(file) << "\n";
  }
  if (format != "md")
    out << "\n";
  return 0;
}

/// The project README, then its meta values and configs (spec section 11).
int runIndex(GlobalOptions &opts, std::ostream &out) {
  Session session(opts.request, *opts.sources);
  std::optional<std::string> dir = findProjectDir(opts.request.projectDir);
  if (!dir)
    throw FatalError(SourceLoc{}, "No projects were found at or above " + absolutePath(opts.request.projectDir) +
                                      " (no meta.yaml)");
  ProjectInfo project = session.loadProject(*dir);
  std::string readme = *dir + "/README.md";
  if (::access(readme.c_str(), R_OK) == 0)
    out << readFile(readme) << "\n";
  out << "#### Project Directory: \"" << *dir << "\"\n\n";
  out << "## Meta Config\n\n- name: " << project.name << "\n- description: " << project.description
      << "\n- config_prefix: " << project.configPrefix << "\n\n";
  out << "## Available Configurations\n\n";
  for (const auto &[name, path] : findConfigs(project))
    out << "- [" << name << "](" << rel(path) << ")\n";
  out << "\nDefault Configuration: " << project.defaultConfig << "\n";
  return 0;
}

/// meta.yaml's path, the templates its render loaded, and the config
/// search path (spec section 11).
int runMeta(GlobalOptions &opts, std::ostream &out) {
  Session session(opts.request, *opts.sources);
  std::optional<std::string> dir = findProjectDir(opts.request.projectDir);
  if (!dir)
    throw FatalError(SourceLoc{}, "No projects were found at or above " + absolutePath(opts.request.projectDir) +
                                      " (no meta.yaml)");
  ProjectInfo project = session.loadProject(*dir);
  std::string metaPath = *dir + "/meta.yaml";
  out << "# Meta Config\n\nMeta Config: [" << metaPath << "](" << rel(metaPath) << ")\n\n";
  for (const std::string &t : project.metaTemplates)
    out << "- " << t << "\n";
  out << "\nTemplate Search Paths:\n";
  for (const std::string &d : project.searchDirs)
    out << "- [" << d << "](" << rel(d) << ")\n";
  return 0;
}

} // namespace fgcc
