#!/usr/bin/env python3
"""The public API of auth-runtime, one line per item, from rustdoc's JSON.

    .ci/public-api.py            print the listing (what `public-api.txt` holds)
    .ci/public-api.py --check    fail, showing the difference, when the crate's
                                 surface differs from the checked-in listing
    .ci/public-api.py --write    rewrite the listing after a deliberate change

The JSON comes from the pinned stable toolchain with RUSTC_BOOTSTRAP=1 (rustdoc's
JSON output is unstable), over every feature a user can enable (`fuzzing`'s
entry points are `#[doc(hidden)]`, as is `__private`, so neither is listed).
An item is listed with its kind and path; a function or method with its
signature as rustdoc renders its parameter names and arity; trait impls of
our types by the trait's name; auto traits and blanket impls are left out.
An item reachable under several paths is listed in full under the first
one met (modules in the order rustdoc gives them) and as a `pub use` under
the others.
"""
import difflib
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LISTING = os.path.join(ROOT, "auth-runtime", "public-api.txt")
FEATURES = "metrics,redis,mtls,testing,okapi"


def build_json():
    env = dict(os.environ, RUSTC_BOOTSTRAP="1")
    subprocess.run(
        ["cargo", "rustdoc", "-q", "-p", "auth-runtime", "--features", FEATURES,
         "--", "-Z", "unstable-options", "--output-format", "json"],
        cwd=ROOT, env=env, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    with open(os.path.join(target, "doc", "auth_runtime.json")) as f:
        return json.load(f)


def listing(doc):
    index = {str(k): v for k, v in doc["index"].items()}
    lines = set()
    first_path = {}

    def item(i):
        return index.get(str(i))

    def fn_sig(it):
        sig = it["inner"]["function"]["sig"]
        names = [name for name, _ in sig["inputs"]]
        asyn = "async " if it["inner"]["function"]["header"].get("is_async") else ""
        return f"{asyn}fn {it['name']}({', '.join(names)})"

    def members(path, ids, public_only):
        """The associated items `ids` of the type or trait at `path`."""
        for member_id in ids:
            member = item(member_id)
            if member is None or (public_only and member["visibility"] != "public"):
                continue
            kind = next(iter(member["inner"]))
            if kind == "function":
                lines.add(f"{path}::{fn_sig(member)}")
            else:
                lines.add(f"{path}::{member['name']} ({kind})")

    def impls(path, ids):
        for impl_id in ids:
            imp = item(impl_id)
            if imp is None:
                continue
            inner = imp["inner"]["impl"]
            if inner.get("is_synthetic") or inner.get("blanket_impl"):
                continue
            trait = inner.get("trait")
            if trait is not None:
                lines.add(f"impl {trait['path']} for {path}")
                continue
            members(path, inner["items"], public_only=True)

    def visit(i, path):
        it = item(i)
        if it is None:
            return
        if str(i) in first_path:
            # A re-export of an item listed under its first path.
            lines.add(f"pub use {first_path[str(i)]} as {path}")
            return
        first_path[str(i)] = path
        kind, inner = next(iter(it["inner"].items()))
        if kind == "module":
            lines.add(f"mod {path}")
            for child in inner["items"]:
                child_item = item(child)
                if child_item is None:
                    continue
                if "use" in child_item["inner"]:
                    use = child_item["inner"]["use"]
                    target = use.get("id")
                    if use.get("is_glob"):
                        target_item = item(target) if target is not None else None
                        if target_item and "module" in target_item["inner"]:
                            for grandchild in target_item["inner"]["module"]["items"]:
                                gc = item(grandchild)
                                if gc is not None and gc.get("name"):
                                    visit(grandchild, f"{path}::{gc['name']}")
                        else:
                            lines.add(f"pub use {use['source']}::* in {path}")
                    elif target is not None and item(target) is not None:
                        visit(target, f"{path}::{use['name']}")
                    else:
                        lines.add(f"pub use {use['source']} as {path}::{use['name']}")
                elif child_item.get("name") and child_item["visibility"] == "public":
                    visit(child, f"{path}::{child_item['name']}")
        elif kind == "struct":
            lines.add(f"struct {path}")
            fields = inner["kind"]
            if isinstance(fields, dict) and "plain" in fields:
                for field_id in fields["plain"]["fields"]:
                    field = item(field_id)
                    if field and field["visibility"] == "public":
                        lines.add(f"{path}::{field['name']} (field)")
            elif isinstance(fields, dict) and "tuple" in fields:
                for n, field_id in enumerate(fields["tuple"]):
                    field = item(field_id) if field_id is not None else None
                    if field and field["visibility"] == "public":
                        lines.add(f"{path}::{n} (field)")
            impls(path, inner["impls"])
        elif kind == "enum":
            lines.add(f"enum {path}")
            for variant_id in inner["variants"]:
                variant = item(variant_id)
                if variant:
                    lines.add(f"{path}::{variant['name']} (variant)")
            impls(path, inner["impls"])
        elif kind == "trait":
            lines.add(f"trait {path}")
            members(path, inner["items"], public_only=False)
        elif kind == "function":
            lines.add(f"{path}: {fn_sig(it)}")
        else:
            lines.add(f"{kind} {path}")

    visit(doc["root"], "auth_runtime")
    return sorted(lines)


def main():
    current = "\n".join(listing(build_json())) + "\n"
    if "--write" in sys.argv:
        with open(LISTING, "w") as f:
            f.write(current)
        print(f"wrote {LISTING}: {current.count(chr(10))} items")
    elif "--check" in sys.argv:
        with open(LISTING) as f:
            recorded = f.read()
        if recorded != current:
            sys.stdout.writelines(difflib.unified_diff(
                recorded.splitlines(True), current.splitlines(True),
                "auth-runtime/public-api.txt (checked in)", "the crate now"))
            print("\nThe public API changed and auth-runtime/public-api.txt does not say so. "
                  "If the change is deliberate, run `python3 .ci/public-api.py --write`, "
                  "review the diff, and note it in CHANGELOG.md.", file=sys.stderr)
            sys.exit(1)
        print(f"public API unchanged: {current.count(chr(10))} items")
    else:
        sys.stdout.write(current)


if __name__ == "__main__":
    main()
