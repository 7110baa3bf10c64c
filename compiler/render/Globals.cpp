//===- Globals.cpp - Names every template can see -------------------------===//
#include "render/Globals.h"

#include "render/Interpreter.h"
#include "support/PyPath.h"
#include "support/PyText.h"

#include <climits>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef FGCC_VERSION
#define FGCC_VERSION "0.0.0"
#endif

namespace fgcc::render {

using K = Value::Kind;

namespace {

/// A global function implemented in C++.
class Builtin : public Callable {
public:
  using Fn = std::function<Value(Interpreter &, CallArgs &)>;
  Builtin(std::string name, Fn fn) : name_(std::move(name)), fn_(std::move(fn)) {}
  std::string name() const override { return name_; }
  Value call(Interpreter &in, CallArgs &args) override { return fn_(in, args); }

private:
  std::string name_;
  Fn fn_;
};

/// Binds `name` to a Builtin in the globals dict.
void define(Dict &g, const std::string &name, Builtin::Fn fn) {
  g.set(Value::str(name), Value::callable(std::make_shared<Builtin>(name, std::move(fn))));
}

/// Python's error for keywords passed to a positional-only built-in.
void noKeywords(Interpreter &in, CallArgs &args, const std::string &fn) {
  if (!args.keywords.empty())
    in.fail(args.loc, fn + "() takes no keyword arguments");
}

/// Checks a positional-only call takes between `min` and `max` arguments,
/// with a Python-style TypeError message otherwise.
void arity(Interpreter &in, CallArgs &args, const std::string &fn, size_t min, size_t max) {
  noKeywords(in, args, fn);
  size_t n = args.positional.size();
  if (n < min || n > max)
    in.fail(args.loc, fn + "() takes " + (min == max ? std::to_string(min) : "from " + std::to_string(min) + " to " + std::to_string(max)) +
                          " positional argument(s) but " + std::to_string(n) + " were given");
}

/// A path argument: undefined is an UndefinedError, non-strings a TypeError.
/// The reference's joinpath checks for Undefined the same way (spec 4.2).
std::string pathArg(Interpreter &in, const Value &v, SourceLoc loc, const std::string &fn) {
  in.requireDefined(v, loc);
  if (!v.is(K::Str))
    in.fail(loc, fn + "() argument must be str, bytes, or os.PathLike object, not '" + v.typeName() + "'");
  return v.asStr();
}

/// The process working directory, against which the reference's path
/// functions resolve (spec section 4.2).
std::string cwd() {
  char buf[PATH_MAX];
  return getcwd(buf, sizeof buf) ? std::string(buf) : std::string(".");
}

/// $HOME, or `/` when it is unset or empty.
std::string home() {
  const char *h = std::getenv("HOME");
  return h && *h ? h : "/";
}

/// An unset or empty variable counts as absent.
std::string envOr(const char *name, const std::string &fallback) {
  const char *v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

//===--- time ---===//

/// Now, or SOURCE_DATE_EPOCH when set (reproducible renders).
std::time_t currentTime() {
  if (const char *epoch = std::getenv("SOURCE_DATE_EPOCH")) {
    char *end = nullptr;
    long long v = std::strtoll(epoch, &end, 10);
    if (end && *end == 0)
      return static_cast<std::time_t>(v);
  }
  return std::time(nullptr);
}

/// strftime of the current time, local or UTC (the reference's utc*
/// functions format a naive utcnow(), spec section 4.2).
std::string formatTime(bool utc, const char *fmt) {
  std::time_t t = currentTime();
  std::tm tm{};
  if (utc)
    gmtime_r(&t, &tm);
  else
    localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}

/// The reference's time helpers (spec section 4.2); all of them honour
/// SOURCE_DATE_EPOCH through currentTime().
void defineTimeFunctions(Dict &g) {
  struct TimeFn {
    const char *name;
    bool utc;
    const char *fmt;
  };
  // now()/utcnow() return datetime objects in the reference; fgcc returns
  // their str() form, which is all a template can print of them.
  static const TimeFn fns[] = {{"isotime", false, "%Y-%m-%dT%H:%M:%S"}, {"utcisotime", true, "%Y-%m-%dT%H:%M:%S"},
                               {"filetime", false, "%Y-%m-%dT%H-%M-%S"}, {"utcfiletime", true, "%Y-%m-%dT%H-%M-%S"},
                               {"now", false, "%Y-%m-%d %H:%M:%S"},      {"utcnow", true, "%Y-%m-%d %H:%M:%S"}};
  for (const TimeFn &f : fns)
    define(g, f.name, [f](Interpreter &in, CallArgs &args) {
      arity(in, args, f.name, 0, 0);
      return Value::str(formatTime(f.utc, f.fmt));
    });
}

//===--- paths ---===//

/// os.path wrappers with Python's exact POSIX semantics (spec section 14,
/// "Paths"): joinpath is os.path.join, abspath/relpath use the process CWD,
/// and nothing is normalised unless asked (`a/../..` stays as written).
void definePathFunctions(Dict &g) {
  define(g, "joinpath", [](Interpreter &in, CallArgs &args) {
    noKeywords(in, args, "joinpath");
    // Python names the function `join` in its own messages.
    if (args.positional.empty())
      in.fail(args.loc, "join() missing 1 required positional argument: 'a'");
    std::vector<std::string> parts;
    for (const Value &v : args.positional)
      parts.push_back(pathArg(in, v, args.loc, "join"));
    return Value::str(pypath::join(parts));
  });
  auto unary = [&](const char *name, std::function<Value(const std::string &)> fn) {
    define(g, name, [name, fn](Interpreter &in, CallArgs &args) {
      arity(in, args, name, 1, 1);
      return fn(pathArg(in, args.positional[0], args.loc, name));
    });
  };
  unary("normpath", [](const std::string &p) { return Value::str(pypath::normpath(p)); });
  unary("abspath", [](const std::string &p) { return Value::str(pypath::abspath(p, cwd())); });
  unary("dirname", [](const std::string &p) { return Value::str(pypath::dirname(p)); });
  unary("basename", [](const std::string &p) { return Value::str(pypath::basename(p)); });
  unary("splitext", [](const std::string &p) {
    auto [root, ext] = pypath::splitext(p);
    return Value::tuple({Value::str(root), Value::str(ext)});
  });
  unary("modname_from_path", [](const std::string &p) { return Value::str(pypath::splitext(pypath::basename(p)).first); });
  define(g, "relpath", [](Interpreter &in, CallArgs &args) {
    arity(in, args, "relpath", 1, 2);
    std::string path = pathArg(in, args.positional[0], args.loc, "relpath");
    std::string start = args.positional.size() > 1 ? pathArg(in, args.positional[1], args.loc, "relpath") : ".";
    try {
      return Value::str(pypath::relpath(path, start, cwd()));
    } catch (const std::exception &e) {
      in.fail(args.loc, e.what());
    }
  });
  define(g, "user_home_dir", [](Interpreter &in, CallArgs &args) {
    arity(in, args, "user_home_dir", 0, 0);
    return Value::str(home());
  });
  define(g, "getcwd", [](Interpreter &in, CallArgs &args) {
    arity(in, args, "getcwd", 0, 0);
    return Value::str(cwd());
  });
}

/// platformdirs' Linux answers: XDG variables or their defaults, with the
/// application name appended when given.
void defineDirFunctions(Dict &g) {
  struct DirFn {
    const char *name;
    const char *var;
    std::string fallback;
  };
  const std::vector<DirFn> fns = {{"user_data_dir", "XDG_DATA_HOME", home() + "/.local/share"},
                                  {"user_cache_dir", "XDG_CACHE_HOME", home() + "/.cache"},
                                  {"user_config_dir", "XDG_CONFIG_HOME", home() + "/.config"},
                                  {"site_data_dir", "", "/usr/local/share"},
                                  {"site_config_dir", "", "/etc/xdg"}};
  for (const DirFn &f : fns)
    define(g, f.name, [f](Interpreter &in, CallArgs &args) {
      // An empty or unset XDG variable falls back to its default, as in
      // platformdirs.
      std::string dir = *f.var ? envOr(f.var, f.fallback) : f.fallback;
      if (!args.positional.empty() && args.positional[0].is(K::Str))
        dir += "/" + args.positional[0].asStr();
      (void)in;
      return Value::str(dir);
    });
  define(g, "forgather_config_dir", [](Interpreter &in, CallArgs &args) {
    arity(in, args, "forgather_config_dir", 0, 0);
    return Value::str(envOr("XDG_CONFIG_HOME", home() + "/.config") + "/forgather");
  });
}

//===--- Jinja's globals ---===//

/// Layer 1 of spec section 4.2: Jinja's `range`, `dict` and `namespace`,
/// plus the reference's `repr` (`lipsum`, `cycler`, `joiner`, which the
/// template library never uses, are left out).
void defineJinjaGlobals(Dict &g) {
  // Python's range(stop) / range(start, stop[, step]), materialised as a list
  // and limited to the sandbox's MAX_RANGE items (spec section 4.1).
  define(g, "range", [](Interpreter &in, CallArgs &args) {
    arity(in, args, "range", 1, 3);
    int64_t v[3];
    for (size_t i = 0; i < args.positional.size(); ++i) {
      const Value &a = args.positional[i];
      in.requireDefined(a, args.loc);
      if (!a.is(K::Int) && !a.is(K::Bool))
        in.fail(args.loc, "'" + a.typeName() + "' object cannot be interpreted as an integer");
      v[i] = a.asInt();
    }
    int64_t start = 0, stop, step = 1;
    if (args.positional.size() == 1) {
      stop = v[0];
    } else {
      start = v[0];
      stop = v[1];
      if (args.positional.size() == 3)
        step = v[2];
    }
    if (step == 0)
      in.fail(args.loc, "range() arg 3 must not be zero");
    // Count without overflow before building anything.
    long double span = step > 0 ? static_cast<long double>(stop) - start : static_cast<long double>(start) - stop;
    long double count = span <= 0 ? 0 : std::ceil(span / std::fabs(static_cast<long double>(step)));
    if (count > in.env().limits().maxRange)
      in.fail(args.loc, "Range too big. The sandbox blocks ranges larger than MAX_RANGE (" +
                            std::to_string(in.env().limits().maxRange) + ").");
    List out;
    for (int64_t i = 0; i < static_cast<int64_t>(count); ++i)
      out.push_back(Value::integer(start + i * step));
    return Value::list(std::move(out));
  });
  // dict(mapping, **kwargs); the keywords override the mapping's keys.
  define(g, "dict", [](Interpreter &in, CallArgs &args) {
    auto d = std::make_shared<Dict>();
    if (args.positional.size() > 1)
      in.fail(args.loc, "dict expected at most 1 argument, got " + std::to_string(args.positional.size()));
    if (!args.positional.empty()) {
      const Value &src = args.positional[0];
      if (!src.is(K::Dict))
        in.fail(args.loc, "dict() argument must be a mapping");
      *d = src.asDict();
    }
    for (const auto &[k, v] : args.keywords)
      d->set(Value::str(k), v);
    return Value::dict(d);
  });
  define(g, "namespace", [](Interpreter &in, CallArgs &args) {
    // A namespace is shared by reference (spec section 4.5): it is how blocks,
    // includes and parent templates pass values to each other.
    auto ns = std::make_shared<Namespace>();
    if (args.positional.size() > 1)
      in.fail(args.loc, "namespace() takes at most one positional argument");
    if (!args.positional.empty()) {
      if (!args.positional[0].is(K::Dict))
        in.fail(args.loc, "namespace() argument must be a mapping");
      ns->attrs = args.positional[0].asDict();
    }
    for (const auto &[k, v] : args.keywords)
      ns->attrs.set(Value::str(k), v);
    return Value::ns(ns);
  });
  // The code templates print defaults with repr(...) (spec section 5.3).
  define(g, "repr", [](Interpreter &in, CallArgs &args) {
    arity(in, args, "repr", 1, 1);
    in.requireDefined(args.positional[0], args.loc);
    return Value::str(toRepr(args.positional[0]));
  });
}

/// uname(2)'s five fields as a tuple, standing in for platform.uname().
Value unameTuple() {
  struct utsname u {};
  uname(&u);
  return Value::tuple({Value::str(u.sysname), Value::str(u.nodename), Value::str(u.release), Value::str(u.version),
                       Value::str(u.machine)});
}

} // namespace

/// Later definitions override earlier ones, as the layers of spec section
/// 4.2 do; render arguments (layer 4) are applied per render, not here.
void installGlobals(Dict &g, const ProjectGlobals &project) {
  defineJinjaGlobals(g);
  defineTimeFunctions(g);
  definePathFunctions(g);
  defineDirFunctions(g);
  // Layer 3 (spec section 4.2): the project's values.
  g.set(Value::str("project_dir"), Value::str(project.projectDir));
  g.set(Value::str("workspace_root"), Value::str(project.workspaceRoot));
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  g.set(Value::str("hostname"), Value::str(host));
  g.set(Value::str("uname"), unameTuple());
  // The reference lists its Python packages here; fgcc lists itself.
  auto versions = std::make_shared<Dict>();
  versions->set(Value::str("fgcc"), Value::str(FGCC_VERSION));
  g.set(Value::str("versions"), Value::dict(versions));
}

} // namespace fgcc::render
