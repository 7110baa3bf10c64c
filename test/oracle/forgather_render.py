#!/usr/bin/python3
# =====================================================================================================
# forgather_render.py -- an independent oracle for `forgather pp` (spec config-language.md, §2-§4)
#
# Renders one config template exactly as the reference implementation (Forgather, Jinja2 3.1.2,
# PyYAML 6.0) does for `forgather pp`, using the real jinja2.sandbox.SandboxedEnvironment, so that
# fgcc's output can be compared byte for byte.  Written from the spec, not from Forgather's code:
#
#   Stage A  PPLoader           search path = [config dir, -I DIR...]; `#--- name ---` splitting
#                               into a loader-wide sub-template registry (§2.1, §2.2)
#   Stage B  LinePreprocessor   the two-pass line preprocessor (§3.1, §3.2), installed as a
#                               jinja2.ext.Extension whose preprocess() hook sees every template
#   Stage C  make_environment   trim_blocks, StrictUndefined, the machine-independent globals of
#                               §4.2 and the `toyaml` filter of §4.6
#
# Usage:
#   forgather_render.py [--preserve-line-numbers] [-I DIR]... [-D NAME=VALUE]... CONFIG
#   forgather_render.py --selftest          # runs the §15.1 cases in cases_15_1.py
#
# Output: the rendered text plus one "\n" (Python print) on stdout, exit 0.  On any exception:
# "ERROR: <ExceptionClassName>: <message>" on stdout, exit 1.
#
# Only /usr/bin/python3 with Debian's jinja2 3.1.2 and PyYAML 6.0 is needed.
# =====================================================================================================

import argparse
import datetime
import io
import os
import posixpath
import re
import sys

import jinja2
import jinja2.ext
import jinja2.sandbox
import yaml
from jinja2 import StrictUndefined, TemplateNotFound, Undefined
from jinja2.exceptions import UndefinedError
# The library's own name check: `..` or an OS separator in a segment -> TemplateNotFound, empty and
# `.` segments dropped.  Using Jinja's function (rather than a copy) keeps the rule exactly Jinja's.
from jinja2.loaders import split_template_path


# -----------------------------------------------------------------------------------------------------
# Stage A: template splitting and the loader (§2)
# -----------------------------------------------------------------------------------------------------

# §2.2, verbatim.  The separator consumes the newline before it and the one after it; `\s` may span
# lines; a name is only word characters, `.` and `/`.
SPLIT_RE = re.compile(r"\n#\s*-{3,}\s*([\w./]+)\s*-{3,}\n")


def split_templates(text):
    """Split a file's raw text into [(None, main_text), (name, sub_text), ...] (§2.2)."""
    parts = []
    name = None
    start = 0
    for m in SPLIT_RE.finditer(text):
        parts.append((name, text[start:m.start()]))
        name = m.group(1)
        start = m.end()
    parts.append((name, text[start:]))
    return parts


class PPLoader(jinja2.BaseLoader):
    """Ordered search-path loader with Forgather's sub-template registry.

    The registry is consulted first, by the *raw* template name (so a registered sub-template shadows a
    file).  It is filled only when a file is loaded, keyed by bare sub-template name; a later load of a
    file that defines the same name overwrites the entry.  One loader = one render (fresh state, §2.3).
    """

    def __init__(self, searchpath):
        self.searchpath = list(searchpath)
        self.registry = {}

    def get_source(self, environment, template):
        entry = self.registry.get(template)
        if entry is not None:
            return entry
        pieces = split_template_path(template)
        for directory in self.searchpath:
            filename = posixpath.join(directory, *pieces)
            if not os.path.isfile(filename):
                continue
            # Read bytes and decode: no universal-newline translation, so CRLF reaches the splitter
            # (where it defeats the separator regex) and the preprocessor (which normalises it).
            with open(filename, "rb") as f:
                contents = f.read().decode("utf-8")
            mtime = os.path.getmtime(filename)

            def uptodate(filename=filename, mtime=mtime):
                # Jinja's FileSystemLoader rule; sub-templates share their file's check, which is what
                # makes a cached sub-template outlive a re-registration (§2.3).
                try:
                    return os.path.getmtime(filename) == mtime
                except OSError:
                    return False

            filename = os.path.normpath(filename)
            parts = split_templates(contents)
            for name, text in parts[1:]:
                self.registry[name] = (text, filename, uptodate)
            return parts[0][1], filename, uptodate
        raise TemplateNotFound(template)


# -----------------------------------------------------------------------------------------------------
# Stage B: the line preprocessor (§3)
# -----------------------------------------------------------------------------------------------------

NEWLINE_RE = re.compile(r"\r\n|\r|\n")
FULL_COMMENT_RE = re.compile(r"\s*##(.*)")          # fullmatch
TRAILING_COMMENT_RE = re.compile(r"(.*)\s+#{2,}.*")  # fullmatch; greedy (.*) -> last ` ##` only
LINE_STATEMENT_RE = re.compile(r"\s*(--|<<|>>|==|=>)\s(.*)")  # fullmatch
TOML_HEADER_RE = re.compile(r"^(\s*)\[(\w+)([!])*\]\s*$")

LINE_STATEMENT_FORMS = {
    "--": "{%% %s %%}",
    "<<": "{%%- %s %%}",
    ">>": "{%% %s -%%}",
    "==": "{{ %s }}",
    "=>": "{{ %s|trim('\\n')}}",
}


def preprocess_pass1(source, preserve_line_numbers):
    """§3.1: comments and line statements, line by line; line endings normalised to \\n."""
    out = []
    for line in NEWLINE_RE.split(source):
        m = FULL_COMMENT_RE.fullmatch(line)
        if m is not None:
            if not preserve_line_numbers:
                continue  # delete mode: the line vanishes entirely
            line = "{# " + m.group(1) + " #}"
        else:
            m = TRAILING_COMMENT_RE.fullmatch(line)
            if m is not None:
                line = m.group(1)
        m = LINE_STATEMENT_RE.fullmatch(line)
        if m is not None:
            line = LINE_STATEMENT_FORMS[m.group(1)] % m.group(2)
        out.append(line)
    return out


def preprocess_pass2(lines):
    """§3.2: TOML-style `[name]` / `[name!]` headers -> Jinja blocks, nesting by header indent."""
    out = []
    stack = []  # (name, indent, opts)

    def close(name, opts):
        # A close edits the last emitted line; it never adds a line, so line count is preserved.
        last = out[-1]
        if last != "":
            last += "{{'\\n'}}"
        last += "{% endblock " + name + " +%}"
        if "!" in opts:
            last += "{% endfilter %}"
        out[-1] = last

    for line in lines:
        m = TOML_HEADER_RE.match(line)
        if m is None:
            out.append(line)
            continue
        indent = len(m.group(1))
        name = m.group(2)
        opts = "!" if m.group(3) else ""
        while stack and stack[-1][1] >= indent:
            top = stack.pop()
            close(top[0], top[2])
        header = "{% block " + name + " %}"
        if opts:
            header = "{% filter trim %}" + header
        out.append(header)
        stack.append((name, indent, opts))
    while stack:
        top = stack.pop()
        close(top[0], top[2])
    return out


def preprocess(source, preserve_line_numbers=False):
    """The whole preprocessor: pass 1 then pass 2, re-joined with \\n."""
    return "\n".join(preprocess_pass2(preprocess_pass1(source, preserve_line_numbers)))


class LinePreprocessor(jinja2.ext.Extension):
    """Runs preprocess() on the source of every template the environment compiles."""

    def __init__(self, environment):
        super().__init__(environment)
        # The comment mode is per environment (Forgather keeps it in a class flag; §3.4).
        environment.extend(fg_preserve_line_numbers=False)

    def preprocess(self, source, name, filename=None):
        return preprocess(source, self.environment.fg_preserve_line_numbers)


# -----------------------------------------------------------------------------------------------------
# Stage C: the environment (§4)
# -----------------------------------------------------------------------------------------------------

def _raise_if_undefined(args):
    # joinpath/normpath report the undefined argument itself instead of an obscure TypeError (§4.2).
    for arg in args:
        if isinstance(arg, Undefined):
            arg._fail_with_undefined_error()


def _joinpath(*parts):
    _raise_if_undefined(parts)
    return os.path.join(*parts)


def _normpath(*parts):
    _raise_if_undefined(parts)
    return os.path.normpath(*parts)


def _source_date_epoch():
    value = os.environ.get("SOURCE_DATE_EPOCH")
    return int(value) if value else None


def _now():
    # Local time; SOURCE_DATE_EPOCH (reproducible builds) pins "now" so outputs can be compared.
    epoch = _source_date_epoch()
    if epoch is None:
        return datetime.datetime.now()
    return datetime.datetime.fromtimestamp(epoch)


def _utcnow():
    # Naive UTC datetime, like datetime.utcnow().
    epoch = _source_date_epoch()
    if epoch is None:
        return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).replace(tzinfo=None)


TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
FILE_TIME_FORMAT = "%Y-%m-%dT%H-%M-%S"

FORGATHER_GLOBALS = {
    "isotime": lambda: _now().strftime(TIME_FORMAT),
    "utcisotime": lambda: _utcnow().strftime(TIME_FORMAT),
    "filetime": lambda: _now().strftime(FILE_TIME_FORMAT),
    "utcfiletime": lambda: _utcnow().strftime(FILE_TIME_FORMAT),
    "now": _now,
    "utcnow": _utcnow,
    "joinpath": _joinpath,
    "normpath": _normpath,
    "abspath": os.path.abspath,
    "relpath": os.path.relpath,
    "dirname": os.path.dirname,
    "basename": os.path.basename,
    "splitext": os.path.splitext,
    "repr": repr,
    "modname_from_path": lambda path: os.path.splitext(os.path.basename(path))[0],
    "user_home_dir": lambda: os.path.expanduser("~"),
    "getcwd": os.getcwd,
}

_NO_DEFAULT = object()


def toyaml(value, default=_NO_DEFAULT):
    """§4.6: a Python value as a YAML flow scalar/collection."""
    if isinstance(value, Undefined):
        if default is _NO_DEFAULT:
            raise UndefinedError("A required variable was undefined and no default was provided.")
        value = default
    if isinstance(value, (bool, int)):
        return str(value)  # True/False (not true/false), 42
    if value is None:
        return "null"
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True,
                          width=float("inf")).strip()
    # PyYAML ends a document whose root is a plain scalar with a `...` marker line; drop that line.
    lines = text.split("\n")
    if len(lines) > 1 and lines[-1] == "...":
        text = "\n".join(lines[:-1]).strip()
    return text


def make_environment(searchpath, preserve_line_numbers, project_dir):
    loader = PPLoader(searchpath)
    env = jinja2.sandbox.SandboxedEnvironment(
        loader=loader,
        extensions=[LinePreprocessor],
        trim_blocks=True,
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        auto_reload=True,
    )
    env.fg_preserve_line_numbers = preserve_line_numbers
    env.globals.update(FORGATHER_GLOBALS)
    env.globals["project_dir"] = project_dir
    env.globals["workspace_root"] = project_dir
    env.filters["toyaml"] = toyaml
    return env


def parse_define(text):
    """-D NAME=VALUE: VALUE is a YAML flow value, read with yaml.safe_load (empty -> None)."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise ValueError("bad -D option (expected NAME=VALUE): %r" % text)
    return name, yaml.safe_load(value)


def render_config(config, include_dirs=(), defines=(), preserve_line_numbers=False):
    """Render CONFIG in a fresh environment; returns the pp text (no trailing newline added)."""
    config_dir = os.path.dirname(os.path.abspath(config))
    # Like ConfigEnvironment, silently drop search directories that do not exist.
    searchpath = [config_dir] + [d for d in include_dirs if os.path.isdir(d)]
    env = make_environment(searchpath, preserve_line_numbers, config_dir)
    args = dict(parse_define(d) for d in defines)
    template = env.get_template(os.path.basename(config))
    return template.render(**args)


def run_cli(argv, stdout):
    """The command-line behaviour, writing to the text stream `stdout`; returns the exit status."""
    parser = argparse.ArgumentParser(prog="forgather_render.py",
                                     description="Render a Forgather config like `forgather pp`.")
    parser.add_argument("--preserve-line-numbers", action="store_true",
                        help="keep `##` comment lines as {# #} (default: delete them, like pp)")
    parser.add_argument("-I", dest="include_dirs", action="append", default=[], metavar="DIR",
                        help="add DIR to the template search path (after the config's directory)")
    parser.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME=VALUE",
                        help="render argument; VALUE is parsed as YAML")
    parser.add_argument("config")
    args = parser.parse_args(argv)
    try:
        text = render_config(args.config, args.include_dirs, args.defines,
                             args.preserve_line_numbers)
    except Exception as exc:  # any failure is reported the same way
        stdout.write("ERROR: %s: %s\n" % (type(exc).__name__, exc))
        return 1
    stdout.write(text + "\n")
    return 0


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--selftest":
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import selftest
        return selftest.main(sys.argv[2:])
    # Write UTF-8 bytes regardless of the locale so that byte comparisons are meaningful.
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n")
    rc = run_cli(sys.argv[1:], out)
    out.flush()
    return rc


if __name__ == "__main__":
    sys.exit(main())
