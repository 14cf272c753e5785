#!/usr/bin/env python3
"""Checks that each shared library exports exactly the functions its public header declares.

For every library: `nm -D --defined-only` of the .so must list only symbols starting with
`stoffel_`, every one of them declared with STOFFEL_API in the library's header, and every function
the header declares must be exported (a declared-but-missing function is a link error for users).
The version script must export the `stoffel_*` pattern and hide the rest.

usage: check_exports.py SOURCE_ROOT BUILD_ROOT
"""
import re
import subprocess
import sys
from pathlib import Path

LIBS = ["net", "mpc", "vm", "lang"]


def declared_functions(header: Path) -> set:
    text = header.read_text()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    names = set()
    # A declaration: STOFFEL_API <return type> name(...);  (possibly over several lines)
    for m in re.finditer(r"STOFFEL_API\b([^;{]*?)\b(stoffel_\w+)\s*\(", text):
        names.add(m.group(2))
    return names


def exported_symbols(so: Path) -> set:
    out = subprocess.run(["nm", "-D", "--defined-only", str(so)], check=True,
                         capture_output=True, text=True).stdout
    syms = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            syms.add(parts[2].split("@")[0])
    return syms


def main() -> int:
    src, build = Path(sys.argv[1]), Path(sys.argv[2])
    failures = 0
    for lib in LIBS:
        so = build / f"libstoffel{lib}" / f"libstoffel{lib}.so"
        header = src / f"libstoffel{lib}" / "include" / "stoffel" / f"{lib}.h"
        script = (src / f"libstoffel{lib}" / "src" / "exports.map").read_text()
        if "stoffel_*" not in script or "local: *" not in script:
            print(f"{lib}: exports.map must export stoffel_* and hide everything else")
            failures += 1
        declared = declared_functions(header)
        exported = exported_symbols(so)
        if not declared:
            print(f"{lib}: no STOFFEL_API declarations found in {header}")
            failures += 1
        foreign = sorted(s for s in exported if not s.startswith("stoffel_"))
        if foreign:
            print(f"{lib}: exports symbols without the stoffel_ prefix: {foreign}")
            failures += 1
        undeclared = sorted(s for s in exported if s.startswith("stoffel_") and s not in declared)
        if undeclared:
            print(f"{lib}: exports symbols its header does not declare: {undeclared}")
            failures += 1
        missing = sorted(declared - exported)
        if missing:
            print(f"{lib}: header declares functions the library does not export: {missing}")
            failures += 1
        print(f"{lib}: {len(exported)} exported, {len(declared)} declared")
    print("exports check:", "FAILED" if failures else "ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
