#!/usr/bin/python3
"""Prints an `fgcc graph --format json` document (stdin) as an indented tree, for FileCheck/diff.

Scalars are Python reprs (None, True, 15, 1e-05, 'abc'); unsupported values print as
<unsupported TYPE 'TEXT'>. Lists, tuples, dicts, vars and calls are numbered #0, #1, ... in order of
first visit from the root; a later reference to the same node prints as *#N, so sharing shows.
Children, one per line, indented by two spaces:
  list/tuple  `- VALUE`               dict  `KEY: VALUE`
  call        `arg: VALUE`, `kwarg NAME: VALUE`, `submodule_searchpath: VALUE`, `latent_args: VALUE`
  var         `default: VALUE`
A call's head is `call #N KIND 'SPEC'` plus ` @NAME` when it has an explicit name; a var's is
`var #N 'NAME'`. Node ids and locations are not printed.
"""
import json
import sys


def main():
    doc = json.load(sys.stdin)
    nodes = {n["id"]: n for n in doc["nodes"]}
    numbers = {}
    out = []

    def scalar(n):
        kind, value = n["kind"], n.get("value")
        if kind == "float":
            return repr(float(value)) if isinstance(value, str) else repr(float(value))
        if kind == "unsupported":
            return "<unsupported %s %r>" % (n["type"], value)
        return repr(value)

    def emit(prefix, nid, depth):
        n = nodes[nid]
        kind = n["kind"]
        pad = "  " * depth
        if kind not in ("list", "tuple", "dict", "var", "call"):
            out.append(pad + prefix + scalar(n))
            return
        if nid in numbers:
            out.append(pad + prefix + "*#%d" % numbers[nid])
            return
        number = numbers[nid] = len(numbers)
        if kind == "call":
            head = "call #%d %s %r" % (number, n["call"], n["spec"])
            if "name" in n:
                head += " @" + n["name"]
        elif kind == "var":
            head = "var #%d %r" % (number, n["name"])
        else:
            head = "%s #%d" % (kind, number)
        out.append(pad + prefix + head)
        if kind in ("list", "tuple"):
            for item in n["items"]:
                emit("- ", item, depth + 1)
        elif kind == "dict":
            for k, v in n["entries"]:
                emit(scalar(nodes[k]) + ": ", v, depth + 1)
        elif kind == "var":
            if "default" in n:
                emit("default: ", n["default"], depth + 1)
        else:
            for a in n["args"]:
                emit("arg: ", a, depth + 1)
            for k, v in n["kwargs"]:
                emit("kwarg %s: " % k, v, depth + 1)
            for key in ("submodule_searchpath", "latent_args"):
                if key in n:
                    emit(key + ": ", n[key], depth + 1)

    if doc["root"] is None:
        out.append("None")
    else:
        emit("", doc["root"], 0)
    print("\n".join(out))


if __name__ == "__main__":
    main()
