#!/usr/bin/python3
# =====================================================================================================
# differential.py -- randomized differential testing of `fgcc pp` against the Jinja2 oracle
#
#   differential.py --fgcc PATH [--count N] [--seed S] [--keep DIR] [--max-print M] [--only I]
#                   [--show I] [--no-defines] [--no-time] [--no-paths] [--with-project-dir]
#                   [--extended] [--timeout SEC]
#
# For each of N cases it generates a small random template project (a config `t.yaml` plus a few
# other templates: parents it extends, files it includes, a macro file it imports from, sub-templates
# split with `#--- name ---`, sometimes templates under -I directories and -D render arguments),
# drawing on the constructs of spec config-language.md §5 and the preprocessor syntax of §3.  Each
# project is rendered by the oracle (forgather_render.py, run in-process) and by
#   PATH pp [--preserve-line-numbers] [-I DIR]... [-D NAME=VALUE]... t.yaml
# in the project's temp directory, in both comment modes.  A mode passes when
#   * the oracle succeeded and fgcc exited 0 with byte-identical stdout, or
#   * the oracle failed and fgcc exited 1 with a diagnostic containing "error:" on stderr.
# A case passes when both modes pass.  Mismatches are printed (files, both outputs, a unified diff)
# up to --max-print and saved under --keep DIR.  The last line is "N passed, N failed"; the exit
# status is 0 iff nothing failed.  Everything is derived from (seed, case index), so a run is
# reproducible and one case can be re-run with --only.
#
# The generator keeps track of which names are safe to read at each point (Jinja's scoping rules of
# §4.5: context vs. block-local variables, namespaces, child-before-parent top-level order) so that
# most projects render; a minority get one deliberate error mutation (undefined names, missing
# templates, syntax errors, runtime type errors, ...) to check that fgcc fails when Jinja fails.
#
# Needs only /usr/bin/python3 with jinja2 and yaml.
# =====================================================================================================

import argparse
import difflib
import io
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import yaml  # noqa: E402

import forgather_render  # noqa: E402

# Fixed "now" for isotime() & co. on both sides (reproducible-builds convention), and UTC so that
# local and UTC times agree whatever the machine's zone is.
SOURCE_DATE_EPOCH = "1700000000"

# -----------------------------------------------------------------------------------------------------
# Vocabulary
# -----------------------------------------------------------------------------------------------------

# Strings used in literals.  None contains "##" (a trailing-comment trap), "}}", "{%", "%}", "{#" or
# "#}" (delimiters), so the only way such text reaches a template is a deliberate mutation.
STR_POOL = [
    "hello", "a b", "x: y", "", " padded ", "yes", "no", "null", "123", "1.5", "True", "it's",
    'say "hi"', "a/b/c.yaml", "path/to/model.py", "café", "#tag", "- item", "a,b", "~", "@at",
    "  ", "http://x/y", "key=value", "CamelCase", "with.dots.name", "trainer", "meta-llama/Llama-2-7b",
    "1e5", "0x1F", "on", "-", "3.0", "tab\there", "multi\nline", "two\nlines\n", "日本", "a'b\"c",
]
# Strings that are safe inside .format() templates as plain text (no braces).
WORDS = ["model", "trainer", "config", "data", "loss", "lr", "seed", "layers", "heads", "dim",
         "eps", "steps", "vocab", "output", "name", "batch", "mode", "tag", "desc", "flag"]
KEYS = WORDS + ["learning_rate", "batch_size", "output_dir", "num_layers", "dropout"]
BLOCK_NAMES = ["config_vars", "meta", "trainer_args", "model", "datasets", "optimizer", "header",
               "globals", "callbacks", "tokenizer", "loss_fn", "main", "extra", "layers",
               "schedule", "logging", "outputs", "paths", "defaults", "details"]
FLOAT_LITERALS = ["0.1", "2.5", "1.0", "3.0", "1.0e-5", "1e-5", "1e17", "1.5e-07", "100000.0",
                  "1e16", "0.0001", "5e-06", "12345.678", "0.2", "1_000.5", "2.5E3", "7.25",
                  "0.30000000000000004", "1e-4", "6.02e23", "0.5"]
PATH_LITERALS = ["'a/b/c.yaml'", "'/abs/path/model.py'", "'rel/./x/../y.txt'", "'file.tar.gz'",
                 "'dir/'", "'noext'", "'/'", "'.hidden'"]

# YAML-looking text lines with no template syntax.  Several are near-misses for the preprocessor
# (`--set`, `- -- x`, `<<: *x`, `x: [y]`, `[a-b]: z`, `==> x`) and must pass through unchanged.
TEXT_LINES = [
    "name: example", 'description: "A test config"', "quoted: 'single # not a comment'",
    "- item", "- nested: value", "  key: value", "<<: *defaults", "defaults: &defaults",
    "list: [1, 2, 3]", "map: {a: 1, b: two}", "# a yaml comment", "#-- not a separator --",
    "--set x = 1", "- -- x", "---", "url: http://example.com/a##frag",
    "tag: !singleton:torch.nn:Linear", "empty:", "flag: true", "lr: 1.0e-5", "seq:", "  - a",
    "  - b", "key: value # yaml comment", "x: [y]", "- [x, y]", "[a-b]: z", "path: /tmp/x.yaml",
    "ratio: 0.5", "count: 10", "text: it's", "\ttabbed: 1", "trail: spaces   ", "multi: a b c",
    'note: "x ## y"', "==> arrow", "=>x", "<<: *base", "    deep:", "      deeper: 1",
    "#--- bad name! ---", "main: !call:forgather:Latent [1, 2]", "anchor: &a1 {x: 1}",
    "ref: *a1", "...", "[ not_a_header ]", "[a.b]", "[x] y", "- !var \"x\"", "percent: 50%", "braces: {}", "--",
]
COMMENT_LINES = ["## comment", "   ## indented comment", "##", "###", "## -- set x = 1",
                 "##--- fake.sep ---", "## [notablock]", "  ##x"]
TRAILING_COMMENTS = ["## note", "### three", "## a ## b", "##"]
SEPARATOR_FORMS = ["#--- {} ---", "#-------------------- {} --------------------",
                   "# --- {} ---", "#---{}---", "#   -----   {}   -----"]


def jstr(s, rng):
    """A Jinja string literal for s (quotes chosen like a human would; escapes where needed)."""
    body = s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")
    if "'" in s and '"' not in s:
        return '"' + body + '"'
    if "'" in s:
        return "'" + body.replace("'", "\\'") + "'"
    if '"' in s or rng.random() < 0.7:
        return "'" + body + "'"
    return '"' + body + '"'


# -----------------------------------------------------------------------------------------------------
# Scopes: what may be read at a given point of a template
# -----------------------------------------------------------------------------------------------------

class Scope:
    """Names that are safe to read at one point of a template.

    vars   name -> type, where type is one of int float str bool none list dict any (any: only
           printed, never computed with) or ("macro", [param types], n_required).
    ns     attr -> type for the shared namespace `ns`, or None where `ns` may not exist yet.
    full   True where the whole main-chain context is visible (ns, every context variable); False at
           positions that run before the root template's top-level code (child/mid top level), where
           only -D arguments and earlier sets of the same template can be read.
    """

    def __init__(self, vars=None, ns=None, full=True):
        self.vars = dict(vars or {})
        self.ns = None if ns is None else dict(ns)
        self.full = full

    def copy(self):
        return Scope(self.vars, self.ns, self.full)

    def names_of(self, ty):
        out = [n for n, t in self.vars.items() if t == ty]
        if self.ns is not None:
            out += ["ns." + a for a, t in self.ns.items() if t == ty]
        return out

    def macros(self):
        return [(n, t) for n, t in self.vars.items() if isinstance(t, tuple)]


class TemplateCtx:
    """Per-template generation state: unique block names and what can be included from it."""

    def __init__(self, gen, name):
        self.gen = gen
        self.name = name
        self.blocks = set()

    def new_block_name(self):
        for _ in range(50):
            n = self.gen.pick(BLOCK_NAMES)
            if self.gen.chance(0.3):
                n += "_" + str(self.gen.r.randint(1, 9))
            if n not in self.blocks and n not in self.gen.all_block_names:
                self.blocks.add(n)
                self.gen.all_block_names.add(n)
                return n
        n = "blk%d" % self.gen.next_id()
        self.blocks.add(n)
        self.gen.all_block_names.add(n)
        return n

    def claim(self, name):
        self.blocks.add(name)


# -----------------------------------------------------------------------------------------------------
# The project generator
# -----------------------------------------------------------------------------------------------------

class Project:
    def __init__(self):
        self.files = {}          # relative path -> final text (line endings applied)
        self.include_dirs = []   # -I DIR (relative to the project dir)
        self.defines = []        # -D NAME=VALUE
        self.notes = []          # what the generator did, for humans reading a mismatch


class Gen:
    def __init__(self, rng, opts):
        self.r = rng
        self.o = opts
        self.uid = 0
        self.all_block_names = set()
        self.no_includes = False

    # -- random helpers --------------------------------------------------------------------------
    def chance(self, p):
        return self.r.random() < p

    def pick(self, seq):
        return self.r.choice(seq)

    def wpick(self, pairs):
        """pairs: [(weight, value)], weights may be 0."""
        total = sum(w for w, _ in pairs)
        x = self.r.random() * total
        for w, v in pairs:
            x -= w
            if x < 0:
                return v
        return pairs[-1][1]

    def next_id(self):
        self.uid += 1
        return self.uid

    def fresh(self, prefix):
        return "%s%d" % (prefix, self.next_id())

    def indent(self):
        return self.wpick([(6, ""), (2, "  "), (2, "    "), (0.2, "\t")])

    # -- literals ----------------------------------------------------------------------------------
    def int_lit(self, allow_neg=True):
        n = self.wpick([(4, self.r.randint(0, 12)), (2, self.pick([42, 100, 255, 1000, 7, 16])),
                        (1, -self.r.randint(1, 20) if allow_neg else 3)])
        if n == 1000 and self.chance(0.3):
            return "1_000"
        return str(n)

    def nonzero_lit(self):
        return self.pick(["2", "3", "4", "5", "7", "10", "-2", "-3"])

    def str_lit(self):
        if self.chance(0.04):
            # escapes decoded by Jinja's lexer (unicode-escape): \u00e9, \x41, \\, \'
            return self.pick(["'\\u00e9t\\u00e9'", "'a\\\\b'", "'\\x41\\x42'", "'q\\'s'", '"d\\"q"'])
        return jstr(self.pick(STR_POOL), self.r)

    def word_lit(self):
        return jstr(self.pick(WORDS), self.r)

    # -- expressions ---------------------------------------------------------------------------------
    # Each generator returns Jinja expression text of the requested Python type, built so that it
    # cannot fail at run time (divisors are non-zero literals, only same-typed operands, bounded
    # magnitudes) -- failures come only from deliberate mutations.

    def expr(self, sc, ty, d=0):
        return getattr(self, "e_" + ty)(sc, d)

    def atom(self, sc, ty, d):
        """An operand: parenthesised when compound, so precedence cannot change its type."""
        e = self.expr(sc, ty, d + 1)
        if re.fullmatch(r"[\w.]+|'[^']*'|\"[^\"]*\"", e):
            return e
        return "(" + e + ")"

    def var_or(self, sc, ty, fallback):
        names = sc.names_of(ty)
        if names and self.chance(0.6):
            return self.pick(names)
        return fallback()

    def e_int(self, sc, d):
        choices = [(4, "lit"), (3, "var")]
        if d < 2:
            choices += [(3, "arith"), (2, "floordiv"), (1, "pow"), (1, "length"), (0.5, "neg"),
                        (0.5, "subscript"), (0.5, "default")]
        k = self.wpick(choices)
        if k == "lit":
            return self.int_lit()
        if k == "var":
            return self.var_or(sc, "int", self.int_lit)
        if k == "arith":
            op = self.pick(["+", "-", "*", "+", "-"])
            if op == "*":  # products only of small leaves keep magnitudes far from 2**63
                return "%s * %s" % (self.int_lit(), self.var_or(sc, "int", self.int_lit))
            return "%s %s %s" % (self.atom(sc, "int", d), op, self.atom(sc, "int", d))
        if k == "floordiv":
            return "%s %s %s" % (self.atom(sc, "int", d), self.pick(["//", "%"]), self.nonzero_lit())
        if k == "pow":
            # Jinja binds unary minus tighter than `**` (-2 ** 2 == 4), unlike Python.
            base = self.pick(["2", "3", "10", "-2", "-3", "(-2)", "7"])
            return "%s ** %d" % (base, self.r.randint(0, 3))
        if k == "length":
            return "%s | length" % self.atom(sc, self.pick(["str", "list", "dict"]), d)
        if k == "neg":
            return "-" + self.atom(sc, "int", d)
        if k == "subscript":
            return "[10, 20, 30][%d]" % self.r.randint(-3, 2)
        return "%s | default(%s)" % (self.maybe_name(sc, "int"), self.int_lit())

    def e_float(self, sc, d):
        choices = [(4, "lit"), (2, "var")]
        if d < 2:
            choices += [(2, "div"), (2, "arith"), (1, "floordiv"), (0.5, "pow"), (0.5, "default")]
        k = self.wpick(choices)
        if k == "lit":
            return self.pick(FLOAT_LITERALS)
        if k == "var":
            return self.var_or(sc, "float", lambda: self.pick(FLOAT_LITERALS))
        if k == "div":
            return "%s / %s" % (self.atom(sc, self.pick(["int", "float"]), d), self.nonzero_lit())
        if k == "arith":
            return "%s %s %s" % (self.atom(sc, "float", d), self.pick(["+", "-", "*"]),
                                 self.atom(sc, self.pick(["int", "float"]), d))
        if k == "floordiv":
            return "%s %s %s" % (self.atom(sc, "float", d), self.pick(["//", "%"]), self.nonzero_lit())
        if k == "pow":
            return "%s ** 2" % self.pick(["1.5", "0.1", "2.0", "(-0.5)"])
        return "%s | default(%s)" % (self.maybe_name(sc, "float"), self.pick(FLOAT_LITERALS))

    def e_str(self, sc, d):
        choices = [(4, "lit"), (3, "var")]
        if d < 2:
            choices += [(2, "concat"), (2, "format"), (1, "format2"), (1, "trim"), (0.5, "split"),
                        (1, "path"), (0.5, "repr"), (1, "default"), (0.3, "indent")]
            if sc.macros():
                choices.append((1.5, "macro"))
            if not self.o.no_time:
                choices.append((0.2, "time"))
            if not self.o.no_paths:
                choices.append((0.15, "cwdpath"))
            if self.o.with_project_dir:
                choices.append((0.3, "project_dir"))
            if self.o.extended:
                choices += [(0.5, "tilde"), (0.3, "inline_if")]
        k = self.wpick(choices)
        if k == "lit":
            return self.str_lit()
        if k == "var":
            return self.var_or(sc, "str", self.str_lit)
        if k == "concat":
            return "%s + %s" % (self.atom(sc, "str", d), self.atom(sc, "str", d))
        if k == "format":
            return self.format_expr(sc, d)
        if k == "format2":
            return "%s.format(%s, %s)" % (jstr(self.pick(["{}-{}", "{} and {}", "{}: {}", "{}{}"]), self.r),
                                          self.atom(sc, self.pick(["int", "str", "float", "none", "list"]), d),
                                          self.atom(sc, self.pick(["int", "str", "bool"]), d))
        if k == "trim":
            if self.chance(0.3):
                return "%s | trim(%s)" % (jstr(self.pick(["--x--", "\n\nx\n", "..a.."]), self.r),
                                          jstr(self.pick(["-", "\n", "."]), self.r))
            return "%s | trim" % self.atom(sc, "str", d)
        if k == "split":
            return "%s.split('.')[-1]" % jstr(self.pick(["a.b.c", "torch.nn.Linear", "x"]), self.r)
        if k == "path":
            f = self.pick(["joinpath", "joinpath", "basename", "dirname", "normpath", "modname_from_path"])
            if f == "joinpath":
                parts = [self.pick(["'a'", "'b/c'", "'/abs'", "'x.yaml'", "''", self.word_lit()])
                         for _ in range(self.r.randint(1, 3))]
                return "joinpath(%s)" % ", ".join(parts)
            return "%s(%s)" % (f, self.pick(PATH_LITERALS))
        if k == "repr":
            return "repr(%s)" % self.atom(sc, self.pick(["str", "int", "list", "none", "float"]), d)
        if k == "default":
            return "%s | default(%s)" % (self.maybe_name(sc, "str"), self.str_lit())
        if k == "indent":
            return "%s | indent(%d%s)" % (jstr(self.pick(["a\nb", "x\n\ny\n", "one"]), self.r),
                                          self.pick([2, 4, 8]), self.pick(["", "", ", true", ", first=true"]))
        if k == "macro":
            return self.macro_call(sc, d)
        if k == "time":
            return self.pick(["isotime()", "utcisotime()", "filetime()", "utcfiletime()"])
        if k == "cwdpath":
            return self.pick(["abspath('x/y.yaml')", "relpath('/tmp')", "getcwd()", "user_home_dir()",
                              "abspath('.')"])
        if k == "project_dir":
            return self.pick(["project_dir", "workspace_root", "joinpath(project_dir, 'x')",
                              "basename(project_dir)"])
        if k == "tilde":
            return "%s ~ %s" % (self.atom(sc, "str", d), self.atom(sc, self.pick(["int", "float", "str"]), d))
        return "%s if %s else %s" % (self.atom(sc, "str", d), self.atom(sc, "bool", d), self.atom(sc, "str", d))

    def format_expr(self, sc, d):
        """'{:<fill><align><width>}'.format(x): the fill/align/width forms of §4.5."""
        fill = self.pick(["", "", "*", "-", ".", "_", "#", "~", " ", "0"])
        align = self.pick(["<", ">", "^"]) if (fill or self.chance(0.7)) else ""
        width = self.r.randint(0, 16)
        spec = "{:%s%s%d}" % (fill, align, width)
        pre = self.pick(["", "", "x=", "[", "# "])
        post = self.pick(["", "", "|", "]"])
        arg_ty = self.pick(["str", "str", "int", "float"])
        arg = self.atom(sc, arg_ty, d)
        if arg_ty == "str" and self.chance(0.4):
            arg = "' ' + %s + ' '" % arg  # the repo's banner idiom
        return "%s.format(%s)" % (jstr(pre + spec + post, self.r), arg)

    def e_bool(self, sc, d):
        choices = [(3, "lit"), (2, "var"), (2, "ne"), (1.5, "defined")]
        if self.o.extended and d < 2:
            choices += [(1, "cmp"), (1, "logic"), (0.5, "in")]
        k = self.wpick(choices)
        if k == "lit":
            return self.pick(["true", "false", "True", "False"])
        if k == "var":
            return self.var_or(sc, "bool", lambda: self.pick(["true", "False"]))
        if k == "ne":
            ty = self.pick(["int", "str"])
            return "%s != %s" % (self.atom(sc, ty, d), self.atom(sc, ty, d))
        if k == "defined":
            name = self.pick([self.maybe_name(sc, "int")] + list(sc.vars)[:5] + ["ns.zz"] if sc.ns is not None
                             else [self.maybe_name(sc, "int")] + list(sc.vars)[:5])
            return "%s is %s" % (name, self.pick(["defined", "undefined"]))
        if k == "cmp":
            return "%s %s %s" % (self.atom(sc, "int", d), self.pick(["==", "<", ">=", "<="]), self.atom(sc, "int", d))
        if k == "logic":
            if self.chance(0.3):
                return "not " + self.atom(sc, "bool", d)
            return "%s %s %s" % (self.atom(sc, "bool", d), self.pick(["and", "or"]), self.atom(sc, "bool", d))
        return "%s in %s" % (self.atom(sc, "int", d), "[1, 2, 3]")

    def e_none(self, sc, d):
        return self.var_or(sc, "none", lambda: self.pick(["none", "None"]))

    def leaf_value(self, sc, depth=0):
        k = self.wpick([(3, "int"), (3, "str"), (1, "float"), (1, "none"), (1, "bool"),
                        (0.4 if depth == 0 else 0, "list"), (0.3 if depth == 0 else 0, "dict")])
        if k == "int":
            return self.int_lit()
        if k == "str":
            return self.str_lit()
        if k == "float":
            return self.pick(FLOAT_LITERALS)
        if k == "none":
            return self.pick(["none", "None"])
        if k == "bool":
            return self.pick(["true", "False"])
        if k == "list":
            return self.list_lit(sc, depth + 1)
        return self.dict_lit(sc, depth + 1)

    def list_lit(self, sc, depth=0):
        return "[" + ", ".join(self.leaf_value(sc, depth) for _ in range(self.r.randint(0, 4))) + "]"

    def dict_lit(self, sc, depth=0):
        keys = self.r.sample(["a", "z", "b", "name", "lr", "y", "key with space", "1"], self.r.randint(0, 4))
        return "{" + ", ".join("%s: %s" % (jstr(k, self.r), self.leaf_value(sc, depth)) for k in keys) + "}"

    def e_list(self, sc, d):
        k = self.wpick([(3, "lit"), (2, "var"), (1 if d < 2 else 0, "concat")])
        if k == "lit":
            return self.list_lit(sc)
        if k == "var":
            return self.var_or(sc, "list", lambda: self.list_lit(sc))
        return "%s + %s" % (self.atom(sc, "list", d), self.atom(sc, "list", d))

    def e_dict(self, sc, d):
        if self.chance(0.4):
            return self.var_or(sc, "dict", lambda: self.dict_lit(sc))
        return self.dict_lit(sc)

    def maybe_name(self, sc, ty):
        """A name that may or may not be defined (read only under default/toyaml/is defined)."""
        # A name that is defined must have type `ty` (default() passes defined values through).
        undef = ["maybe_" + w for w in WORDS if sc.vars.get("maybe_" + w, ty) == ty]
        k = self.wpick([(3, "undef"), (1, "var"), (1 if sc.ns is not None else 0, "nsattr")])
        if k == "var" and sc.names_of(ty):
            return self.pick(sc.names_of(ty))
        if k == "nsattr":
            return "ns." + self.pick(["unset_attr", "zz"] + [a for a, t in sc.ns.items() if t == ty][:3])
        return self.pick(undef)

    def printable(self, sc):
        """Any expression whose str() is printed."""
        k = self.wpick([(3, "int"), (2, "float"), (4, "str"), (1, "bool"), (0.5, "none"), (1, "list"),
                        (0.7, "dict"), (1.2, "toyaml"), (0.5, "tuple"), (0.3, "time"),
                        (1 if any(t == "any" for t in sc.vars.values()) else 0, "any")])
        if k == "toyaml":
            return self.toyaml_expr(sc)
        if k == "tuple":
            return self.pick(["splitext(%s)" % self.pick(PATH_LITERALS), "(1, 'a')", "(2,)"])
        if k == "time":
            if self.o.no_time:
                return self.expr(sc, "int")
            return self.pick(["now()", "utcnow()", "isotime()"])
        if k == "any":
            return self.pick([n for n, t in sc.vars.items() if t == "any"])
        return self.expr(sc, k)

    def toyaml_expr(self, sc):
        if self.chance(0.35):
            dflt = self.pick([self.pick(FLOAT_LITERALS), "None", self.int_lit(), self.word_lit(),
                              "'meta-llama/Llama-2-7b'", "true"])
            return "%s | toyaml(%s)" % (self.maybe_name(sc, "float"), dflt)
        ty = self.pick(["int", "float", "float", "str", "str", "bool", "none", "list", "dict"])
        e = self.atom(sc, ty, 1)
        if ty == "str" and "\\n" in e:
            e = self.word_lit()  # a multi-line string dumps as a multi-line scalar; keep lines whole
        return "%s | toyaml" % e

    def macro_call(self, sc, d):
        name, (_, params, required) = self.pick(sc.macros())
        n = self.r.randint(required, len(params))
        args = [self.atom(sc, params[i], 1) for i in range(n)]
        return "%s(%s)" % (name, ", ".join(args))

    # -- lines and statements --------------------------------------------------------------------------

    def stmt(self, prefix, body):
        """A line statement, sometimes indented and sometimes with a trailing ## comment."""
        line = prefix + " " + body
        if self.chance(0.25):
            line = self.pick(["  ", "    ", "\t"]) + line
        if self.chance(0.08):
            # not "## a ## b": only the last ` ##` goes, which would leave `## a` inside the tag
            line += " " * self.r.randint(1, 3) + self.pick(TRAILING_COMMENTS[:2])
        return line

    def kv_line(self, sc):
        key = self.pick(KEYS)
        ind = self.indent()
        e = self.printable(sc)
        form = self.wpick([(6, "plain"), (1, "nospace"), (1, "two"), (1, "quoted"), (1, "tagged"),
                           (0.5, "inline_if"), (0.3, "jcomment"), (0.6, "wsctl")])
        if form == "plain":
            return "%s%s: {{ %s }}" % (ind, key, e)
        if form == "nospace":
            return "%s%s: {{%s}}" % (ind, key, e)
        if form == "two":
            return "%s%s: {{ %s }}/{{ %s }}" % (ind, key, e, self.printable(sc))
        if form == "quoted":
            return '%s%s: "{{ %s }}"' % (ind, key, e)
        if form == "tagged":
            return "%s%s: !!float {{ %s }}" % (ind, key, self.expr(sc, "float"))
        if form == "inline_if":
            # a native tag at the end of a line: trim_blocks eats the newline after it (unless `+%}`);
            # `{%-` / `-%}` strip whitespace, newlines included, on their side
            return "%s%s: {%%%s if %s %%}%s{%%%s endif %s%%}" % (
                ind, key, self.pick(["", "", "-"]), self.expr(sc, "bool"), self.pick(WORDS),
                self.pick(["", "", "-"]), self.pick(["", "", "-", "+"]))
        if form == "wsctl":
            return "%s%s: {{%s %s %s}}" % (ind, key, self.pick(["-", ""]), e, self.pick(["-", "", "-"]))
        return "%s%s: {{ %s }} {# a jinja comment #}" % (ind, key, e)

    def text_line(self):
        line = self.pick(TEXT_LINES)
        # `--  ## c` would lose its comment and become `-- `, an empty statement (a syntax error)
        if line != "--" and self.chance(0.08):
            line += " " * self.r.randint(1, 3) + self.pick(TRAILING_COMMENTS)
        return line

    def items(self, sc, n, depth, ctx):
        """n random body items (balanced: every if/for/filter is closed)."""
        out = []
        for _ in range(n):
            out += self.item(sc, depth, ctx)
        return out

    def item(self, sc, depth, ctx):
        choices = [(22, "kv"), (14, "text"), (9, "print"), (2, "print_trim"), (7, "blank"),
                   (6, "comment"), (5, "set_local"), (0.5, "jcomment")]
        if sc.ns is not None:
            choices.append((8, "set_ns"))
        if depth < 2:
            choices += [(5, "if"), (5, "for"), (1.5, "filter")]
        targets = self.include_targets_for(sc)
        if targets:
            choices.append((5, "include"))
        if sc.macros():
            choices.append((3, "macro"))
        k = self.wpick(choices)
        if k == "kv":
            return [self.kv_line(sc)]
        if k == "text":
            return [self.text_line()]
        if k == "print":
            return [self.stmt("==", self.printable(sc))]
        if k == "print_trim":
            # `=> X` is `{{ X|trim('\n')}}`: the filter binds tighter than any operator in X, so
            # X is an operand (`=> n % 10 + 2` would trim just the `2` and then fail on int + str).
            return [self.stmt("=>", self.pick([jstr(self.pick(["\nx\n", "a\n", "\n\nb"]), self.r),
                                               self.atom(sc, self.pick(["int", "str", "float", "list"]), 1)]))]
        if k == "blank":
            return [self.pick(["", "", "  "])]
        if k == "comment":
            return [self.pick(COMMENT_LINES)]
        if k == "jcomment":
            # a native multi-line comment; trim_blocks also eats the newline after `#}`
            return [self.pick(["{# start", "{#- start", "text {# start"]), "   middle -- set x = 1",
                    self.pick(["end #}", "end -#}", "end #} tail"])]
        if k == "set_local":
            ty = self.pick(["int", "float", "str", "str", "bool", "list", "dict", "none"])
            name = self.fresh("v")
            line = self.stmt(self.pick(["--", "--", "<<"]), "set %s = %s" % (name, self.expr(sc, ty)))
            sc.vars[name] = ty
            return [line]
        if k == "set_ns":
            if sc.ns and self.chance(0.7):
                attr = self.pick(list(sc.ns))
                ty = sc.ns[attr]
                if ty == "int" and self.chance(0.5):
                    value = "ns.%s + %s" % (attr, self.int_lit())  # additive updates stay small
                elif ty == "str" and self.chance(0.4):
                    value = "ns.%s + %s" % (attr, self.str_lit())
                else:
                    value = self.expr(sc, ty)
            else:
                attr = self.fresh("a")
                ty = self.pick(["int", "str", "float", "list"])
                value = self.expr(sc, ty)
                sc.ns[attr] = ty  # readable from here on in this body
            return [self.stmt("--", "set ns.%s = %s" % (attr, value))]
        if k == "if":
            return self.if_item(sc, depth, ctx)
        if k == "for":
            return self.for_item(sc, depth, ctx)
        if k == "filter":
            body = self.items(sc.copy(), self.r.randint(1, 3), depth + 1, ctx)
            return [self.stmt("--", self.pick(["filter trim()", "filter trim"]))] + body + \
                   [self.stmt(self.pick(["--", "<<"]), "endfilter")]
        if k == "include":
            name = self.pick(targets)
            q = self.pick(["'", "'", '"'])
            return [self.stmt(self.pick(["--", "--", "--", "<<", ">>"]), "include %s%s%s" % (q, name, q))]
        return [self.stmt("==", self.macro_call(sc, 0))]

    def if_item(self, sc, depth, ctx):
        cond = self.expr(sc, "bool")
        if self.chance(0.15):
            cond += ":"  # a trailing colon is accepted by Jinja's parser (§4.1)
        lines = [self.stmt(self.pick(["--", "--", ">>"]), "if " + cond)]
        lines += self.items(sc.copy(), self.r.randint(1, 3), depth + 1, ctx)
        if self.o.extended and self.chance(0.4):
            if self.chance(0.4):
                lines.append(self.stmt("--", "elif " + self.expr(sc, "bool")))
                lines += self.items(sc.copy(), self.r.randint(1, 2), depth + 1, ctx)
            lines.append(self.stmt("--", "else"))
            lines += self.items(sc.copy(), self.r.randint(1, 2), depth + 1, ctx)
        lines.append(self.stmt(self.pick(["--", "--", "<<"]), "endif"))
        return lines

    def for_item(self, sc, depth, ctx):
        body_sc = sc.copy()
        k = self.wpick([(3, "range"), (3, "items"), (2, "list"), (1 if sc.names_of("dict") else 0, "nsdict")])
        if k == "range":
            var = self.fresh("i")
            a = self.r.randint(-2, 3)
            head = "for %s in range(%s)" % (var, self.pick(["%d, %d" % (a, a + self.r.randint(0, 4)),
                                                          str(self.r.randint(0, 4))]))
            if self.chance(0.3):
                head += ":"
            body_sc.vars[var] = "int"
        elif k == "items":
            kv, vv = self.fresh("k"), self.fresh("v")
            vty = self.pick(["int", "str"])
            keys = self.r.sample(["python", "torch", "a", "b", "zz", "key 1"], self.r.randint(0, 3))
            lit = "{" + ", ".join("%s: %s" % (jstr(kk, self.r), self.expr(sc, vty, 2)) for kk in keys) + "}"
            head = "for %s, %s in %s.items()" % (kv, vv, lit)
            body_sc.vars[kv] = "str"
            body_sc.vars[vv] = vty
        elif k == "list":
            var = self.fresh("x")
            head = "for %s in %s" % (var, self.pick([self.list_lit(sc), self.var_or(sc, "list", lambda: "[1, 2]")]))
            body_sc.vars[var] = "any"
        else:
            kv, vv = self.fresh("k"), self.fresh("v")
            head = "for %s, %s in %s.items()" % (kv, vv, self.pick(sc.names_of("dict")))
            body_sc.vars[kv] = "str"
            body_sc.vars[vv] = "any"
        lines = [self.stmt(self.pick(["--", "--", ">>"]), head)]
        lines += self.items(body_sc, self.r.randint(1, 3), depth + 1, ctx)
        lines.append(self.stmt(self.pick(["--", "--", "<<"]), "endfor"))
        return lines

    # -- blocks -------------------------------------------------------------------------------------

    def toml_block(self, ctx, name, indent, context_sc, depth, with_super=False, bang_sc=None,
                   bang_ok=True):
        """A `[name]` block at `indent`; content, then maybe nested headers (deeper indent).

        `[name!]` wraps the block in `{% filter trim %}`, and Jinja runs a filter even at the top
        level of a child template after `extends`: a child's `[x!]` body executes right there, before
        the parents' code.  So in a child, pass bang_sc (the child's top-level scope): a bang body is
        then generated in that scope, without super() and without nested blocks.
        """
        bang = bang_ok and self.chance(0.08)
        lead = "\t" if indent == 1 and self.chance(0.5) else " " * indent  # a tab counts as 1
        lines = [lead + "[" + name + ("!!" if bang and self.chance(0.2) else "!" if bang else "") + "]"
                 + self.pick(["", "", "", "  ", "\t"])]
        if bang and bang_sc is not None:
            return lines + self.block_body(ctx, name, bang_sc, None)
        lines += self.block_body(ctx, name, context_sc, with_super)
        if depth < 2 and self.chance(0.2):
            # nested `-- block` statement block inside a TOML block
            lines += self.stmt_block(ctx, ctx.new_block_name(), context_sc, depth + 1)
        if depth < 2 and self.chance(0.25):
            step = self.pick([2, 4, 4, 1])
            for _ in range(self.r.randint(1, 2)):
                child = ctx.new_block_name()
                self.block_scopes.setdefault(child, context_sc)
                lines += self.toml_block(ctx, child, indent + step, context_sc, depth + 1)
        return lines

    def stmt_block(self, ctx, name, context_sc, depth, with_super=False):
        lines = [self.stmt("--", "block " + name)]
        lines += self.block_body(ctx, name, context_sc, with_super)
        self.block_scopes.setdefault(name, context_sc)
        if depth < 2 and self.chance(0.15):
            lines += self.stmt_block(ctx, ctx.new_block_name(), context_sc, depth + 1)
            lines += self.items(context_sc.copy(), self.r.randint(0, 2), 1, ctx)
        end = self.wpick([(2, "-- endblock"), (2, "-- endblock " + name), (3, "<< endblock " + name),
                          (1, "<< endblock")])
        lines.append(end)
        if end.startswith("<<") and self.chance(0.7):
            lines.append("")  # the repo's habit: a blank line after `<< endblock`
        return lines

    def block_body(self, ctx, name, context_sc, with_super):
        """Body of a block: locals are private (a block sees the context, never the enclosing
        block's locals, §4.5); an override may call super() once or twice."""
        sc = context_sc.copy()
        body = self.items(sc, self.r.randint(0, 4), 0, ctx)
        if with_super:
            for _ in range(self.wpick([(1, 0), (4, 1), (1, 2)])):
                pos = self.r.randint(0, len(body))
                call = self.pick(["== super()", "== super()", "=> super()", "    == super()",
                                  "x: {{ super() }}", "== super() | trim"])
                body.insert(pos, call)
        return body

    # -- include targets -------------------------------------------------------------------------------

    def include_targets_for(self, sc):
        # Full-scope targets read ns and context variables: only where the root's init has run.
        if self.no_includes:
            return []
        return [t["name"] for t in self.targets if sc.full or not t["full"]]

    # -- whole project ------------------------------------------------------------------------------

    def generate(self):
        p = Project()
        self.block_scopes = {}
        self.targets = []        # include targets: {"name", "full"}
        files = {}               # relpath -> list of lines (main part); sub-templates appended later
        subs = {}                # host relpath -> [(sub name, lines)]
        notes = p.notes

        # Render arguments (-D): YAML flow values, typed as yaml.safe_load reads them.
        defines = {}
        if not self.o.no_defines and self.chance(0.45):
            pool = [("lr", "1.0e-5"), ("lr", "1e-5"), ("n", "3"), ("name", "hello world"),
                    ("flag", "true"), ("flag", "yes"), ("nothing", "null"), ("nothing", "~"),
                    ("items", "[1, a, 2.5]"), ("cfg", "{b: 1, a: x}"), ("ver", "3.10"),
                    ("hexv", "0x1F"), ("sexa", "1:30"), ("maybe_lr", "0.5"), ("maybe_name", "'quoted'"),
                    ("maybe_model", "gpt"), ("empty", ""), ("neg", "-7"), ("big", "12345678901")]
            for name, value in self.r.sample(pool, self.r.randint(1, 4)):
                if name in defines:
                    continue
                v = yaml.safe_load(value)
                ty = {bool: "bool", int: "int", float: "float", str: "str", list: "list",
                      dict: "dict", type(None): "none"}.get(type(v), "any")
                defines[name] = ty
                p.defines.append("%s=%s" % (name, value))
        plain_sc = Scope(defines, None, full=False)

        topology = self.wpick([(45, "single"), (40, "extends"), (15, "chain3")])
        use_lib = self.chance(0.3)
        lib_dirs = ["lib"] + (["lib2"] if use_lib and self.chance(0.3) else [])
        if use_lib:
            p.include_dirs = list(lib_dirs)

        def place(fname):
            """Where a non-config template lives: the config dir or one of the -I dirs."""
            if use_lib and self.chance(0.5):
                return self.pick(lib_dirs) + "/" + fname, fname
            return fname, fname

        # The chain: t.yaml [-> mid.yaml] -> base.yaml; `root` is the template with no parent.
        chain = ["t.yaml"]
        if topology in ("extends", "chain3"):
            if topology == "chain3":
                chain.append("mid.yaml")
            chain.append("base.yaml")
        paths = {"t.yaml": "t.yaml"}
        for name in chain[1:]:
            paths[name] = place(name)[0]
        root = chain[-1]
        notes.append("topology %s, chain %s" % (topology, " -> ".join(paths[n] for n in chain)))

        # Context names every full-scope position can read: -D args, child/mid top-level sets,
        # the root's namespace and its initial top-level sets.
        has_ns = self.chance(0.9)
        ns_init = {}
        ns_ctor_args = []
        if has_ns:
            for _ in range(self.r.randint(1, 5)):
                ty = self.pick(["int", "int", "str", "str", "float", "bool", "list", "dict", "none"])
                ns_init[self.fresh("a")] = ty
        child_vars = {}
        mid_vars = {}

        # Macro file (imported without context: macros see only their parameters, their own
        # module's top-level names and the environment globals).
        macro_sigs = {}
        macro_file = None
        if self.chance(0.3):
            macro_file, macro_name = place(self.pick(["macros.jinja", "inc/formatting.jinja"]))
            files[macro_file] = self.macro_file(macro_sigs)
            notes.append("macros %s in %s" % (sorted(macro_sigs), macro_file))
        importer = self.pick(chain) if macro_file else None

        # Which sets happen at child/mid top level (they run first; only -D args are visible).
        child_sc = plain_sc.copy()
        child_lines_after_extends = []
        if len(chain) > 1:
            for _ in range(self.wpick([(2, 0), (2, 1), (1, 2)])):
                name = self.fresh("c")
                ty = self.pick(["int", "str", "float", "list", "bool"])
                child_lines_after_extends.append(self.stmt("--", "set %s = %s" % (name, self.expr(child_sc, ty))))
                child_sc.vars[name] = ty
                child_vars[name] = ty
        mid_sc = plain_sc.copy()
        mid_lines_after_extends = []
        if topology == "chain3" and self.chance(0.6):
            name = self.fresh("m")
            ty = self.pick(["int", "str"])
            mid_lines_after_extends.append(self.stmt("--", "set %s = %s" % (name, self.expr(mid_sc, ty))))
            mid_vars[name] = ty

        context = dict(defines)
        context.update(child_vars)
        context.update(mid_vars)
        if importer in ("t.yaml", "mid.yaml") and importer != root:
            context.update(macro_sigs)  # imported at child/mid top level, before the root runs

        # Full scope at the start of the root's body (after its init lines).
        init_sc = Scope(context, ns_init if has_ns else None, full=True)
        root_vars = {}
        root_init_lines = []
        if has_ns:
            if self.chance(0.3):
                # namespace(a=1, ...) keyword initialisation, as in PP-01
                kw = list(ns_init)[: self.r.randint(1, len(ns_init))]
                ns_ctor_args = ["%s=%s" % (a, self.expr(plain_sc.copy(), ns_init[a], 1)) for a in kw]
            root_init_lines.append(self.stmt("--", "set ns = namespace(%s)" % ", ".join(ns_ctor_args)))
            done = {a.split("=")[0] for a in ns_ctor_args}
            tmp = Scope(context, {a: t for a, t in ns_init.items() if a in done}, full=True)
            for a, ty in ns_init.items():
                if a not in done:
                    root_init_lines.append(self.stmt("--", "set ns.%s = %s" % (a, self.expr(tmp, ty))))
                    tmp.ns[a] = ty
        for _ in range(self.r.randint(0, 2)):
            name = self.fresh("r")
            ty = self.pick(["int", "str", "float", "list", "dict", "bool"])
            root_init_lines.append(self.stmt("--", "set %s = %s" % (name, self.expr(init_sc, ty))))
            root_vars[name] = ty
        init_sc.vars.update(root_vars)
        if importer == root:
            root_init_lines.append(self.import_line(macro_name, macro_sigs))
            init_sc.vars.update(macro_sigs)
        # Include targets see the init scope only (they may be included from anywhere full); the
        # macros are left out: includes of them run where the import may not have happened yet.
        target_sc = Scope({n: t for n, t in init_sc.vars.items() if not isinstance(t, tuple)},
                          init_sc.ns, full=True)

        # Include files and sub-templates.
        shared_more = None
        for _ in range(self.wpick([(3, 0), (3, 1), (2, 2)])):
            full = self.chance(0.7)
            sc = target_sc if full else plain_sc
            kind = self.wpick([(3, "file"), (3, "sub"), (2, "file_with_sub")])
            if kind == "file" or kind == "file_with_sub":
                path, name = place(self.fresh("inc") + ".yaml")
                ctx = TemplateCtx(self, path)
                lines = self.include_body(sc, ctx)
                if kind == "file_with_sub":
                    # The file includes its own sub-template: registered when the file is loaded.
                    # Rarely two files define the same name: the later load overwrites the registry
                    # entry, but a copy already compiled stays cached (§2.2, §2.3).
                    if shared_more and self.chance(0.5):
                        sub = shared_more
                        notes.append("sub-template %s defined in two files (registry/cache, §2.3)" % sub)
                    else:
                        sub = shared_more = os.path.splitext(os.path.basename(name))[0] + ".more"
                    lines.append(self.stmt("--", "include '%s'" % sub))
                    # no includes inside: with a shared name, include chains could become cycles
                    self.no_includes = True
                    subs.setdefault(path, []).append((sub, self.include_body(sc, TemplateCtx(self, sub))))
                    self.no_includes = False
                files[path] = lines
                self.targets.append({"name": name, "full": full})
            else:
                # Plain targets may be included at child top level, before the parents have been
                # loaded, so their sub-templates live in t.yaml (always loaded first).
                host = self.pick(chain) if full else "t.yaml"
                sub = os.path.splitext(host)[0] + "." + self.fresh(self.pick(["part", "trainer_config", "extra/x"]))
                subs.setdefault(paths[host], []).append((sub, self.include_body(sc, TemplateCtx(self, sub))))
                self.targets.append({"name": sub, "full": full})

        # The "trainer" pattern: a sub-template that extends another file and overrides its
        # blocks, included from the main chain (possibly with a dynamic `extends ns.trparent`).
        if has_ns and self.chance(0.25):
            tr_path, tr_name = place("trainer.yaml")
            tctx = TemplateCtx(self, tr_path)
            tlines = self.items(target_sc.copy(), self.r.randint(0, 2), 0, tctx)
            tr_blocks = []
            for _ in range(self.r.randint(1, 3)):
                bn = tctx.new_block_name()
                tr_blocks.append(bn)
                tlines += self.toml_block(tctx, bn, 0, target_sc, 1)
            files[tr_path] = tlines
            host = self.pick(chain)
            sub = os.path.splitext(host)[0] + ".trainer"
            dynamic = self.chance(0.4)
            sctx = TemplateCtx(self, sub)
            slines = [self.stmt("--", "extends ns.trparent" if dynamic else "extends '%s'" % tr_name)]
            for bn in self.r.sample(tr_blocks, self.r.randint(0, len(tr_blocks))):
                sctx.claim(bn)
                slines += self.toml_block(sctx, bn, 0, target_sc, 1, with_super=True)
            subs.setdefault(paths[host], []).append((sub, slines))
            self.targets.append({"name": sub, "full": True})
            if dynamic:
                root_init_lines.append(self.stmt("--", "set ns.trparent = '%s'" % tr_name))
            notes.append("trainer sub-template %s extends %s%s" % (sub, tr_name, " (dynamic)" if dynamic else ""))

        # ---- the root template ----
        rctx = TemplateCtx(self, paths[root])
        rlines = []
        for _ in range(self.r.randint(0, 2)):
            rlines.append(self.pick(COMMENT_LINES + ["# yaml comment", "", self.text_line()]))
        rlines += root_init_lines
        sc = init_sc.copy()
        rlines += self.items(sc, self.r.randint(0, 3), 0, rctx)
        if self.chance(0.1) and len(chain) > 1:
            # a required block, which the child then must override
            bn = rctx.new_block_name()
            rlines += [self.stmt("--", "block %s required" % bn), self.pick(["## must override", "", "  "]),
                       "-- endblock"]
            self.required_block = bn
            self.block_scopes[bn] = sc.copy()
        else:
            self.required_block = None
        for _ in range(self.wpick([(2, 0), (2, 1), (1, 2)])):
            bn = rctx.new_block_name()
            rlines += self.stmt_block(rctx, bn, sc.copy(), 0)
            rlines += self.items(sc, self.r.randint(0, 2), 0, rctx)  # top-level sets persist in sc
        for _ in range(self.wpick([(1, 0), (2, 1), (3, 2), (2, 3), (1, 4)])):
            bn = rctx.new_block_name()
            self.block_scopes[bn] = sc.copy()
            rlines += self.toml_block(rctx, bn, 0, sc.copy(), 0)
        files[paths[root]] = rlines
        defined_above = set(rctx.blocks)

        # ---- mid and child ----
        for name in reversed(chain[:-1]):
            parent = chain[chain.index(name) + 1]
            ctx = TemplateCtx(self, paths[name])
            lines = []
            for _ in range(self.r.randint(0, 2)):
                lines.append(self.pick(COMMENT_LINES + ["", "# yaml comment"]))
            if name == "t.yaml" and self.chance(0.05):
                lines.append("printed: before extends")  # output before `extends` is emitted
            q = self.pick(["'", '"'])
            lines.append(self.stmt("--", "extends %s%s%s" % (q, parent, q)))
            lines += child_lines_after_extends if name == "t.yaml" else mid_lines_after_extends
            if importer == name:
                lines.append(self.import_line(macro_name, macro_sigs))
            top_sc = (child_sc if name == "t.yaml" else mid_sc).copy()
            if importer == name:
                top_sc.vars.update(macro_sigs)
            # Top-level text after extends is discarded (and not even evaluated); statements run.
            for _ in range(self.r.randint(0, 3)):
                k = self.wpick([(3, "text"), (1, "print"), (1, "include"), (1, "comment")])
                if k == "text":
                    lines.append(self.text_line())
                elif k == "print":
                    lines.append(self.stmt("==", self.printable(init_sc)))
                elif k == "include" and self.include_targets_for(top_sc):
                    lines.append(self.stmt("--", "include '%s'" % self.pick(self.include_targets_for(top_sc))))
                else:
                    lines.append(self.pick(COMMENT_LINES))
            # Overrides: some blocks defined above; super() only where an ancestor has the block.
            candidates = sorted(defined_above)
            chosen = self.r.sample(candidates, self.r.randint(0, len(candidates)))
            if self.required_block and name == "t.yaml" and self.required_block not in chosen:
                chosen.append(self.required_block)
            stmt_style = [b for b in chosen if self.chance(0.3)]
            for bn in stmt_style:
                ctx.claim(bn)
                csc = self.block_scopes.get(bn, init_sc).copy()
                csc.vars.update(top_sc.vars)
                lines += self.stmt_block(ctx, bn, csc, 1, with_super=(bn != self.required_block))
            if self.chance(0.15):
                # a block no ancestor defines is never rendered: undefined names in it are harmless
                bn = ctx.new_block_name()
                lines += [self.stmt("--", "block " + bn), "never: {{ never_defined_%d }}" % self.next_id(),
                          "-- endblock"]
            for bn in chosen:
                if bn in stmt_style:
                    continue
                ctx.claim(bn)
                csc = self.block_scopes.get(bn, init_sc).copy()
                csc.vars.update(top_sc.vars)
                lines += self.toml_block(ctx, bn, 0, csc, 1, with_super=(bn != self.required_block),
                                         bang_sc=top_sc, bang_ok=(name == "t.yaml"))
            files[paths[name]] = lines
            defined_above |= ctx.blocks

        # ---- assemble: sub-templates after separators, decoys, line endings ----
        for path, lines in files.items():
            text = "\n".join(lines)
            for sub, sub_lines in subs.get(path, []):
                sep = self.pick(SEPARATOR_FORMS).format(sub)
                text += "\n" + sep + "\n" + "\n".join(sub_lines)
            files[path] = text
        for path, sublist in subs.items():
            if path not in files:  # a host that has no main lines of its own
                files[path] = "".join("\n" + self.pick(SEPARATOR_FORMS).format(s) + "\n" + "\n".join(l)
                                      for s, l in sublist)
        if use_lib and self.chance(0.4):
            # a decoy of the same name further down the search path: the first directory wins
            shadowed = [f for f in files if "/" not in f and f != "t.yaml"]
            if shadowed:
                f = self.pick(shadowed)
                files[self.pick(lib_dirs) + "/" + f] = "decoy: {{ this_must_not_render }}\n"
                notes.append("decoy lib copy of %s" % f)

        self.mutation = None
        if self.chance(self.o.error_rate):
            self.mutate(files, chain, paths, has_ns, macro_sigs, notes)

        for path, text in files.items():
            ending = self.wpick([(6, "\n"), (2, ""), (1, "\n\n")])
            text += ending
            if self.chance(0.07):
                text = text.replace("\n", "\r\n")
                notes.append("CRLF in %s" % path)
            elif self.chance(0.03):
                text = "\n".join(l + ("\r" if self.chance(0.5) else "") for l in text.split("\n"))
                notes.append("mixed line endings in %s" % path)
            p.files[path] = text
        return p

    def include_body(self, sc, ctx):
        """Content of an include target: items, sometimes a TOML block of its own."""
        lines = self.items(sc.copy(), self.r.randint(1, 4), 0, ctx)
        if self.chance(0.15):
            bn = ctx.new_block_name()
            lines += self.toml_block(ctx, bn, 0, sc.copy(), 1)
        return lines

    def import_line(self, macro_file, sigs):
        names = sorted(sigs)
        q = self.pick(["'", '"'])
        return self.stmt("--", "from %s%s%s import %s" % (q, macro_file, q, ", ".join(names)))

    def macro_file(self, sigs):
        """1-3 macros with positional parameters, some with defaults; typed for the callers."""
        lines = []
        if self.chance(0.5):
            lines.append(self.pick(COMMENT_LINES))
        module_var = None
        if self.chance(0.3):
            module_var = self.fresh("mv")
            lines.append(self.stmt("--", "set %s = %s" % (module_var, self.word_lit())))
        for _ in range(self.r.randint(1, 3)):
            name = self.fresh("h")
            nparams = self.r.randint(1, 3)
            params = [self.pick(["str", "str", "int"]) for _ in range(nparams)]
            required = self.r.randint(0, nparams)
            pnames = ["p%d" % i for i in range(nparams)]
            decl = []
            for i in range(nparams):
                if i < required:
                    decl.append(pnames[i])
                else:
                    decl.append("%s=%s" % (pnames[i], self.word_lit() if params[i] == "str" else self.int_lit()))
            msc = Scope({pn: ty for pn, ty in zip(pnames, params)}, None, full=False)
            if module_var:
                msc.vars[module_var] = "str"
            sigs[name] = ("macro", params, required)
            if self.chance(0.5):
                # native one-liner, like templatelib/base/inc/formatting.jinja
                body = "{{ %s }}" % self.format_expr(msc, 1) if self.chance(0.5) else \
                       "{{ %s }}" % self.expr(msc, self.pick(["str", "int"]))
                lines.append("{%%- macro %s(%s) %%}%s{%% endmacro %%}" % (name, ", ".join(decl), body))
            else:
                lines.append(self.stmt("--", "macro %s(%s)" % (name, ", ".join(decl))))
                lines += [self.kv_line(msc) if self.chance(0.6) else self.stmt("==", self.expr(msc, "str"))
                          for _ in range(self.r.randint(1, 3))]
                lines.append(self.stmt(self.pick(["--", "<<"]), "endmacro"))
        return lines

    # -- deliberate errors ----------------------------------------------------------------------------

    def mutate(self, files, chain, paths, has_ns, macro_sigs, notes):
        """Insert one construct that makes Jinja fail (when the spot is actually executed)."""
        n = self.next_id()
        line_errors = [
            "bad%d: {{ undefined_%d }}" % (n, n),
            "-- include 'missing_%d.yaml'" % n,
            "-- include '../t.yaml'",
            "-- if true",
            "-- endif",
            "<< : *anchor",
            "-- ",
            "== 'a ## b'",
            "x: {{ 'a' + 1 }}",
            "x: {{ 1 // 0 }}",
            "x: {{ 2 % 0 }}",
            "x: {{ 1.5 / 0 }}",
            "-- set notns = 5\n-- set notns.a = 1",
            "x: {{ nope_%d | toyaml }}" % n,
            "x: {{ joinpath('a', nope_%d) }}" % n,
            "x: {{ range(0, 200000) | length }}",
            "[1bad]",
            "x: {{ {'a': 1}.b }}",
            "x: {{ none.attr }}",
            "x: {{ [1, 2][5] }}",
            "-- extends 'nothere_%d.yaml'" % n,
            "x: {{ '{:=^5}'.format('s') }}",
            "x: {{ '{:>5}'.format(none) }}",
            "x: {{ 'a' * 'b' }}",
            "x: {{ ''.__class__ }}",
            "x: {{ super() }}",
            "-- for x in 5\n-- endfor",
            "-- block\n-- endblock",
            "x: {{ 'unterminated }}",
        ]
        if has_ns:
            line_errors += ["== ns.missing_attr_%d" % n, "x: {{ ns._private }}"]
        if macro_sigs:
            line_errors.append("x: {{ %s(1, 2, 3, 4) }}" % self.pick(sorted(macro_sigs)))
        structural = ["dup_block", "super_in_root", "sub_before_load", "required", "child_ns"]
        kind = self.wpick([(3, "line"), (2, "structural")])
        templates = [f for f in files if f.endswith(".yaml")]
        target = "t.yaml" if self.chance(0.5) else self.pick(templates)
        lines = files[target].split("\n")
        if kind == "line":
            bad = self.pick(line_errors)
            pos = self.r.randint(0, len(lines))
            lines[pos:pos] = bad.split("\n")
            files[target] = "\n".join(lines)
            self.mutation = "inserted %r into %s line %d" % (bad, target, pos + 1)
        else:
            what = self.pick(structural)
            root = paths[chain[-1]]
            if what == "dup_block":
                headers = [i for i, l in enumerate(lines) if forgather_render.TOML_HEADER_RE.match(l)]
                if headers:
                    i = self.pick(headers)
                    lines.insert(i + 1, lines[i])  # `[a]` twice in one template
                else:
                    lines[0:0] = ["[dup]", "[dup]"]
                files[target] = "\n".join(lines)
            elif what == "super_in_root":
                rl = files[root].split("\n")
                headers = [i for i, l in enumerate(rl) if forgather_render.TOML_HEADER_RE.match(l)]
                i = self.pick(headers) if headers else 0
                rl.insert(i + 1, "== super()")
                files[root] = "\n".join(rl)
            elif what == "sub_before_load":
                files["late.yaml"] = "late: 1\n#--- late.sub ---\nsub: 2"
                pos = self.r.randint(0, len(lines))
                lines.insert(pos, "-- include 'late.sub'")
                files[target] = "\n".join(lines)
            elif what == "required":
                rl = files[root].split("\n")
                rl[0:0] = ["-- block must_%d required" % n, "-- endblock"]
                files[root] = "\n".join(rl)
            else:
                tl = files["t.yaml"].split("\n")
                ext = [i for i, l in enumerate(tl) if "extends" in l]
                tl.insert(ext[0] + 1 if ext else 0, "-- set ns.x = 1")
                files["t.yaml"] = "\n".join(tl)
            self.mutation = "structural %s (target %s)" % (what, target)
        notes.append("mutation: " + self.mutation)


def generate_case(seed, index, opts):
    """The project for (seed, index): a fresh RNG per case, so any case can be re-made alone."""
    rng = random.Random("fgcc-differential/%s/%d" % (seed, index))
    return Gen(rng, opts).generate()


# -----------------------------------------------------------------------------------------------------
# Running both sides
# -----------------------------------------------------------------------------------------------------

MODES = (("delete", []), ("preserve", ["--preserve-line-numbers"]))


def write_project(root, project):
    for rel, text in project.files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(text.encode("utf-8"))


def cli_args(project, mode_flags):
    args = list(mode_flags)
    for d in project.include_dirs:
        args += ["-I", d]
    for d in project.defines:
        args += ["-D", d]
    return args + ["t.yaml"]


def run_oracle(case_dir, args):
    """The oracle in-process (much faster than a subprocess per render), in the case directory."""
    old = os.getcwd()
    os.chdir(case_dir)
    try:
        buf = io.StringIO()
        rc = forgather_render.run_cli(args, buf)
    finally:
        os.chdir(old)
    return rc, buf.getvalue().encode("utf-8")


def run_fgcc(fgcc, case_dir, args, timeout):
    env = dict(os.environ, SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH, TZ="UTC")
    try:
        cp = subprocess.run([fgcc, "pp"] + args, cwd=case_dir, env=env, capture_output=True,
                            timeout=timeout)
        return cp.returncode, cp.stdout, cp.stderr
    except subprocess.TimeoutExpired as e:
        return "timeout", e.stdout or b"", (e.stderr or b"") + b"\n[differential.py: timed out]"
    except OSError as e:  # e.g. the binary is being rebuilt: a failure of this case, not a crash
        return "not run", b"", ("[differential.py: could not run fgcc: %s]" % e).encode()


def judge(oracle, fgcc):
    """None when the two agree, else a one-line reason."""
    orc, oout = oracle
    frc, fout, ferr = fgcc
    if orc == 0:
        if frc != 0:
            return "oracle rendered, fgcc exited %s" % frc
        if fout != oout:
            return "outputs differ"
        return None
    if frc != 1:
        return "oracle failed (%s), fgcc exited %s" % (oout.decode("utf-8", "replace").strip(), frc)
    if b"error:" not in ferr:
        return "oracle failed, fgcc exited 1 but printed no 'error:' diagnostic"
    return None


def show_text(text):
    """A file or output for humans: numbered lines, CR and tabs made visible, final newline marked."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    out = []
    lines = text.split("\n")
    for i, line in enumerate(lines, 1):
        if i == len(lines) and line == "":
            out.append("       (ends with a newline)")
            break
        out.append("%5d| %s" % (i, line.replace("\r", "\\r").replace("\t", "\\t")))
    if lines[-1] != "":
        out.append("       (no final newline)")
    return "\n".join(out)


def describe_mismatch(index, project, mode, args, reason, oracle, fgcc):
    orc, oout = oracle
    frc, fout, ferr = fgcc
    parts = ["=" * 100,
             "MISMATCH case %d [%s mode]: %s" % (index, mode, reason),
             "command: fgcc pp " + " ".join(args)]
    parts += ["note: " + n for n in project.notes]
    for rel in sorted(project.files):
        parts += ["--- file %s ---" % rel, show_text(project.files[rel])]
    parts += ["--- oracle (exit %s) ---" % orc, show_text(oout),
              "--- fgcc (exit %s) ---" % frc, show_text(fout),
              "--- fgcc stderr ---", show_text(ferr)]
    if orc == 0 and frc == 0:
        a = [repr(l) for l in oout.decode("utf-8", "replace").split("\n")]
        b = [repr(l) for l in fout.decode("utf-8", "replace").split("\n")]
        parts += ["--- unified diff (oracle -> fgcc, lines as Python literals) ---"]
        parts += list(difflib.unified_diff(a, b, "oracle", "fgcc", lineterm=""))
    return "\n".join(parts)


def keep_case(keep_dir, seed, index, project, results):
    """Save a failing case: the project, the outputs of both sides and a script to re-run fgcc."""
    dest = os.path.join(keep_dir, "case-%s-%d" % (seed, index))
    if os.path.exists(dest):
        shutil.rmtree(dest)
    os.makedirs(dest)
    write_project(os.path.join(dest, "project"), project)
    with open(os.path.join(dest, "notes.txt"), "w") as f:
        f.write("\n".join(project.notes) + "\n")
    script = ["#!/bin/sh", "# usage: run.sh PATH_TO_FGCC", "cd \"$(dirname \"$0\")/project\" || exit 2",
              "export SOURCE_DATE_EPOCH=%s TZ=UTC" % SOURCE_DATE_EPOCH]
    for mode, args, oracle, fgcc, reason in results:
        script.append("\"$1\" pp " + " ".join("'%s'" % a.replace("'", "'\\''") for a in args))
        for suffix, data in (("oracle.out", oracle[1]), ("fgcc.out", fgcc[1]), ("fgcc.err", fgcc[2])):
            with open(os.path.join(dest, "%s.%s" % (mode, suffix)), "wb") as f:
                f.write(data)
        with open(os.path.join(dest, "%s.verdict" % mode), "w") as f:
            f.write("oracle exit %s, fgcc exit %s: %s\n" % (oracle[0], fgcc[0], reason or "agree"))
    with open(os.path.join(dest, "run.sh"), "w") as f:
        f.write("\n".join(script) + "\n")
    os.chmod(os.path.join(dest, "run.sh"), 0o755)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Randomized differential test of `fgcc pp` against the "
                                             "Jinja2 oracle (forgather_render.py).")
    ap.add_argument("--fgcc", help="path of the fgcc binary (required unless --show)")
    ap.add_argument("--count", type=int, default=200, help="number of generated projects (200)")
    ap.add_argument("--seed", default="1", help="random seed (any string; default 1)")
    ap.add_argument("--keep", metavar="DIR", help="save every mismatching case under DIR")
    ap.add_argument("--max-print", type=int, default=5, help="print at most this many mismatches (5)")
    ap.add_argument("--only", type=int, metavar="I", help="run only case index I")
    ap.add_argument("--show", type=int, metavar="I",
                    help="print case I's files and oracle outputs, run nothing else")
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds per fgcc run (20)")
    ap.add_argument("--error-rate", type=float, default=0.22,
                    help="fraction of projects given a deliberate error mutation (0.22)")
    ap.add_argument("--no-defines", action="store_true", help="never pass -D render arguments")
    ap.add_argument("--no-time", action="store_true", help="never call isotime()/now() & co.")
    ap.add_argument("--no-paths", action="store_true",
                    help="never call cwd/home-dependent globals (abspath, relpath, getcwd, user_home_dir)")
    ap.add_argument("--with-project-dir", action="store_true",
                    help="also use project_dir/workspace_root (their value for a bare `pp FILE` is not "
                         "fixed by the spec; the oracle uses the config's absolute directory)")
    ap.add_argument("--extended", action="store_true",
                    help="also use Jinja features the repo never uses (else/elif, ==, <, and/or/not, "
                         "in, ~, inline if)")
    opts = ap.parse_args(argv)

    os.environ["SOURCE_DATE_EPOCH"] = SOURCE_DATE_EPOCH
    os.environ["TZ"] = "UTC"
    time.tzset()

    if opts.show is not None:
        project = generate_case(opts.seed, opts.show, opts)
        with tempfile.TemporaryDirectory(prefix="fgdiff-") as case_dir:
            write_project(case_dir, project)
            print("\n".join("note: " + n for n in project.notes))
            for rel in sorted(project.files):
                print("--- file %s ---\n%s" % (rel, show_text(project.files[rel])))
            for mode, flags in MODES:
                args = cli_args(project, flags)
                rc, out = run_oracle(case_dir, args)
                print("--- oracle [%s] pp %s (exit %d) ---\n%s" % (mode, " ".join(args), rc, show_text(out)))
        return 0
    if not opts.fgcc:
        ap.error("--fgcc is required")
    fgcc = os.path.abspath(opts.fgcc)
    if not os.access(fgcc, os.X_OK):
        ap.error("not an executable: %s" % fgcc)

    indices = [opts.only] if opts.only is not None else range(opts.count)
    passed = failed = printed = mismatches = oracle_ok = 0
    for index in indices:
        project = generate_case(opts.seed, index, opts)
        results = []
        with tempfile.TemporaryDirectory(prefix="fgdiff-") as case_dir:
            write_project(case_dir, project)
            for mode, flags in MODES:
                args = cli_args(project, flags)
                oracle = run_oracle(case_dir, args)
                got = run_fgcc(fgcc, case_dir, args, opts.timeout)
                results.append((mode, args, oracle, got, judge(oracle, got)))
        if results[0][2][0] == 0:
            oracle_ok += 1
        bad = [r for r in results if r[4] is not None]
        if not bad:
            passed += 1
            continue
        failed += 1
        for mode, args, oracle, got, reason in bad:
            mismatches += 1
            if printed < opts.max_print:
                print(describe_mismatch(index, project, mode, args, reason, oracle, got))
                printed += 1
        if opts.keep:
            keep_case(opts.keep, opts.seed, index, project, results)
    total = passed + failed
    if mismatches > printed:
        print("(%d of %d mismatches not printed; raise --max-print)" % (mismatches - printed, mismatches))
    print("oracle rendered %d of %d projects without error (%.0f%%)"
          % (oracle_ok, total, 100.0 * oracle_ok / max(total, 1)))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
