#!/usr/bin/env python3
"""CLI tests of the project workflow: `stoffel init` (program and --lib), Stoffel.toml validation
(bad keys, quoted numbers, threshold bounds n >= 2t+1 / robust n >= 3t+1, [network]), `build`,
`check`/`compile`/`run` without a file inside a project, `test` (pass, fail, --test, no tests),
`status`, `clean`, and the "not a project" / missing-file errors.

usage: workflow_test.py STOFFEL_BINARY
"""
import os
import re
import subprocess
import sys
import tempfile

stoffel = os.path.abspath(sys.argv[1])
failures = 0


def run(*args, cwd=None):
    return subprocess.run([stoffel, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def check(cond, what, result=None):
    global failures
    if not cond:
        failures += 1
        print(f"FAIL: {what}")
        if result is not None:
            print(f"  exit={result.returncode}\n  stdout={result.stdout!r}\n  stderr={result.stderr!r}")


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


with tempfile.TemporaryDirectory() as tmp:
    # --- init: a program project that builds, runs and passes its tests out of the box.
    proj = os.path.join(tmp, "My Vote_App")
    r = run("init", proj)
    check(r.returncode == 0 and "Created Stoffel project at" in r.stdout and "package `my-vote_app`" in r.stdout,
          "init creates a project named after the directory", r)
    for f in ("Stoffel.toml", "src/main.stfl", "tests/main_test.stfl", ".gitignore", "README.md"):
        check(os.path.isfile(os.path.join(proj, f)), f"init wrote {f}")
    manifest = open(os.path.join(proj, "Stoffel.toml")).read()
    check('name = "my-vote_app"' in manifest and "parties = 3" in manifest and "threshold = 1" in manifest
          and 'security = "semi-honest"' in manifest, "the manifest has 3 parties, t = 1, semi-honest")
    check("/target/" in open(os.path.join(proj, ".gitignore")).read(), ".gitignore ignores target/")
    r = run("init", proj)
    check(r.returncode == 1 and "is not empty" in r.stderr and "--force" in r.stderr, "init refuses a non-empty dir", r)
    write(os.path.join(proj, "notes.txt"), "keep me")
    r = run("init", "--force", proj)
    check(r.returncode == 0 and open(os.path.join(proj, "notes.txt")).read() == "keep me",
          "init --force rewrites the template and keeps other files", r)
    r = run("init", os.path.join(proj, "notes.txt"))
    check(r.returncode == 1 and "is a file" in r.stderr, "init on a file", r)
    r = run("init", "--name", "bad name!", os.path.join(tmp, "x"))
    check(r.returncode == 2 and "--name" in r.stderr, "init --name with bad characters", r)

    # Simulated reference result of the template: majority(1, 0, 1) = 1, so main returns true.
    r = run("run", cwd=proj)
    check(r.returncode == 0 and r.stdout.strip() == "Program returned: true", "run without a file runs the project", r)
    r = run("check", cwd=proj)
    check(r.returncode == 0 and "Checked src/main.stfl" in r.stdout, "check without a file checks the project", r)
    check(not os.path.exists(os.path.join(proj, "target")), "check writes nothing")

    # --- build: target/debug/<package>.stflb, statistics, freshness seen by status and run.
    r = run("build", cwd=proj)
    out = os.path.join(proj, "target", "debug", "my-vote_app.stflb")
    check(r.returncode == 0 and "Built target/debug/my-vote_app.stflb" in r.stdout and os.path.isfile(out),
          "build writes target/debug/<package>.stflb", r)
    m = re.search(r"Bytecode size: (\d+) bytes", r.stdout)
    check(m and int(m.group(1)) == os.path.getsize(out), "build reports the bytecode size", r)
    check("Optimization: O2" in r.stdout and "Profile: debug" in r.stdout and "Functions: 2" in r.stdout,
          "build reports level, profile and functions", r)
    r = run("build", "--release", "-O1", proj)
    check(r.returncode == 0 and os.path.isfile(os.path.join(proj, "target/release/my-vote_app.stflb"))
          and "Optimization: O1" in r.stdout and "Profile: release" in r.stdout, "build --release -O1 PATH", r)
    r = run("compile", cwd=proj)
    check(r.returncode == 0 and "Built target/debug/my-vote_app.stflb" in r.stdout, "compile without a file builds", r)
    r = run("build", "-o", "out/x.txt", cwd=proj)
    check(r.returncode == 2 and "must end in .stflb" in r.stderr, "build -o needs .stflb", r)
    r = run("build", "-o", "../x.stflb", cwd=proj)
    check(r.returncode == 2 and "inside the project" in r.stderr, "build -o outside the project", r)
    r = run("build", "-o", "out/x.stflb", cwd=proj)
    check(r.returncode == 0 and os.path.isfile(os.path.join(proj, "out/x.stflb")), "build -o inside the project", r)
    r = run("status", cwd=proj)
    check(r.returncode == 0 and "Project: my-vote_app 0.1.0" in r.stdout and
          "MPC: ok (backend honeybadger, curve bls12_381, parties 3, threshold 1, security semi-honest" in r.stdout
          and "Build: up to date (target/debug/my-vote_app.stflb" in r.stdout
          and "Compile: ok src/main.stfl (main, majority)" in r.stdout, "status of a built project", r)
    # The built bytecode is what `run` uses while it is fresh (a broken build output shows it).
    with open(out, "wb") as f:
        f.write(b"STFL\x0c\x00")
    os.utime(out, (os.path.getmtime(out) + 5, os.path.getmtime(out) + 5))
    r = run("run", cwd=proj)
    check(r.returncode == 1 and "my-vote_app.stflb" in r.stderr, "run uses the fresh build output", r)
    src = os.path.join(proj, "src/main.stfl")
    os.utime(src, (os.path.getmtime(out) + 5, os.path.getmtime(out) + 5))
    r = run("run", cwd=proj)
    check(r.returncode == 0 and "Program returned: true" in r.stdout, "run recompiles a stale build", r)
    r = run("status", proj)
    check(r.returncode == 0 and "Build: stale" in r.stdout, "status sees a stale build", r)

    # --- test: pass, fail with a summary and exit 1, --test by stem and by function, -v.
    r = run("test", cwd=proj)
    check(r.returncode == 0 and "ok tests/main_test.stfl" in r.stdout and "1 passed; 0 failed" in r.stdout,
          "the template's test passes", r)
    write(os.path.join(proj, "tests/more/sums_test.stfl"),
          "def main() -> int64:\n  var a: secret int64 = 40\n  var b: secret int64 = 2\n"
          "  var s = (a + b).reveal()\n  assert(s == 42, \"40 + 2\")\n  return s\n\n"
          "def broken():\n  var a: secret int64 = 3\n  assert(a.reveal() == 4, \"three is not four\")\n")
    r = run("test", cwd=proj)
    check(r.returncode == 0 and "ok tests/more/sums_test.stfl => 42" in r.stdout and "2 passed" in r.stdout,
          "tests in subdirectories run; a returned value is shown", r)
    r = run("test", "--test", "broken", cwd=proj)
    check(r.returncode == 1 and "FAILED tests/more/sums_test.stfl:" in r.stderr and "three is not four" in r.stderr
          and "1 Stoffel test(s) failed" in r.stderr, "--test FUNCTION runs that function; a failed assert fails", r)
    r = run("test", "--test", "main_test", "-v", cwd=proj)
    check(r.returncode == 0 and "ok tests/main_test.stfl => ()" in r.stdout and "sums_test" not in r.stdout,
          "--test STEM selects one file; -v shows the value", r)
    r = run("test", "--test", "nothing_like_it", cwd=proj)
    check(r.returncode == 1 and "no test matches" in r.stderr, "--test matching nothing", r)
    write(os.path.join(proj, "tests/params_test.stfl"), "def main(x: int64) -> int64:\n  return x\n")
    r = run("test", cwd=proj)
    check(r.returncode == 1 and "takes 1 parameter(s); a test takes none" in r.stderr and "--input x=VALUE" in r.stderr
          and "2 passed; 1 failed" in r.stdout, "a test with parameters fails with the equivalent run command", r)
    os.remove(os.path.join(proj, "tests/params_test.stfl"))
    write(os.path.join(proj, "tests/syntax_test.stfl"), "def main(:\n")
    r = run("test", cwd=proj)
    check(r.returncode == 1 and "FAILED tests/syntax_test.stfl: does not compile" in r.stderr, "a test that does not compile", r)
    os.remove(os.path.join(proj, "tests/syntax_test.stfl"))
    r = run("test", "--input", "a=1", cwd=proj)
    check(r.returncode == 2 and "stoffel run" in r.stderr, "test rejects --input with an explanation", r)
    r = run("test", os.path.join(proj, "tests/more/sums_test.stfl"))
    check(r.returncode == 0 and "=> 42" in r.stdout, "test FILE.stfl runs one file", r)
    r = run("test", os.path.join(proj, "tests/none.stfl"))
    check(r.returncode == 1 and "not found" in r.stderr, "test of a missing file", r)

    # --- clean removes build outputs only.
    r = run("clean", "--dry-run", cwd=proj)
    check(r.returncode == 0 and "Would remove target" in r.stdout and os.path.isdir(os.path.join(proj, "target")),
          "clean --dry-run removes nothing", r)
    r = run("clean", cwd=proj)
    check(r.returncode == 0 and "Removed target" in r.stdout and not os.path.exists(os.path.join(proj, "target")),
          "clean removes target/", r)
    for f in ("Stoffel.toml", "src/main.stfl", "tests/main_test.stfl", "out/x.stflb", "notes.txt"):
        check(os.path.isfile(os.path.join(proj, f)), f"clean keeps {f}")
    r = run("clean", cwd=proj)
    check(r.returncode == 0 and "Nothing to clean" in r.stdout, "clean of a clean project", r)
    r = run("status", cwd=os.path.join(proj, "src"))
    check(r.returncode == 0 and "Build: not built" in r.stdout, "status from a subdirectory finds the project", r)

    # --- a library project.
    lib = os.path.join(tmp, "mathlib")
    r = run("init", "--lib", lib)
    check(r.returncode == 0 and os.path.isfile(os.path.join(lib, "src/lib.stfl")), "init --lib", r)
    r = run("build", lib)
    check(r.returncode == 0 and os.path.isfile(os.path.join(lib, "target/debug/lib.stflb")), "a library builds", r)
    r = run("test", lib)
    check(r.returncode == 0 and "ok tests/lib_test.stfl" in r.stdout, "a library's test passes", r)

    # --- Stoffel.toml errors: file, line, key/value and the fix.
    base = open(os.path.join(lib, "Stoffel.toml")).read()

    def with_manifest(text, *args):
        write(os.path.join(lib, "Stoffel.toml"), text)
        return run(*(args or ("build",)), cwd=lib)

    mpath = os.path.join(lib, "Stoffel.toml")
    r = with_manifest(base.replace("threshold = 1", "threshhold = 1"))
    check(r.returncode == 1 and f"{mpath}:9:" in r.stderr and "unknown key `threshhold` in [mpc]; did you mean `threshold`?" in r.stderr,
          "a misspelt key names file, line and the right key", r)
    r = with_manifest(base.replace('name = "mathlib"', 'naem = "mathlib"'))
    check(r.returncode == 1 and "did you mean `name`?" in r.stderr, "naem -> name", r)
    r = with_manifest(base.replace("parties = 3", 'parties = "3"'))
    check(r.returncode == 1 and "unquoted positive whole number" in r.stderr and "parties = 3" in r.stderr,
          "a quoted number", r)
    r = with_manifest(base.replace("parties = 3", "parties = 2"), "status")
    check(r.returncode == 1 and f"{mpath}:8:" in r.stderr and "violates the bound n >= 2t+1" in r.stderr
          and "parties >= 3" in r.stderr, "n < 2t+1 names the bound", r)
    r = with_manifest(base.replace("parties = 3", "parties = 4").replace("threshold = 1", "threshold = 2"), "test")
    check(r.returncode == 1 and "violates the bound n >= 2t+1 (needs parties >= 5)" in r.stderr
          and "lower threshold to 1" in r.stderr, "n = 4, t = 2", r)
    r = with_manifest(base.replace('security = "semi-honest"', 'security = "robust"'), "run")
    check(r.returncode == 1 and "violates the robust bound n >= 3t+1" in r.stderr and "parties >= 4" in r.stderr,
          "robust with n < 3t+1", r)
    r = with_manifest(base.replace('security = "semi-honest"', 'security = "paranoid"'))
    check(r.returncode == 1 and "[mpc].security `paranoid`" in r.stderr and '"robust"' in r.stderr, "bad security", r)
    r = with_manifest(base.replace("threshold = 1", "threshold = 0"))
    check(r.returncode == 1 and "threshold must be at least 1" in r.stderr, "threshold 0", r)
    r = with_manifest(base + "\n[network]\nparties = 3\n")
    check(r.returncode == 1 and "stoffel run --network" in r.stderr, "a [network] table", r)
    r = with_manifest(base.replace("[package]", "[pakage]"))
    check(r.returncode == 1 and "unknown key `pakage` in the top level; did you mean `package`?" in r.stderr, "typo in a table", r)
    r = with_manifest(base.replace('backend = "honeybadger"', 'backend = "spdz"'))
    check(r.returncode == 1 and "[mpc].backend `spdz`" in r.stderr, "bad backend", r)
    r = with_manifest(base.replace('source = "src/lib.stfl"', 'source = "../elsewhere.stfl"'))
    check(r.returncode == 1 and "`..` is not allowed" in r.stderr, "source outside the project", r)
    r = with_manifest(base.replace('target_dir = "target"', 'target_dir = "src/out"'))
    check(r.returncode == 1 and "must not go under src/" in r.stderr, "target under src/", r)
    r = with_manifest(base.replace('source = "src/lib.stfl"', 'source = "src/missing.stfl"'))
    check(r.returncode == 1 and "src/missing.stfl` not found" in r.stderr, "missing source file", r)
    r = with_manifest(base.replace("[mpc]", "[mpc]\ninstance_id = 7").replace("version = \"0.1.0\"", "version = \"0.1.0\"\nedition = \"2021\""))
    check(r.returncode == 1 and "`edition` in [package] is a key of older Stoffel.toml versions" in r.stderr,
          "retired keys are rejected", r)
    r = with_manifest(base.replace("parties = 3", "parties = 4").replace('security = "semi-honest"\n', ""), "status")
    check(r.returncode == 0 and "security robust, chosen because parties >= 3*threshold+1" in r.stdout,
          "security defaults to robust when n >= 3t+1", r)
    r = with_manifest(base.replace('security = "semi-honest"\n', ""), "build")
    check(r.returncode == 0 and "security defaults to semi-honest" in r.stderr, "the semi-honest default is visible", r)
    r = with_manifest(base.replace("parties = 3", "parties = 4").replace('"semi-honest"', '"robust"'), "test")
    check(r.returncode == 0 and "1 passed" in r.stdout, "tests run robust with 4 parties", r)
    r = with_manifest("[mpc]\nparties = 3\n")
    check(r.returncode == 1 and "missing [package] table" in r.stderr, "missing [package]", r)
    r = with_manifest("[package\n")
    check(r.returncode == 1 and f"{mpath}:1:" in r.stderr, "a TOML syntax error names the line", r)

    # --- not a project.
    empty = os.path.join(tmp, "empty")
    os.makedirs(empty)
    for cmd in ("build", "test", "status", "clean"):
        r = run(cmd, cwd=empty)
        check(r.returncode == 1 and "could not find Stoffel.toml" in r.stderr and "stoffel init" in r.stderr,
              f"{cmd} outside a project", r)
    r = run("check", cwd=empty)
    check(r.returncode == 1 and "could not find Stoffel.toml" in r.stderr, "check outside a project", r)
    r = run("run", cwd=empty)
    check(r.returncode == 2 and "needs a program file" in r.stderr, "run outside a project", r)
    r = run("status", tmp)
    check(r.returncode == 1 and "a project exists at" in r.stderr, "a nested project is suggested", r)
    r = run("build", os.path.join(tmp, "nowhere"))
    check(r.returncode == 1 and "cannot open" in r.stderr, "build of a missing path", r)

print("workflow test:", "FAILED" if failures else "ok")
sys.exit(1 if failures else 0)
