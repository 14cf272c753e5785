#!/usr/bin/env python3
"""CLI tests of the foundation: --version, --help, help of a command, unknown commands and options.

usage: cli_test.py STOFFEL_BINARY
"""
import re
import subprocess
import sys

stoffel = sys.argv[1]
failures = 0


def run(*args):
    return subprocess.run([stoffel, *args], capture_output=True, text=True, timeout=60)


def check(cond, what, result=None):
    global failures
    if not cond:
        failures += 1
        print(f"FAIL: {what}")
        if result is not None:
            print(f"  exit={result.returncode}\n  stdout={result.stdout!r}\n  stderr={result.stderr!r}")


r = run("--version")
check(r.returncode == 0, "--version exits 0", r)
for lib in ("stoffel", "libstoffelnet", "libstoffelmpc", "libstoffelvm", "libstoffellang"):
    check(re.search(rf"^{lib} \d+\.\d+\.\d+$", r.stdout, re.M), f"--version names {lib}", r)
check(run("-V").stdout == r.stdout and run("version").stdout == r.stdout,
      "-V, --version and version agree")

r = run("--help")
check(r.returncode == 0, "--help exits 0", r)
check("Usage: stoffel <command>" in r.stdout, "--help shows usage", r)
commands = re.findall(r"^  ([a-z][a-z-]*)\s{2,}\S", r.stdout, re.M)
check("help" in commands and "version" in commands, "--help lists help and version", r)
for cmd in commands:
    h = run("help", cmd)
    check(h.returncode == 0 and h.stdout.strip(), f"`stoffel help {cmd}` prints help", h)

r = run("verison")
check(r.returncode == 2, "unknown command exits 2", r)
check("unknown command `verison`" in r.stderr, "unknown command is named on stderr", r)
check("Did you mean `stoffel version`?" in r.stderr, "a close command is suggested", r)
check(r.stdout == "", "errors go to stderr only", r)

r = run("xyzzyplugh")
check(r.returncode == 2 and "Did you mean" not in r.stderr and "--help" in r.stderr,
      "a far-off command gets no suggestion but a pointer to --help", r)

r = run("--frobnicate")
check(r.returncode == 2 and "unknown option `--frobnicate`" in r.stderr, "unknown option exits 2", r)

r = run()
check(r.returncode == 2 and "Usage" in r.stderr, "no command prints usage to stderr, exit 2", r)

r = run("version", "extra")
check(r.returncode == 2 and r.stderr.startswith("Error: "), "stray argument is a usage error", r)

# A closed stdout is not an error (stoffel --help | head -1).
p = subprocess.Popen(f"'{stoffel}' --help | head -1", shell=True, stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, text=True)
out, err = p.communicate(timeout=60)
check(p.returncode == 0 and err == "", "a broken pipe is silent")

print("cli test:", "FAILED" if failures else "ok")
sys.exit(1 if failures else 0)
