#!/usr/bin/env python3
"""CLI test of `stoffel run --processes`: the quickstart example on 3 real `stoffel party`
processes on 127.0.0.1 (network init, deploy, client inputs, run --network) prints exactly what
the simulated run prints; flag errors; SIGINT stops and reaps the parties and removes the
temporary directory.

usage: processes_test.py STOFFEL_BINARY QUICKSTART_DIR
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

stoffel = os.path.abspath(sys.argv[1])
quickstart = os.path.abspath(sys.argv[2])
failures = 0


def check(cond, what, result=None):
    global failures
    if not cond:
        failures += 1
        print(f"FAIL: {what}")
        if result is not None:
            print(f"  exit={result.returncode}\n  stdout={result.stdout!r}\n  stderr={result.stderr!r}")


def run(*args, env=None, cwd=quickstart):
    return subprocess.run([stoffel, *args], capture_output=True, text=True, timeout=240, cwd=cwd, env=env)


def processes_under(path):
    """pids of live processes whose command line mentions path (our party processes)."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                cmd = f.read().decode(errors="replace")
            with open(f"/proc/{d}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if path in cmd and state != "Z":
            pids.append(int(d))
    return pids


with tempfile.TemporaryDirectory() as tmp:
    env = dict(os.environ, TMPDIR=tmp)
    inputs = ["--client-input", "0=52000", "--client-input", "1=61000"]
    sim = run("run", *inputs, env=env)
    check(sim.returncode == 0 and "Program returned: 113000" in sim.stdout, "the simulated quickstart run", sim)
    real = run("run", "--processes", *inputs, "--stats", env=env)  # N from the project: 3
    check(real.returncode == 0, "the quickstart on 3 party processes succeeds", real)
    check(real.stdout == sim.stdout, "3 party processes print exactly the simulated output", real)
    check("Running on 3 party processes on 127.0.0.1 (threshold 1)" in real.stderr, "the run says where it runs", real)
    for phase in ("input", "preprocessing", "online", "total"):
        check(f"stats: phase={phase} " in real.stderr, f"--stats reports the {phase} phase", real)
    check(os.listdir(tmp) == [], "the temporary network directory is removed")
    check(processes_under(tmp) == [], "no party process is left")

    # Flag errors: before any process starts.
    r = run("run", "--processes", "2", *inputs, env=env)
    check(r.returncode == 2 and "n >= 2t+1" in r.stderr, "--processes 2 with threshold 1", r)
    r = run("run", "--processes", "3", "--input", "a=1", env=env)
    check(r.returncode == 2 and "does not apply with --processes" in r.stderr, "--input with --processes", r)
    r = run("run", "--processes=0", env=env)
    check(r.returncode == 2 and "party count from 1 to 64" in r.stderr, "--processes=0", r)
    r = run("run", os.path.join(tmp, "missing.stfl"), "--processes", "3", env=env, cwd=tmp)
    check(r.returncode != 0 and "missing.stfl" in r.stderr, "a missing program", r)
    check(os.listdir(tmp) == [] and processes_under(tmp) == [], "a failed run cleans up")

    # SIGINT while the parties start: they are stopped and reaped, the directory removed.
    p = subprocess.Popen([stoffel, "run", "--processes", "3", *inputs], cwd=quickstart, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and not processes_under(tmp):
        time.sleep(0.02)
    check(processes_under(tmp) != [], "party processes started")
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    check(p.returncode == 130 and "Interrupted" in err, f"SIGINT stops the run (exit {p.returncode}, {err!r})")
    time.sleep(0.2)
    check(processes_under(tmp) == [], "no party process survives SIGINT")
    check(os.listdir(tmp) == [], "SIGINT removes the temporary directory")

print("processes test:", "FAILED" if failures else "ok")
sys.exit(1 if failures else 0)
