#!/usr/bin/env python3
"""CLI tests of `stoffel party` and `stoffel deploy` on 127.0.0.1: three party processes from
`stoffel network init`, deploy (hash = SHA-256 of the bundle encoding), a conflicting bundle, a
killed party (deploy names it), restart from the store, SIGTERM shutdown, and flag errors.

usage: party_cli_test.py STOFFEL_BINARY
"""
import hashlib
import os
import random
import re
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time

stoffel = sys.argv[1]
failures = 0
checks = 0


def check(cond, what):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("CHECK failed: " + what, file=sys.stderr)


def run(*args, timeout=60):
    return subprocess.run([stoffel] + list(args), capture_output=True, text=True, timeout=timeout)


def free_base_port(n):
    """A random base port with n consecutive free UDP ports on 127.0.0.1."""
    for _ in range(200):
        base = random.randint(20000, 60000)
        socks = []
        try:
            for i in range(n):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(s)
                s.bind(("127.0.0.1", base + i))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free ports")


class Party:
    def __init__(self, tmp, i):
        self.tmp, self.i = tmp, i
        self.data = os.path.join(tmp, "data%d" % i)
        self.log = os.path.join(tmp, "party%d.log" % i)
        self.proc = None

    def start(self):
        logf = open(self.log, "a")
        self.proc = subprocess.Popen([stoffel, "party", "--config", os.path.join(self.tmp, "net/network.toml"),
                                      "--id", str(self.i), "--data", self.data],
                                     stdout=subprocess.DEVNULL, stderr=logf)
        logf.close()

    def log_text(self):
        with open(self.log) as f:
            return f.read()

    def wait_log(self, text, count=1, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.log_text().count(text) >= count:
                return True
            if self.proc and self.proc.poll() is not None:
                return False
            time.sleep(0.05)
        return False

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                return self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                return self.proc.wait()
        return self.proc.returncode if self.proc else None


def bundle_hash(name, entry, code):
    enc = b"STFLBNDL\x01" + struct.pack(">H", len(name)) + name.encode() + struct.pack(">H", len(entry)) + \
        entry.encode() + struct.pack(">I", len(code)) + code
    return hashlib.sha256(enc).hexdigest()


def main():
    with tempfile.TemporaryDirectory() as tmp:
        base = free_base_port(3)
        r = run("network", "init", "--parties", "3", "--threshold", "1", "--base-port", str(base),
                os.path.join(tmp, "net"))
        check(r.returncode == 0, "network init: " + r.stderr)
        cfg = os.path.join(tmp, "net/network.toml")
        prog = os.path.join(tmp, "prog.stfl")
        with open(prog, "w") as f:
            f.write("def main() -> int64:\n  return 40 + 2\n")
        other = os.path.join(tmp, "other.stfl")
        with open(other, "w") as f:
            f.write("def main() -> int64:\n  return 7\n")
        r = run("compile", prog, "-o", os.path.join(tmp, "prog.stflb"))
        check(r.returncode == 0, "compile: " + r.stderr)

        parties = [Party(tmp, i) for i in range(3)]
        try:
            for p in parties:
                p.start()
            for p in parties:
                check(p.wait_log("ready: listening on UDP port %d" % (base + p.i)), "party %d ready" % p.i)

            # Deploy the compiled bytecode: the hash is SHA-256 of the bundle encoding.
            with open(os.path.join(tmp, "prog.stflb"), "rb") as f:
                code = f.read()
            r = run("deploy", os.path.join(tmp, "prog.stflb"), "--network", cfg)
            check(r.returncode == 0, "deploy: " + r.stderr)
            m = re.search(r"Hash: ([0-9a-f]{64})", r.stdout)
            check(m is not None, "deploy prints the hash: " + r.stdout)
            h = m.group(1) if m else ""
            check(h == bundle_hash("prog", "main", code), "hash is SHA-256 of the bundle")
            check("to 3 parties" in r.stdout, r.stdout)
            for p in parties:
                check(p.wait_log("as " + h), "party %d logged the deploy" % p.i)

            # Again: the same bundle is a no-op success with the same hash.
            stflb = os.path.join(tmp, "prog.stflb")
            r = run("deploy", stflb, "--network", cfg)
            check(r.returncode == 0 and ("Hash: " + h) in r.stdout, "redeploy: " + r.stdout + r.stderr)
            # From the source (compiled at -O2 by deploy) under another name.
            r = run("deploy", prog, "--name", "prog-src", "--network", cfg)
            check(r.returncode == 0 and "Deployed `prog-src`" in r.stdout, "deploy .stfl: " + r.stderr)

            # A different program under that name: refused, naming a party and both hashes.
            r = run("deploy", other, "--name", "prog", "--network", cfg)
            check(r.returncode == 1, "conflicting deploy fails")
            check(re.search(r"party [0-2] refused the bundle: a different bundle named `prog`", r.stderr)
                  is not None and h in r.stderr, r.stderr)

            # A tampered bytecode file does not load: refused before anything is sent.
            tampered = os.path.join(tmp, "tampered.stflb")
            with open(tampered, "wb") as f:
                f.write(code[: len(code) // 2])
            r = run("deploy", tampered, "--network", cfg)
            check(r.returncode == 1 and "cannot load bytecode" in r.stderr, r.stderr)

            # Party 1 killed: deploy names it. Restarted on its data: it still holds the bundle.
            parties[1].stop(signal.SIGKILL)
            r = run("deploy", stflb, "--network", cfg, "--timeout-ms", "1500")
            check(r.returncode == 1 and "no answer from party 1 within 1500 ms" in r.stderr, r.stderr)
            db = sqlite3.connect(os.path.join(parties[1].data, "party.db"))
            rows = db.execute("SELECT name, hex(hash) FROM bundle_names WHERE name = 'prog'").fetchall()
            db.close()
            check(rows == [("prog", h.upper())], "party 1's store after SIGKILL: %r" % rows)
            parties[1].start()
            check(parties[1].wait_log("ready:", count=2), "party 1 restarted")
            r = run("deploy", stflb, "--network", cfg)
            check(r.returncode == 0 and ("Hash: " + h) in r.stdout, "deploy after restart: " + r.stderr)

            # SIGTERM: clean shutdown, exit 0.
            for p in parties:
                rc = p.stop()
                check(rc == 0, "party %d exit code %r" % (p.i, rc))
                check(p.log_text().rstrip().endswith("stopped"), "party %d logs stopped" % p.i)
        finally:
            for p in parties:
                p.stop(signal.SIGKILL)

        # Flag and input errors.
        r = run("party", "--config", cfg, "--data", os.path.join(tmp, "x"))
        check(r.returncode == 2 and "needs --config FILE, --id I and --data DIR" in r.stderr, r.stderr)
        r = run("party", "--config", cfg, "--id", "5", "--data", os.path.join(tmp, "x"))
        check(r.returncode == 2 and "--id 5 is not in" in r.stderr, r.stderr)
        r = run("party", "--config", cfg, "--id", "0", "--data", os.path.join(tmp, "x"), "--prep-comparisons", "100001")
        check(r.returncode == 2 and "--prep-comparisons `100001` is not a count; pass a whole number from 0 to "
              "100000" in r.stderr, r.stderr)
        r = run("party", "--config", cfg, "--id", "0", "--data", os.path.join(tmp, "x"), "--prep-comparisons", "-1")
        check(r.returncode == 2 and "--prep-comparisons `-1` is not a count" in r.stderr, r.stderr)
        r = run("party", "--help")
        check(r.returncode == 0 and "--prep-comparisons N" in r.stdout, r.stdout)
        r = run("party", "--config", os.path.join(tmp, "missing.toml"), "--id", "0", "--data", os.path.join(tmp, "x"))
        check(r.returncode == 1 and "invalid network configuration" in r.stderr, r.stderr)
        r = run("deploy", prog)
        check(r.returncode == 2 and "needs --network FILE" in r.stderr, r.stderr)
        r = run("deploy", os.path.join(tmp, "nothing.txt"), "--network", cfg)
        check(r.returncode == 1 and "pass a .stfl source or a .stflb" in r.stderr, r.stderr)
        r = run("deploy", prog, "--network", cfg, "--entry", "nope")
        check(r.returncode == 1 and "no entry function `nope`" in r.stderr, r.stderr)
        r = run("network", "init", "--parties", "3", "--threshold", "1", "--clients", "32769", os.path.join(tmp, "big"))
        check(r.returncode == 2 and "--clients `32769` must be a whole number from 0 to 32768" in r.stderr, r.stderr)
        check(not os.path.exists(os.path.join(tmp, "big")), "a refused network init writes nothing")

        # A store written by a newer schema: the party refuses to start and says why.
        newer = os.path.join(tmp, "newer")
        os.mkdir(newer)
        db = sqlite3.connect(os.path.join(newer, "party.db"))
        db.execute("PRAGMA application_id = %d" % 0x53544650)
        db.execute("PRAGMA user_version = 3")
        db.execute("CREATE TABLE future (x)")
        db.commit()
        db.close()
        r = run("party", "--config", cfg, "--id", "0", "--data", newer)
        check(r.returncode == 1 and "schema version 3, newer" in r.stderr, r.stderr)

    print("%d checks, %d failed" % (checks, failures), file=sys.stderr)
    return 1 if failures or checks == 0 else 0


sys.exit(main())
