# =====================================================================================================
# cases_15_1.py -- the conformance cases of spec config-language.md §15.1 (PP-01 .. PP-35), as data
#
# Consumed by selftest.py (`forgather_render.py --selftest`).  Each case is a dict:
#   id        "PP-NN"
#   kind      "render"     files are written to a temp dir and `config` is rendered through the CLI
#                          (both comment modes unless `modes` narrows it);
#             "preprocess" `inputs` = [(source, expected)], run through the preprocessor alone;
#             "split"      `source` split with the §2.2 regex, compared with `expected` (list of pairs).
#   files     {relative path: text}                       (render)
#   config    name of the file to render (default t.yaml) (render)
#   defines   ["NAME=VALUE", ...] passed as -D            (render; the spec's Python render arguments
#                                                          written as YAML flow values)
#   expected  the rendered text WITHOUT the final newline the CLI's print adds, or a dict
#             {"delete": text, "preserve": text} when the comment modes differ (PP-35)
#   error     (ExceptionClassName, message) when the render must fail
#   modes     which comment modes to check: "delete" (CLI pp default), "preserve", or both
#
# The inputs and outputs are copied from the spec's table; Python string literals here mean the same
# strings as the table's literals.
# =====================================================================================================

BOTH = ("delete", "preserve")

CASES = [
    dict(id="PP-01", kind="render",
         files={"t.yaml": "-- set ns = namespace(a=1)\nx: {{ ns.a }}\n    == ns.a + 1\ny: 2\n"},
         expected="x: 1\n2\ny: 2"),
    dict(id="PP-02", kind="render",
         files={"t.yaml": "a:\n    -- if true\n    b: 1\n    << endif\nc: 2\n>> if true\n\n   d: 3\n-- endif\n"},
         expected="a:\n    b: 1c: 2\nd: 3\n"),
    dict(id="PP-03", kind="render",
         files={"b.yaml": "[x]\nv: 1\n",
                "t.yaml": "-- extends 'b.yaml'\n[x]\n    => super()\nw: 2\n"},
         expected="v: 1\nw: 2\n"),
    dict(id="PP-04", kind="render",
         files={"b.yaml": "[x]\nv: 1\n",
                "t.yaml": "-- extends 'b.yaml'\n[x]\n    == super()\nw: 2\n"},
         expected="v: 1\n\nw: 2\n"),
    dict(id="PP-05", kind="render",
         files={"t.yaml": "## gone\na: 1   ## trailing\nb: \"x ## y\"\nc: 'p#q'\n"},
         expected="a: 1  \nb: \"x\nc: 'p#q'"),
    dict(id="PP-06", kind="preprocess",
         inputs=[("a ## b ## c", "a ## b")]),
    dict(id="PP-07", kind="render",
         files={"t.yaml": "[a]\na: 1\n[b]\nb: 2\n"},
         expected="a: 1\n\nb: 2\n"),
    dict(id="PP-08", kind="render",
         files={"t.yaml": "[a]\na: 1\n\n[b]\nb: 2\n"},
         expected="a: 1\n\nb: 2\n"),
    dict(id="PP-09", kind="render",
         files={"t.yaml": "[outer]\no: 1\n    [inner]\ni: 2\n[after]\nz: 3\n"},
         expected="o: 1\ni: 2\n\n\nz: 3\n"),
    dict(id="PP-10", kind="render",
         files={"t.yaml": "x: 0\n[a!]\n\n   a: 1   \n\n"},
         expected="x: 0\na: 1"),
    dict(id="PP-11", kind="preprocess",
         inputs=[("[a!]", "{% filter trim %}{% block a %}{{'\\n'}}{% endblock a +%}{% endfilter %}")]),
    dict(id="PP-12", kind="preprocess",
         inputs=[("<< : *anchor", "{%- : *anchor %}"),
                 ("<<: *anchor", "<<: *anchor")]),
    dict(id="PP-13", kind="preprocess",
         inputs=[("--set x = 1", "--set x = 1"),
                 ("--", "--"),
                 ("---", "---"),
                 ("- -- x", "- -- x")]),
    dict(id="PP-14", kind="preprocess",
         # the spec gives the two modes; "line removed" from a one-line source leaves ""
         inputs=[("  ## full", {"preserve": "{#  full #}", "delete": ""})]),
    dict(id="PP-15", kind="preprocess",
         inputs=[("a\r\nb\rc\n", "a\nb\nc\n")]),
    dict(id="PP-16", kind="render",
         files={"t.yaml": "main: 1\n-- include 'sub.part'\n\n#--- sub.part ---\nsub: 2\n"},
         expected="main: 1\nsub: 2"),
    dict(id="PP-17", kind="split",
         source="main\n#--- a ---\nA\n# ------ b/c.yaml -----\nB\n#--- bad name! ---\nC\n#-- short --\nD\n#---\nx---\nE",
         expected=[(None, "main"), ("a", "A"),
                   ("b/c.yaml", "B\n#--- bad name! ---\nC\n#-- short --\nD"), ("x", "E")]),
    dict(id="PP-18", kind="render",
         files={"o.yaml": "o: 1\n#--- o.sub ---\nosub: 2\n",
                "t.yaml": "-- include 'o.sub'\n"},
         error=("TemplateNotFound", "o.sub")),
    dict(id="PP-19", kind="render",
         files={"i.yaml": "inc: 1\n",
                "t.yaml": "-- include 'i.yaml'\nnext: 2\n"},
         expected="inc: 1next: 2"),
    dict(id="PP-20", kind="render",
         files={"t.yaml": "a: {{ none_var | toyaml(None) }}\nb: {{ 1.0e-6 | toyaml }}\nc: {{ 'yes' | toyaml }}\n"
                          "d: {{ {'z': 1, 'a': [1, 2.5, 'x y']} | toyaml }}\ne: {{ undefined_x | toyaml(32) }}\n"
                          "f: {{ True | toyaml }}\ng: {{ '' | toyaml }}\nh: {{ 1e17 | toyaml }}\n"},
         defines=["none_var=null"],
         expected="a: null\nb: 1.0e-06\nc: 'yes'\nd: {a: [1, 2.5, x y], z: 1}\ne: 32\nf: True\ng: ''\nh: 1.0e+17"),
    dict(id="PP-21", kind="render",
         files={"t.yaml": "a: {{ x }}\nb: {{ y }}\nc: {{ z }}\nd: {{ 1.0e-4 }}\ne: {{ 10 // 3 }}\n"},
         defines=["x=null", "y=true", "z=[a, 1]"],
         expected="a: None\nb: True\nc: ['a', 1]\nd: 0.0001\ne: 3"),
    dict(id="PP-22", kind="render",
         files={"t.yaml": "a: {{ nope }}\n"},
         error=("UndefinedError", "'nope' is undefined")),
    dict(id="PP-23", kind="render",
         files={"t.yaml": "-- set ns = namespace()\na: {{ ns.missing }}\n"},
         error=("UndefinedError", "'jinja2.utils.Namespace object' has no attribute 'missing'")),
    dict(id="PP-24", kind="render",
         files={"t.yaml": "-- set ns = namespace()\n-- set ns.x = ns.x | default('dflt')\na: {{ ns.x }}\n"
                          "b: {{ missing | default(5) }}\n"},
         expected="a: dflt\nb: 5"),
    dict(id="PP-25", kind="render",
         files={"b.yaml": "-- block r required\n-- endblock\n",
                "t.yaml": "-- extends 'b.yaml'\n"},
         error=("TemplateRuntimeError", "Required block 'r' not found")),
    dict(id="PP-26", kind="render",
         files={"b.yaml": "-- set ns = namespace()\n-- set ns.v = 'base'\n[blk]\n-- include 'inc.yaml'\n",
                "inc.yaml": "-- set ns.v = ns.v + '+inc'\nv: {{ ns.v }}\n",
                "t.yaml": "-- extends 'b.yaml'\n[blk]\n    -- set ns.v = 'child'\n    == super()\n"},
         expected="v: child+inc\n"),
    dict(id="PP-27", kind="render",
         files={"p2.yaml": "who: p2\n",
                "b.yaml": "-- set ns = namespace(parent='p2.yaml')\n-- include 'x.sub'\n\n#--- x.sub ---\n-- extends ns.parent\n"},
         config="b.yaml",
         expected="who: p2"),
    dict(id="PP-28", kind="render",
         files={"b.yaml": "[a]\nA\n[b]\nB\n",
                "t.yaml": "-- extends 'b.yaml'\n-- set local = 'L'\nignored text\n[b]\nB={{ local }}\n[nosuch]\nnever rendered\n"},
         expected="A\n\nB=L\n"),
    dict(id="PP-29", kind="render",
         files={"base.yaml": "top: {{ childvar | default(\"unset\") }}\n[b]\nblk: {{ childvar | default(\"unset\") }}\n",
                "t.yaml": "-- extends 'base.yaml'\n-- set childvar = 'C'\n"},
         expected="top: C\nblk: C\n"),
    dict(id="PP-30", kind="render",
         # the spec only says "base creates ns"; any base that does so will do
         files={"base.yaml": "-- set ns = namespace()\nb: 1\n",
                "t.yaml": "-- extends 'base.yaml'\n-- set ns.x = 1\n"},
         error=("TemplateRuntimeError", "cannot assign attribute on non-namespace object")),
    dict(id="PP-31", kind="render",
         files={"base.yaml": "-- set ns = namespace(log=[])\n[a]\nA={{ ns.x | default('unset') }}\n[b]\nB\n",
                "t.yaml": "-- extends 'base.yaml'\n[a]\n    -- set ns.x = 'from-a'\n    == super()\n    == super()\n"},
         expected="A=from-a\n\nA=from-a\n\n\nB\n"),
    dict(id="PP-32", kind="render",
         files={"f.jinja": "{%- macro h2(name='Heading 2') %}{{ \"{:#^40}\".format(' ' + name + ' ') }}{% endmacro %}\n",
                "t.yaml": "-- from 'f.jinja' import h2\n== h2('Config Vars')\n"},
         expected="############# Config Vars ##############"),
    dict(id="PP-33", kind="render",
         files={"t.yaml": "-- for k, v in d.items()\n    == '# ' + k + ': ' + v\n-- endfor\n"
                          "-- for i in range(1, 3):\nl{{ i * (10 // 3) }}: x\n-- endfor\n"},
         defines=["d={python: '3.11', torch: '2.5'}"],
         expected="# python: 3.11\n# torch: 2.5\nl3: x\nl6: x\n"),
    dict(id="PP-34", kind="render",
         files={"t.yaml": "[a]\n[a]\n"},
         error=("TemplateAssertionError", "block 'a' defined twice")),
    dict(id="PP-35", kind="render",
         files={"t.yaml": "-- block a\nx: 1\n## c\n<< endblock a\ny: 2\n"},
         expected={"preserve": "x: 1\ny: 2", "delete": "x: 1y: 2"}),
]
