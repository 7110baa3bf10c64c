#!/usr/bin/python3
# doc_block.py DOC.md COMMAND -- prints the output shown under the indented
# `    COMMAND` line of a markdown file: the indented (or blank) lines that
# follow it up to the next paragraph, without the indentation and without
# the blank lines that end the block.
import sys

lines = open(sys.argv[1]).read().split("\n")
start = lines.index("    " + sys.argv[2]) + 1
block = []
for line in lines[start:]:
    if line and not line.startswith("    "):
        break
    block.append(line[4:])
while block and not block[-1]:
    block.pop()
print("\n".join(block))
