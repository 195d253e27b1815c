#!/usr/bin/env python3
"""Keeps the module dependency arrows true by checking every #include.

Files of src/<module> and the public headers of that module may include only
what ALLOWED lists for it (system headers always); public headers never
include src/ or leveldb. A public header include/tfckpt/X.h belongs to the
module whose .cc includes it first (its "related header"), or as OTHER_PUBLIC says.
tools/, examples/ and tests/install_consumer/ use public <tfckpt/...> headers
only. Usage: check_includes.py [REPO_ROOT]; exit status 1 lists violations.
"""
import pathlib
import re
import sys

ALLOWED = {  # module -> what it may include; only table may include leveldb
    "base": {"base"},
    "core": {"base", "core", "proto"},
    "table": {"base", "table", "leveldb"},
    "bundle": {"base", "core", "table", "bundle", "proto"},
    "checkpoint": {"base", "core", "bundle", "checkpoint", "proto"},
    "formats": {"base", "core", "table", "bundle", "checkpoint", "formats", "proto"},
    "graph": {"base", "core", "graph", "proto"},
    "runtime": {"base", "core", "bundle", "checkpoint", "graph", "runtime", "proto"},
    "kernels": {"base", "core", "bundle", "checkpoint", "graph", "runtime", "kernels", "proto"},
    "builder": {"base", "core", "graph", "runtime", "builder", "proto"},
}
ALLOWED["api"] = set(ALLOWED)  # tfckpt.h, the umbrella header
OTHER_PUBLIC = {  # public headers that no .cc has as its related header
    "statusor.h": "base", "version.h": "base", "meta_graph.h": "graph", "tfckpt.h": "api"}
CLIENT_DIRS = ("tools", "examples", "tests/install_consumer")
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)
KINDS = {"tensorflow": "proto", "leveldb": "leveldb", "tests": "testing", "tools": "tools"}


def classify(inc, public):
    """(kind, module) of an included path; kind 'system' is always allowed."""
    head, _, rest = inc.partition("/")
    if head == "src":
        return "src", rest.partition("/")[0]
    if head == "tfckpt":
        return "public", public.get(rest, "unknown public header")
    return (KINDS[head], KINDS[head]) if head in KINDS and rest else ("system", "")


def check(rel, text, public):
    top = rel.parts[0]
    client = any(rel.as_posix().startswith(d + "/") for d in CLIENT_DIRS)
    owner = rel.parts[1] if top == "src" else public.get(rel.name, "?")
    for n, line in enumerate(text.splitlines(), 1):
        m = INCLUDE.match(line)
        kind, module = classify(m.group(1), public) if m else ("system", "")
        if kind == "system":
            continue
        if client:
            ok = (kind == "public" and module in ALLOWED["api"] | {"api"}) or (
                kind == "tools" and top == "tools")
        elif kind == "testing":
            ok = top == "src" and rel.name.endswith("_test.cc")
        else:  # public headers may use protobuf types, never src/ or leveldb
            ok = (top == "src" or kind in ("public", "proto")) and module in ALLOWED.get(owner, ())
        if not ok:
            where = "public header" if top == "include" else top if client else "src/" + owner
            note = f" ({module})" if kind in ("src", "public") else ""
            yield f'{rel}:{n}: {where} may not include "{m.group(1)}"{note}'


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    files = {p.relative_to(root): p.read_text(errors="replace")
             for d in ("src", "include") + CLIENT_DIRS if (root / d).is_dir()
             for p in sorted((root / d).rglob("*")) if p.suffix in (".h", ".cc")}
    public = dict(OTHER_PUBLIC)
    for rel, text in files.items():
        first = INCLUDE.search(text)
        if (rel.parts[0] == "src" and rel.suffix == ".cc" and not rel.stem.endswith("_test")
                and first and first.group(1).startswith("tfckpt/")):
            public.setdefault(first.group(1)[len("tfckpt/"):], rel.parts[1])
    errors = [e for rel, text in files.items() for e in check(rel, text, public)]
    print("\n".join(errors) or f"check_includes: {len(files)} files follow the module rules")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
