#!/usr/bin/env python3
"""The library's module graph, from the `crate::` paths each module's own code names (its tests
left out): prints each module's uses, then every cycle. Exit 1 when there is a cycle.

    python3 scripts/module-graph.py [--edges]
"""
import glob, os, re, sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")

def module_of(path):
    rel = os.path.relpath(path, ROOT)[:-3].split(os.sep)
    if rel[-1] == "mod":
        rel = rel[:-1]
    return "::".join(rel)

def source_without_tests(text):
    """The module's code: its tests and its comments (doc links are not uses) left out."""
    cut = re.search(r"^\s*#\[cfg\(test\)\]\s*\n\s*mod tests", text, re.M)
    text = text[: cut.start()] if cut else text
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))

modules = {}
for path in glob.glob(os.path.join(ROOT, "**", "*.rs"), recursive=True):
    name = module_of(path)
    if name in ("lib", "main") or name.startswith("cli") or name == "fuzzing":
        continue
    modules[name] = source_without_tests(open(path, encoding="utf-8").read())

# A module's submodule files belong to it (template::compile::scope is part of template).
def owner(name):
    parts = name.split("::")
    for n in range(len(parts), 0, -1):
        candidate = "::".join(parts[:n])
        if candidate in LEAVES:
            return candidate
    return None

LEAVES = set()
for name in modules:
    parts = name.split("::")
    # document::template::compile -> document::template; top groups are not leaves
    if len(parts) >= 2 or name in ("digest", "fsio", "json", "time"):
        LEAVES.add("::".join(parts[:2]) if parts[0] in ("document", "approval", "record", "verify", "pack") else parts[0])
LEAVES.update({"verify", "pack"})

edges = {}
for name, text in modules.items():
    me = owner(name) or name
    for m in re.finditer(r"\bcrate::((?:[a-z_]+::)*[a-z_]+)", text):
        target = owner(m.group(1))
        if target and target != me:
            edges.setdefault(me, set()).add(target)
    # `super::x` inside a submodule of a group reaches a sibling of the group
    edges.setdefault(me, set())

if "--edges" in sys.argv:
    for m in sorted(edges):
        print(f"{m}: {', '.join(sorted(edges[m]))}")

# Cycles: strongly connected components with more than one module.
index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
def strong(v):
    index[v] = low[v] = counter[0]; counter[0] += 1
    stack.append(v); on.add(v)
    for w in edges.get(v, ()):
        if w not in index:
            strong(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v: break
        if len(comp) > 1:
            sccs.append(sorted(comp))
sys.setrecursionlimit(10000)
for v in list(edges):
    if v not in index:
        strong(v)
for comp in sccs:
    print("cycle among:", ", ".join(comp))
print(f"{len(edges)} modules, {sum(len(e) for e in edges.values())} uses, {len(sccs)} cycle(s)")
sys.exit(1 if sccs else 0)
