// PyPath.h - Python's posixpath module, reproduced exactly.
//
// Templates compute paths with os.path functions; the compiler must produce
// the same strings, so these are lexical re-implementations of CPython's
// posixpath (no filesystem access, no symlink resolution).  Functions that
// would consult the process state (the current directory, $HOME) take it as
// an explicit argument so rendering stays deterministic.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fgcc::pypath {

// os.path.isabs: starts with '/'.
bool isabs(std::string_view path);

// os.path.join(*parts): an absolute part discards everything before it.
// Throws std::invalid_argument when `parts` is empty (Python: TypeError).
std::string join(const std::vector<std::string>& parts);
std::string join(std::string_view a, std::string_view b);

// os.path.normpath: collapses "//", "." and "x/.." lexically.  Exactly two
// leading slashes are kept (POSIX leaves "//" implementation-defined); the
// empty path becomes ".".
std::string normpath(std::string_view path);

// os.path.abspath(path) with `cwd` standing in for os.getcwd().
std::string abspath(std::string_view path, std::string_view cwd);

// os.path.relpath(path, start) with `cwd` standing in for os.getcwd().
// Throws std::invalid_argument("no path specified") for an empty path.
std::string relpath(std::string_view path, std::string_view start,
                    std::string_view cwd);

// os.path.dirname / basename / split.
std::string dirname(std::string_view path);
std::string basename(std::string_view path);
std::pair<std::string, std::string> split(std::string_view path);

// os.path.splitext: the extension starts at the last '.', unless that dot
// only belongs to a run of leading dots of the basename (".bashrc").
std::pair<std::string, std::string> splitext(std::string_view path);

// os.path.expanduser with `home` standing in for $HOME.  Only "~" and "~/..."
// are expanded; "~user" forms are returned unchanged (Python would consult
// the password database, which a deterministic render must not).
std::string expanduser(std::string_view path, std::string_view home);

}  // namespace fgcc::pypath
