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
    if (parent == dir || parent.empty())
      return std::nullopt;
    dir = parent;
  }
}

/// Recursively collects `*.yaml` files below `dir`, skipping hidden
/// directories; names are relative to `base`.
void walkConfigs(const std::string &dir, const std::string &rel, std::vector<std::pair<std::string, std::string>> &out,
                 int depth) {
  if (depth > 64)
    return;
  DIR *d = opendir(dir.c_str());
  if (!d)
    return;
  std::vector<std::string> entries;
  while (dirent *e = readdir(d))
    entries.emplace_back(e->d_name);
  closedir(d);
  std::sort(entries.begin(), entries.end());
  for (const std::string &name : entries) {
    if (name == "." || name == "..")
      continue;
    std::string path = dir + "/" + name;
    std::string relName = rel.empty() ? name : rel + "/" + name;
    if (isDir(path)) {
      if (name[0] != '.')
        walkConfigs(path, relName, out, depth + 1);
    } else if (name.size() > 5 && name.compare(name.size() - 5, 5, ".yaml") == 0) {
      out.emplace_back(relName, path);
    }
  }
}

} // namespace

std::string absolutePath(const std::string &path) {
  char buf[PATH_MAX];
  std::string cwd = getcwd(buf, sizeof buf) ? buf : "/";
  return pypath::abspath(path, cwd);
}

std::optional<std::string> findProjectDir(const std::string &start) {
  return walkUp(absolutePath(start), [](const std::string &d) { return isFile(d + "/meta.yaml"); });
}

std::optional<std::string> findWorkspaceRoot(const std::string &projectDir) {
  return walkUp(projectDir, [](const std::string &d) { return isDir(d + "/forgather_workspace"); });
}

std::vector<std::pair<std::string, std::string>> findConfigs(const ProjectInfo &project) {
  std::vector<std::pair<std::string, std::string>> configs;
  for (const std::string &dir : project.searchDirs)
    walkConfigs(dir + "/" + project.configPrefix, "", configs, 0);
  std::stable_sort(configs.begin(), configs.end(),
                   [](const auto &a, const auto &b) { return a.first < b.first; });
  return configs;
}

} // namespace fgcc
