// PyPath.cpp - lexical re-implementation of CPython's posixpath (PyPath.h).
#include "support/PyPath.h"

#include <stdexcept>

namespace fgcc::pypath {

namespace {

// Non-empty '/'-separated components; empty ones (from "//" or a trailing
// '/') carry no meaning once a path has been made absolute.
std::vector<std::string_view> components(std::string_view path) {
    std::vector<std::string_view> out;
    size_t start = 0;
    while (start <= path.size()) {
        size_t slash = path.find('/', start);
        if (slash == std::string_view::npos) slash = path.size();
        if (slash > start) out.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    return out;
}

// One step of posixpath.join: an absolute part restarts the path, and a
// separator is added only when the path so far does not already end in one
// (so join('a', '') is 'a/' and join('', 'b') is 'b').
void appendPart(std::string& path, std::string_view part) {
    if (isabs(part)) {
        path.assign(part);
    } else if (path.empty() || path.back() == '/') {
        path.append(part);
    } else {
        path += '/';
        path.append(part);
    }
}

std::string_view stripTrailingSlashes(std::string_view s) {
    while (!s.empty() && s.back() == '/') s.remove_suffix(1);
    return s;
}

// Number of leading slashes normpath keeps: POSIX allows "//" to mean
// something special, so exactly two survive; one or three-plus become one.
size_t keptLeadingSlashes(std::string_view path) {
    if (path.substr(0, 2) == "//" && path.substr(0, 3) != "///") return 2;
    return isabs(path) ? 1 : 0;
}

}  // namespace

bool isabs(std::string_view path) { return !path.empty() && path[0] == '/'; }

std::string join(const std::vector<std::string>& parts) {
    if (parts.empty())
        throw std::invalid_argument("join() missing 1 required positional argument");
    std::string path = parts.front();
    for (size_t i = 1; i < parts.size(); ++i) appendPart(path, parts[i]);
    return path;
}

std::string join(std::string_view a, std::string_view b) {
    std::string path(a);
    appendPart(path, b);
    return path;
}

std::string normpath(std::string_view path) {
    if (path.empty()) return ".";
    const size_t slashes = keptLeadingSlashes(path);
    std::vector<std::string_view> kept;
    for (std::string_view comp : components(path)) {
        if (comp == ".") continue;
        // ".." cancels a real component; it is kept only at the front of a
        // relative path (or after other kept ".."), and dropped at the root.
        const bool cancels = comp == ".." && !kept.empty() && kept.back() != "..";
        if (cancels) {
            kept.pop_back();
        } else if (comp != ".." || (slashes == 0)) {
            kept.push_back(comp);
        }
    }
    std::string out(slashes, '/');
    for (size_t i = 0; i < kept.size(); ++i) {
        if (i) out += '/';
        out.append(kept[i]);
    }
    return out.empty() ? "." : out;
}

// Python joins with os.getcwd() and normalises; `cwd` is that directory.
std::string abspath(std::string_view path, std::string_view cwd) {
    return normpath(isabs(path) ? std::string(path) : join(cwd, path));
}

std::string relpath(std::string_view path, std::string_view start,
                    std::string_view cwd) {
    if (path.empty()) throw std::invalid_argument("no path specified");
    // Compare the absolute forms component-wise, climb out of what remains
    // of `start` with "..", then descend into what remains of `path`.
    const std::string absStart = abspath(start, cwd);
    const std::string absPath = abspath(path, cwd);
    const auto from = components(absStart);
    const auto to = components(absPath);
    size_t common = 0;
    while (common < from.size() && common < to.size() && from[common] == to[common])
        ++common;
    std::string out;
    for (size_t i = common; i < from.size(); ++i) appendPart(out, "..");
    for (size_t i = common; i < to.size(); ++i) appendPart(out, to[i]);
    return out.empty() ? "." : out;
}

// posixpath.split: the tail is everything after the last '/', the head
// loses its trailing slashes unless it consists of nothing else.
std::pair<std::string, std::string> split(std::string_view path) {
    const size_t cut = path.rfind('/') + 1;  // npos + 1 == 0
    std::string_view head = path.substr(0, cut);
    // A head made only of slashes is the root and keeps them all.
    if (head.find_first_not_of('/') != std::string_view::npos)
        head = stripTrailingSlashes(head);
    return {std::string(head), std::string(path.substr(cut))};
}

std::string dirname(std::string_view path) { return split(path).first; }

std::string basename(std::string_view path) {
    return std::string(path.substr(path.rfind('/') + 1));
}

std::pair<std::string, std::string> splitext(std::string_view path) {
    const size_t sep = path.rfind('/');
    const size_t nameStart = sep == std::string_view::npos ? 0 : sep + 1;
    const size_t dot = path.rfind('.');
    if (dot != std::string_view::npos && dot > nameStart) {
        // Only an extension if some non-dot precedes it in the basename.
        const size_t firstNonDot = path.find_first_not_of('.', nameStart);
        if (firstNonDot < dot)
            return {std::string(path.substr(0, dot)), std::string(path.substr(dot))};
    }
    return {std::string(path), std::string()};
}

// posixpath.expanduser for "~" and "~/...": $HOME without trailing
// slashes replaces the '~', and an empty result becomes "/".
std::string expanduser(std::string_view path, std::string_view home) {
    if (path.empty() || path[0] != '~') return std::string(path);
    size_t userEnd = path.find('/', 1);
    if (userEnd == std::string_view::npos) userEnd = path.size();
    if (userEnd != 1) return std::string(path);  // "~user": not expanded
    std::string out(stripTrailingSlashes(home));
    out.append(path.substr(userEnd));
    return out.empty() ? "/" : out;
}

}  // namespace fgcc::pypath
