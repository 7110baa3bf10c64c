//===- Project.cpp - Projects, workspaces and config discovery ------------===//
#include "load/Project.h"

#include "support/PyPath.h"

#include <algorithm>
#include <climits>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fgcc {

namespace {

/// stat(2) follows symlinks, so a linked meta.yaml or workspace counts.
bool isFile(const std::string &p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool isDir(const std::string &p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

/// Walks up from `start` to the first directory where `found` holds.
template <typename Pred> std::optional<std::string> walkUp(std::string dir, Pred found) {
  while (true) {
    if (found(dir))
      return dir;
    std::string parent = pypath::dirname(dir);
    // dirname("/") is "/": the root has been tried, stop.
    if (parent == dir || parent.empty())
      return std::nullopt;
    dir = parent;
  }
}

/// Recursively collects `*.yaml` files below `dir`, skipping hidden
/// directories; names are relative to `base`.
void walkConfigs(const std::string &dir, const std::string &rel, std::vector<std::pair<std::string, std::string>> &out,
                 int depth) {
  // stat() follows symlinks; a link cycle would otherwise recurse forever.
  if (depth > 64)
    return;
  DIR *d = opendir(dir.c_str());
  if (!d)
    return;
  std::vector<std::string> entries;
  while (dirent *e = readdir(d))
    entries.emplace_back(e->d_name);
  closedir(d);
  // The reference walks in directory-entry order (spec section 10.3); fgcc
  // sorts so that listings and the default config do not depend on the disk.
  std::sort(entries.begin(), entries.end());
  for (const std::string &name : entries) {
    if (name == "." || name == "..")
      continue;
    std::string path = dir + "/" + name;
    std::string relName = rel.empty() ? name : rel + "/" + name;
    if (isDir(path)) {
      // Hidden directories are skipped as in the reference, without its bug of
      // also skipping the entry after a hidden one.
      if (name[0] != '.')
        walkConfigs(path, relName, out, depth + 1);
    } else if (name.size() > 5 && name.compare(name.size() - 5, 5, ".yaml") == 0) {
      out.emplace_back(relName, path);
    }
  }
}

} // namespace

/// Python's os.path.abspath: lexical, no symlink resolution, so paths in
/// the pp text look like the reference's.
std::string absolutePath(const std::string &path) {
  char buf[PATH_MAX];
  std::string cwd = getcwd(buf, sizeof buf) ? buf : "/";
  return pypath::abspath(path, cwd);
}

/// Spec section 10.1: `-p DIR` made absolute, then upward to `meta.yaml`.
std::optional<std::string> findProjectDir(const std::string &start) {
  return walkUp(absolutePath(start), [](const std::string &d) { return isFile(d + "/meta.yaml"); });
}

/// Spec section 10.1: starts at the project dir itself, so the nearest of
/// nested workspaces wins.
std::optional<std::string> findWorkspaceRoot(const std::string &projectDir) {
  return walkUp(projectDir, [](const std::string &d) { return isDir(d + "/forgather_workspace"); });
}

std::vector<std::pair<std::string, std::string>> findConfigs(const ProjectInfo &project) {
  std::vector<std::pair<std::string, std::string>> configs;
  for (const std::string &dir : project.searchDirs)
    walkConfigs(dir + "/" + project.configPrefix, "", configs, 0);
  // Stable: a name found in several search directories keeps their order,
  // the first being the one `-t NAME` would load (spec section 10.4).
  std::stable_sort(configs.begin(), configs.end(),
                   [](const auto &a, const auto &b) { return a.first < b.first; });
  return configs;
}

} // namespace fgcc
