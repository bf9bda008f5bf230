#!/usr/bin/env python3
"""Functions longer than 100 lines in src/ (tests left out), each of which must say why beside
it: a `// Why this is long:` comment just above it. Prints them; exits 1 when one does not.

    python3 scripts/long-functions.py
"""
import glob, os, re, sys

LIMIT = 100
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
found, unexplained = [], []
for path in sorted(glob.glob(os.path.join(ROOT, "**", "*.rs"), recursive=True)):
    lines = open(path, encoding="utf-8").read().split("\n")
    for i, line in enumerate(lines):
        if re.match(r"\s*#\[cfg\(test\)\]", line):
            break
        m = re.match(r"^(\s*)(pub(\([a-z]+\))? )?(async )?fn (\w+)", line)
        if not m:
            continue
        indent = len(m.group(1))
        j = i
        while j < len(lines) and not lines[j].rstrip().endswith("{"):
            if lines[j].rstrip().endswith(";"):
                break
            j += 1
        k = j + 1
        while k < len(lines) and not (
            lines[k].startswith(" " * indent + "}")
            and len(lines[k]) - len(lines[k].lstrip()) == indent
        ):
            k += 1
        length = k - i + 1
        if length > LIMIT:
            said = any("Why this is long" in l for l in lines[max(0, i - 12) : i])
            where = f"{os.path.relpath(path, os.path.dirname(ROOT))}:{i + 1} {m.group(5)} ({length} lines)"
            found.append(where)
            if not said:
                unexplained.append(where)
for f in found:
    print(f)
print(f"{len(found)} function(s) over {LIMIT} lines, {len(unexplained)} without a reason beside them")
for f in unexplained:
    print("no reason given:", f)
sys.exit(1 if unexplained else 0)
