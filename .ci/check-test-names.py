#!/usr/bin/env python3
"""Every test that SECURITY.md, MUTANTS.md and CONTRIBUTING.md name exists.

The documents credit tests by name; a rename or a move that forgets them
leaves a guarantee or a mutation score pointing at nothing. This script
reads the citations in the forms the documents use and fails, listing each
one that does not resolve:

* `target::test_name`: an integration target of tests/Cargo.toml (its
  `[[test]]` name) and a `fn` of that name in its file;
* `module::path::tests::test_name` (also `..._tests::`, a module alone,
  as `validator::router_tests`, and a group, `module::tests::{a, b}`): a
  module of a crate of the workspace (auth-runtime, auth-macros, examples),
  resolved to its file as Rust's default paths do (`a/b.rs` or
  `a/b/mod.rs`) or declared inline in its parent's file, holding a `fn` of
  that name;
* `path/to/file.rs` `test_name`, `another_name` (a backticked path of the
  repository, then backticked names): each a `fn` in that file, or anywhere
  under that folder for a folder;
* `--test name` in a command: an integration target of that name;
* a backticked path of the repository (`tests/...`, `auth-runtime/...`):
  it exists.

Run from the repository root (or anywhere: it finds the root from its own
location). Python 3 standard library only. Exits 1 when anything is missing.
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = ["SECURITY.md", "MUTANTS.md", "CONTRIBUTING.md"]
CRATE_SOURCES = ["auth-runtime/src", "auth-macros/src", "examples"]
REPO_PREFIXES = ("tests/", "auth-runtime/", "auth-macros/", "examples/", "fuzz/")

# `a::b` and longer, lower-case snake segments only (types, `auth_runtime::`
# paths and `Foo::bar` methods are not test citations).
MODULE_CITATION = re.compile(r"`((?:[a-z][a-z0-9_]*::)+[a-z][a-z0-9_]*)`")
# A backticked repository path, then backticked names separated by commas or "and".
PATH_CITATION = re.compile(
    r"`((?:%s)[A-Za-z0-9_./-]*)`((?:\s*(?:,|and)?\s*`[a-z][a-z0-9_]*`)+)"
    % "|".join(re.escape(p) for p in REPO_PREFIXES)
)
REPO_PATH = re.compile(r"`((?:%s)[A-Za-z0-9_./-]*)`" % "|".join(re.escape(p) for p in REPO_PREFIXES))
# `a::b::{name, other}`: several tests of one module.
GROUP_CITATION = re.compile(r"`((?:[a-z][a-z0-9_]*::)+)\{([a-z0-9_,\s]+)\}`")
TEST_FLAG = re.compile(r"--test[ =]([A-Za-z0-9_-]+)")
NAME = re.compile(r"`([a-z][a-z0-9_]*)`")
NOT_CITATIONS = ("auth_runtime::", "std::", "core::", "rocket::", "jsonwebtoken::", "serde::")


def read(path):
    with open(path, encoding="utf-8") as file:
        return file.read()


def integration_targets():
    """The `[[test]]` targets of tests/Cargo.toml: name -> file."""
    manifest = read(os.path.join(ROOT, "tests/Cargo.toml"))
    targets = {}
    for block in manifest.split("[[test]]")[1:]:
        name = re.search(r'^name\s*=\s*"([^"]+)"', block, re.M)
        path = re.search(r'^path\s*=\s*"([^"]+)"', block, re.M)
        if name and path:
            targets[name.group(1)] = os.path.join(ROOT, "tests", path.group(1))
    return targets


def defines_fn(path, name):
    try:
        text = read(path)
    except OSError:
        return False
    return re.search(r"\bfn\s+%s\b" % re.escape(name), text) is not None


def module_file(source_root, segments):
    """The file of the module `segments` under `source_root`, or None."""
    base = os.path.join(ROOT, source_root, *segments)
    for candidate in (base + ".rs", os.path.join(base, "mod.rs")):
        if os.path.isfile(candidate):
            return candidate
    return None


def declares_inline_modules(path, names):
    """Whether the file `path` declares `mod a {`, then `mod b {` ... (inline)."""
    text = read(path)
    at = 0
    for name in names:
        found = re.compile(r"\bmod\s+%s\s*\{" % re.escape(name)).search(text, at)
        if not found:
            return False
        at = found.end()
    return True


def resolves_as_module(segments):
    """`a::b::name`: a fn `name` in module a::b; or `a::b` a module itself.
    A module is a file at Rust's default path, or declared inline (`mod b {`)
    in the file of its nearest ancestor that is a file."""
    for source_root in CRATE_SOURCES:
        # The whole citation as a module, then as a module and its fn.
        for module, name in ((segments, None), (segments[:-1], segments[-1])):
            for split in range(len(module), 0, -1):
                file = module_file(source_root, module[:split])
                if file is None:
                    continue
                inline = module[split:]
                if inline and not declares_inline_modules(file, inline):
                    break
                if name is None or defines_fn(file, name):
                    return True
                break
    return False


def resolves_as_target(segments, targets):
    """`target::name` (or `target::module::name`): a fn in the target's file."""
    file = targets.get(segments[0])
    return file is not None and len(segments) >= 2 and defines_fn(file, segments[-1])


def fn_under(path, name):
    """A fn `name` in the file `path`, or in any .rs file under the folder `path`."""
    full = os.path.join(ROOT, path)
    if os.path.isfile(full):
        return defines_fn(full, name)
    for folder, _, files in os.walk(full):
        if any(defines_fn(os.path.join(folder, f), name) for f in files if f.endswith(".rs")):
            return True
    return False


def main():
    targets = integration_targets()
    missing = []
    checked = 0
    for doc in DOCS:
        text = read(os.path.join(ROOT, doc))
        # `module::path::{a, b}`, possibly over several lines.
        for found in GROUP_CITATION.finditer(text):
            where = f"{doc}:{text.count(chr(10), 0, found.start()) + 1}"
            module = found.group(1).split("::")[:-1]
            for name in re.split(r"[\s,]+", found.group(2).strip()):
                if not name:
                    continue
                checked += 1
                segments = module + [name]
                if not (resolves_as_target(segments, targets) or resolves_as_module(segments)):
                    citation = "::".join(segments)
                    missing.append(f"{where}: `{citation}`: no such test (in a {{...}} group)")
        for number, line in enumerate(text.splitlines(), 1):
            where = f"{doc}:{number}"
            for citation in MODULE_CITATION.findall(line):
                if citation.startswith(NOT_CITATIONS):
                    continue
                checked += 1
                segments = citation.split("::")
                if not (resolves_as_target(segments, targets) or resolves_as_module(segments)):
                    missing.append(f"{where}: `{citation}`: no such test (target::fn or module path)")
            for path, names in PATH_CITATION.findall(line):
                for name in NAME.findall(names):
                    checked += 1
                    if not fn_under(path.rstrip("/"), name):
                        missing.append(f"{where}: `{path}` `{name}`: no fn {name} there")
            for path in REPO_PATH.findall(line):
                checked += 1
                if not os.path.exists(os.path.join(ROOT, path.rstrip("/"))):
                    missing.append(f"{where}: `{path}`: no such file or folder")
            for target in TEST_FLAG.findall(line):
                checked += 1
                if target not in targets:
                    missing.append(f"{where}: --test {target}: no such integration target")
    if missing:
        print(f"check-test-names: {len(missing)} of {checked} citations name nothing:")
        for entry in missing:
            print(f"  {entry}")
        return 1
    print(f"check-test-names: all {checked} citations in {', '.join(DOCS)} exist")
    return 0


if __name__ == "__main__":
    sys.exit(main())
