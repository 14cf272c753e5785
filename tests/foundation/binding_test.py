#!/usr/bin/env python3
"""Binding test: Python's ctypes (standard library only) loads each shared library from the build
tree, calls its version functions and compares them with the version macros in its header.

usage: binding_test.py SOURCE_ROOT BUILD_ROOT
"""
import ctypes
import re
import sys
from pathlib import Path

LIBS = ["net", "mpc", "vm", "lang"]  # load order: each depends only on the ones before it


def header_version(header: Path, lib: str) -> tuple:
    text = header.read_text()
    parts = []
    for what in ("MAJOR", "MINOR", "PATCH"):
        m = re.search(rf"#define STOFFEL_{lib.upper()}_VERSION_{what}\s+(\d+)", text)
        if not m:
            raise SystemExit(f"{header}: no STOFFEL_{lib.upper()}_VERSION_{what} macro")
        parts.append(int(m.group(1)))
    return tuple(parts)


def main() -> int:
    src, build = Path(sys.argv[1]), Path(sys.argv[2])
    failures = 0
    for lib in LIBS:
        so = build / f"libstoffel{lib}" / f"libstoffel{lib}.so"
        handle = ctypes.CDLL(str(so), mode=ctypes.RTLD_GLOBAL)
        version = getattr(handle, f"stoffel_{lib}_version")
        version.restype = ctypes.c_char_p
        number = getattr(handle, f"stoffel_{lib}_version_number")
        number.restype = ctypes.c_uint
        strerror = getattr(handle, f"stoffel_{lib}_strerror")
        strerror.restype = ctypes.c_char_p
        strerror.argtypes = [ctypes.c_int]

        expected = header_version(src / f"libstoffel{lib}" / "include" / "stoffel" / f"{lib}.h", lib)
        got = version().decode()
        want = "%d.%d.%d" % expected
        if got != want:
            print(f"{lib}: runtime version {got!r} != header version {want!r}")
            failures += 1
        want_number = expected[0] * 10000 + expected[1] * 100 + expected[2]
        if number() != want_number:
            print(f"{lib}: version_number {number()} != {want_number}")
            failures += 1
        # The common codes are described the same way by every library.
        if strerror(-1).decode() != "out of memory" or strerror(0).decode() != "success":
            print(f"{lib}: strerror of common codes is wrong: {strerror(-1)!r}, {strerror(0)!r}")
            failures += 1
        print(f"libstoffel{lib} {got} (header {want})")
    print("binding test:", "FAILED" if failures else "ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
