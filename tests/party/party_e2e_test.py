#!/usr/bin/env python3
"""End-to-end tests of the party runtime on 127.0.0.1 (real `stoffel party` processes over QUIC):

  semi-honest  network init --parties 3 --threshold 1; 3 daemons; deploy private-stats; 20 clients
               (20 identities from network init) give one salary each with `stoffel client input`
               (half of them at once, the rest from one `client input --batch` file);
               party 1 is SIGKILLed right after acknowledging one of them and restarted: it still
               holds that input; `stoffel run --network --stats` equals the clear computation and
               every party recorded the run. A program's output for one client is stored and
               fetched by that client only (`stoffel client output`). Bad input: an input for an unknown program, an input
               while a party is down (unreachable), a tampered bundle: each a clear error that
               changes no stored state. CLI error paths of `stoffel client` and `run --network`.
  robust       --parties 4 --threshold 1 (robust mode): background preprocessing up to levels,
               6 clients, one party stopped before the run: the result is still correct.
  comparisons  3 parties, a program with secret 64-bit comparisons and equality tests over 4
               clients' inputs: run once without stored material, then the parties restart with
               --prep-comparisons on party 0 and other --prep-* levels on parties 1 and 2: every
               party preprocesses to party 0's levels (as much material as the simulator measures
               the comparisons to take; a level above 4096 in several operations), and the same
               run gives the same result with fewer preprocessing rounds (none).

usage: party_e2e_test.py STOFFEL_BINARY [semi-honest|semi-honest-small|robust|comparisons|comparisons-small|all]
(semi-honest-small: the semi-honest test with 6 clients, comparisons-small: with a level of 200
instead of 4296 comparisons (one preprocessing operation instead of two), for sanitizer builds)
Every process is bounded in time and killed on failure; ports are random free ones.
"""
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

stoffel = sys.argv[1]
which = sys.argv[2] if len(sys.argv) > 2 else "all"
failures = 0
checks = 0
HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAM = os.path.join(HERE, "..", "..", "examples", "private-stats", "private_stats.stfl")


def check(cond, what):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print("CHECK failed: " + what, file=sys.stderr)
    return cond


def run(*args, timeout=60):
    try:
        return subprocess.run([stoffel] + list(args), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        return subprocess.CompletedProcess(e.cmd, 124, "", "timed out after %ss" % timeout)


def free_base_port(n):
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
    def __init__(self, tmp, i, extra):
        self.tmp, self.i, self.extra = tmp, i, extra
        self.data = os.path.join(tmp, "data%d" % i)
        self.log = os.path.join(tmp, "party%d.log" % i)
        self.proc = None

    def start(self):
        with open(self.log, "a") as logf:
            self.proc = subprocess.Popen([stoffel, "party", "--config", os.path.join(self.tmp, "net/network.toml"),
                                          "--id", str(self.i), "--data", self.data] + self.extra,
                                         stdout=subprocess.DEVNULL, stderr=logf)

    def log_text(self):
        with open(self.log) as f:
            return f.read()

    def wait_log(self, text, count=1, timeout=20):
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

    def db(self, sql):
        con = sqlite3.connect(os.path.join(self.data, "party.db"), timeout=10)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()


def dump_logs(parties):
    """On a failure: the end of every party's log, to see what happened."""
    for p in parties:
        try:
            lines = p.log_text().splitlines()
        except OSError:
            continue
        print("--- party %d log (last 12 lines)" % p.i, file=sys.stderr)
        for l in lines[-12:]:
            print("    " + l, file=sys.stderr)


def salaries(n, seed):
    x, out = seed, []
    for _ in range(n):
        x = (x * 1103515245 + 12345) % 2147483648
        out.append(30000 + x % 70000)
    return out


def clear_stats(values):
    v = sorted(values)
    n, s, q = len(v), sum(v), sum(x * x for x in v)
    lines = ["count: %d" % n, "mean: %d" % (s // n), "variance: %d" % ((n * q - s * s) // (n * n)),
             "min: %d" % v[0], "max: %d" % v[-1]]
    if n % 2 == 1:
        lines.append("median: %d" % v[n // 2])
    else:
        lines.append("median: %d" % ((v[n // 2 - 1] + v[n // 2]) // 2))
    return "\n".join(lines)


def network(tmp, n, t, clients):
    base = free_base_port(n)
    r = run("network", "init", "--parties", str(n), "--threshold", str(t), "--clients", str(clients),
            "--base-port", str(base), os.path.join(tmp, "net"))
    check(r.returncode == 0, "network init: " + r.stderr)
    return os.path.join(tmp, "net/network.toml")


def deploy(cfg):
    r = run("deploy", PROGRAM, "--network", cfg)
    check(r.returncode == 0, "deploy: " + r.stderr)
    m = re.search(r"Hash: ([0-9a-f]{64})", r.stdout)
    return m.group(1) if m else "0" * 64


def client_input(cfg, tmp, c, h, value, timeout_ms=30000):
    return run("client", "input", "--network", cfg, "--key", os.path.join(tmp, "net/client%d.key" % c),
               "--program", h, str(value), "--timeout-ms", str(timeout_ms), timeout=timeout_ms / 1000 + 20)


def clients_at_once(cfg, tmp, h, values, which):
    """Clients in `which` give their value concurrently; each must be stored at all 3 parties."""
    procs = []
    for c in which:
        procs.append((c, subprocess.Popen([stoffel, "client", "input", "--network", cfg, "--key",
                                           os.path.join(tmp, "net/client%d.key" % c), "--program", h,
                                           str(values[c]), "--timeout-ms", "60000"],
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
    for c, p in procs:
        try:
            out, err = p.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
        check(p.returncode == 0 and "at all 3 parties" in out, "client %d input: %s" % (c, err))


def input_count(p, h):
    return p.db("SELECT count(*) FROM inputs WHERE hex(program) = '%s'" % h.upper())[0][0]


def start_all(parties):
    """Starts every party and waits until each one listens."""
    for p in parties:
        p.start()
    for p in parties:
        check(p.wait_log("ready: listening"), "party %d ready" % p.i)


def semi_honest(nclients):
    with tempfile.TemporaryDirectory() as tmp:
        cfg = network(tmp, 3, 1, nclients)
        parties = [Party(tmp, i, ["--timeout-ms", "5000"]) for i in range(3)]
        try:
            start_all(parties)
            h = deploy(cfg)

            # An input for a program nobody deployed: refused by every party, nothing stored.
            r = client_input(cfg, tmp, 0, "ab" * 32, 5)
            check(r.returncode == 1 and "no program with hash " + "ab" * 32 in r.stderr, "unknown program: " + r.stderr)
            for p in parties:
                check(p.db("SELECT count(*) FROM inputs")[0][0] == 0, "party %d stored nothing" % p.i)

            values = salaries(nclients, 4242)
            half = nclients // 2
            # Ten providers at once (party 0 orders them), then party 1 is SIGKILLed right after the
            # last acknowledgement: acknowledged means committed, so after a restart it holds all.
            clients_at_once(cfg, tmp, h, values, range(0, half))
            parties[1].stop(signal.SIGKILL)
            check(input_count(parties[1], h) == half, "party 1 holds all %d inputs after SIGKILL" % half)
            parties[1].start()
            check(parties[1].wait_log("ready: listening", count=2), "party 1 restarted")
            # its peers notice the old connection died and dial it again
            check(parties[1].wait_log("link to party 2: connected", timeout=20), "party 2 reconnected")
            # The rest from one process: `client input --batch`, one identity and value per line
            # (a bad line anywhere stops the file before anything is sent).
            batch = os.path.join(tmp, "batch.txt")
            with open(batch, "w") as f:
                f.write("# provider key, salary\n")
                for c in range(half, nclients):
                    f.write("%s %d\n" % (os.path.join(tmp, "net/client%d.key" % c), values[c]))
                f.write("%s 12x\n" % os.path.join(tmp, "net/client0.key"))
            r = run("client", "input", "--network", cfg, "--program", h, "--batch", batch)
            check(r.returncode == 2 and "batch.txt:%d: input value `12x` is not an integer" % (nclients - half + 2)
                  in r.stderr, "bad batch line: " + r.stderr)
            check(input_count(parties[0], h) == half, "a bad batch file stores nothing")
            with open(batch) as f:
                lines = f.readlines()[:-1]
            with open(batch, "w") as f:
                f.writelines(lines)
            r = run("client", "input", "--network", cfg, "--program", h, "--batch", batch, timeout=120)
            check(r.returncode == 0 and "Stored %d inputs (%d values) for program %s at all 3 parties"
                  % (nclients - half, nclients - half, h) in r.stdout, "batch input: " + r.stdout + r.stderr)
            for p in parties:
                check(input_count(p, h) == nclients, "party %d holds %d inputs" % (p.i, nclients))

            r = run("run", "--network", cfg, h, "--stats", timeout=120)
            check(r.returncode == 0, "run --network: " + r.stderr)
            got = "\n".join(l for l in r.stdout.splitlines() if re.match(r"^(count|mean|variance|min|max|median):", l))
            check(got == clear_stats(values), "networked result %r == clear %r" % (got, clear_stats(values)))
            check("Program returned: %d" % nclients in r.stdout, r.stdout)
            for phase in ("input", "preprocessing", "online", "total"):
                check(re.search(r"stats: phase=%s rounds=\d+ bytes=\d+ seconds=[0-9.]+" % phase, r.stderr)
                      is not None, "stats line for %s: %s" % (phase, r.stderr))
            for p in parties:
                rows = p.db("SELECT state, CAST(result AS TEXT) FROM runs")
                check(rows == [(1, str(nclients))], "party %d recorded the run: %r" % (p.i, rows))

            # The program named by its file gives the same bundle hash.
            r = run("run", "--network", cfg, PROGRAM, timeout=120)
            check(r.returncode == 0 and "Program returned: %d" % nclients in r.stdout, "run by file: " + r.stderr)

            # Run errors: unknown program, a hash that is not one.
            r = run("run", "--network", cfg, "cd" * 32)
            check(r.returncode == 1 and "no program with hash" in r.stderr, "run unknown: " + r.stderr)
            r = run("run", "--network", cfg, "xyz")
            check(r.returncode == 2 and "neither a program hash" in r.stderr, r.stderr)
            r = run("run", "--network", cfg, h, "--input", "a=1")
            check(r.returncode == 2 and "takes no --input" in r.stderr, r.stderr)

            # A tampered bundle: bytecode that does not load is refused before anything is sent.
            tampered = os.path.join(tmp, "tampered.stflb")
            r = run("compile", PROGRAM, "-o", tampered)
            with open(tampered, "rb") as f:
                code = f.read()
            with open(tampered, "wb") as f:
                f.write(code[: len(code) // 2])
            r = run("deploy", tampered, "--network", cfg)
            check(r.returncode == 1 and "cannot load bytecode" in r.stderr, "tampered: " + r.stderr)
            for p in parties:
                check(p.db("SELECT count(*) FROM bundles")[0][0] == 1, "party %d has one bundle" % p.i)

            # Outputs for a client: a program sends the sum of its inputs to client 0 only; client 0
            # fetches and reconstructs it, client 1 has none.
            toml = open(cfg).read()
            fp = re.search(r'name = "client0"\nfingerprint = "sha256:([0-9a-f]{64})"', toml).group(1)
            cid = int.from_bytes(bytes.fromhex(fp)[:8], "little")
            cid = cid - (1 << 64) if cid >= 1 << 63 else cid
            outsum = os.path.join(tmp, "outsum.stfl")
            with open(outsum, "w") as f:
                f.write("def main() -> int64:\n  var n = ClientStore.get_number_clients()\n"
                        "  var s = ClientStore.take_share(0, 0)\n  for i in 1..n:\n"
                        "    s = s + ClientStore.take_share(i, 0)\n"
                        "  Share.send_to_client(s, %d)\n  return n\n" % cid)
            r = run("deploy", outsum, "--network", cfg)
            m = re.search(r"Hash: ([0-9a-f]{64})", r.stdout)
            check(r.returncode == 0 and m is not None, "deploy outsum: " + r.stderr)
            h2 = m.group(1) if m else "0" * 64
            r = run("client", "output", "--network", cfg, "--key", os.path.join(tmp, "net/client0.key"),
                    "--program", h2, "--timeout-ms", "10000")
            check(r.returncode == 1 and "holds no outputs" in r.stderr, "output before any run: " + r.stderr)
            for c, v in ((0, 41000), (1, -1500)):
                r = client_input(cfg, tmp, c, h2, v)
                check(r.returncode == 0, "outsum input %d: %s" % (c, r.stderr))
            r = run("run", "--network", cfg, h2, timeout=120)
            check(r.returncode == 0 and "Program returned: 2" in r.stdout, "outsum run: " + r.stderr)
            r = run("client", "output", "--network", cfg, "--key", os.path.join(tmp, "net/client0.key"),
                    "--program", h2, "--timeout-ms", "20000")
            check(r.returncode == 0 and r.stdout.split() == ["39500"], "client 0's output: %r %s" % (r.stdout, r.stderr))
            for p in parties:
                rows = p.db("SELECT count(*) FROM outputs")
                check(rows == [(1,)], "party %d stored one output record: %r" % (p.i, rows))
            r = run("client", "output", "--network", cfg, "--key", os.path.join(tmp, "net/client1.key"),
                    "--program", h2, "--timeout-ms", "10000")
            check(r.returncode == 1 and "holds no outputs of this program for this client" in r.stderr,
                  "client 1 has no output: " + r.stderr)

            # An unreachable party: the input fails naming it; the others store nothing.
            parties[2].stop()
            r = client_input(cfg, tmp, 0, h, 1, timeout_ms=20000)
            check(r.returncode == 1 and "party 2 is unreachable" in r.stderr, "input with party 2 down: " + r.stderr)
            for p in parties[:2]:
                check(input_count(p, h) == nclients, "party %d still holds its inputs" % p.i)
            r = run("run", "--network", cfg, h, "--timeout-ms", "20000")
            check(r.returncode == 1 and "party 2 is unreachable" in r.stderr, "run with party 2 down: " + r.stderr)
        finally:
            if failures:
                dump_logs(parties)
            for p in parties:
                p.stop(signal.SIGKILL)

        # CLI error paths (no parties needed).
        r = run("client")
        check(r.returncode == 2 and "Usage: stoffel client input" in r.stderr, r.stderr)
        r = run("client", "send")
        check(r.returncode == 2 and "unknown subcommand `client send`" in r.stderr, r.stderr)
        r = run("client", "input", "--network", cfg, "--program", "ab" * 32)
        check(r.returncode == 2 and "needs at least one VALUE" in r.stderr, r.stderr)
        r = run("client", "input", "--network", cfg, "--program", "ab" * 32, "12x")
        check(r.returncode == 2 and "`12x` is not an integer" in r.stderr, r.stderr)
        r = run("client", "input", "--program", "ab" * 32, "1")
        check(r.returncode == 2 and "needs --network FILE and --program HASH" in r.stderr, r.stderr)
        r = run("client", "input", "--network", cfg, "--program", "ab" * 32, "--key", "nope.pem", "1")
        check(r.returncode == 1 and "must end in .key" in r.stderr, r.stderr)
        r = run("client", "output", "--network", cfg, "--program", "ab" * 32, "7")
        check(r.returncode == 2 and "takes no values" in r.stderr, r.stderr)
        r = run("client", "input", "--network", cfg, "--program", "ab" * 32, "--batch", os.path.join(tmp, "none.txt"))
        check(r.returncode == 2 and "cannot read the batch file" in r.stderr, r.stderr)
        r = run("client", "input", "--network", cfg, "--program", "ab" * 32, "--batch", PROGRAM, "5")
        check(r.returncode == 2 and "takes the keys and values from the file" in r.stderr, r.stderr)
        empty = os.path.join(tmp, "empty.txt")
        with open(empty, "w") as f:
            f.write("# nothing\n\n")
        r = run("client", "input", "--network", cfg, "--program", "ab" * 32, "--batch", empty)
        check(r.returncode == 2 and "holds no inputs" in r.stderr, r.stderr)
        with open(empty, "w") as f:
            f.write("%s\n" % os.path.join(tmp, "net/client0.key"))
        r = run("client", "input", "--network", cfg, "--program", "ab" * 32, "--batch", empty)
        check(r.returncode == 2 and "empty.txt:1: a line is `KEYFILE VALUE...`" in r.stderr, r.stderr)
        r = run("run", "--network", cfg)
        check(r.returncode == 2 and "needs the program" in r.stderr, r.stderr)
        r = run("run", "--network", os.path.join(tmp, "missing.toml"), "ab" * 32)
        check(r.returncode == 1 and "invalid network configuration" in r.stderr, r.stderr)


def robust():
    with tempfile.TemporaryDirectory() as tmp:
        cfg = network(tmp, 4, 1, 6)
        extra = ["--timeout-ms", "5000", "--prep-triples", "8000", "--prep-randoms", "4000"]
        parties = [Party(tmp, i, extra) for i in range(4)]
        try:
            start_all(parties)
            h = deploy(cfg)
            values = salaries(6, 777)
            for c, v in enumerate(values):
                r = client_input(cfg, tmp, c, h, v)
                check(r.returncode == 0, "client %d input: %s" % (c, r.stderr))
            # Background preprocessing reaches the levels (progress in the log), then party 3 stops.
            check(parties[0].wait_log("preprocessing: ", timeout=60), "background preprocessing ran")
            deadline = time.time() + 60
            while time.time() < deadline:
                m = re.findall(r"preprocessing: (\d+) triples and (\d+) random", parties[3].log_text())
                if m and int(m[-1][0]) >= 8000 and int(m[-1][1]) >= 4000:
                    break
                time.sleep(0.1)
            time.sleep(0.5)
            check(parties[3].stop() == 0, "party 3 stopped cleanly")
            r = run("run", "--network", cfg, h, "--stats", timeout=120)
            check(r.returncode == 0, "robust run without party 3: " + r.stderr)
            got = "\n".join(l for l in r.stdout.splitlines() if re.match(r"^(count|mean|variance|min|max|median):", l))
            check(got == clear_stats(values), "robust result %r == clear %r" % (got, clear_stats(values)))
            check("parties=3" in r.stderr, "three parties answered: " + r.stderr)
        finally:
            if failures:
                dump_logs(parties)
            for p in parties:
                p.stop(signal.SIGKILL)


# Every pair (i, j) of the clients' values: how many x_i < x_j and how many x_i == x_j.
COMPARE_PROGRAM = """
def main() -> int64:
  var n = ClientStore.get_number_clients()
  var lefts: list[secret int64] = []
  var rights: list[secret int64] = []
  for i in 0..n:
    for j in 0..n:
      lefts.append(ClientStore.take_share(i, 0))
      rights.append(ClientStore.take_share(j, 0))
  var lts: list[secret bool] = Share.batch_lt(lefts, rights)
  var eqs: list[secret bool] = []
  for k in 0..len(lefts):
    eqs.append(lefts[k] == rights[k])
  var less = 0
  var same = 0
  for k in 0..len(lefts):
    if lts[k].reveal():
      less = less + 1
    if eqs[k].reveal():
      same = same + 1
  print("less: " + to_string(less))
  print("same: " + to_string(same))
  return less * 1000 + same
"""

LEVELS_RE = (r"preprocessing: (\d+) triples and (\d+) random sharings ready, (\d+) random bits, (\d+) masks, "
             r"(\d+) prefix-mask chains \(levels (\d+) triples / (\d+) randoms / (\d+) comparisons: (\d+) bits, "
             r"(\d+) masks, (\d+) chains\)")


def prep_rounds(stderr):
    m = re.search(r"stats: phase=preprocessing rounds=(\d+)", stderr)
    return int(m.group(1)) if m else -1


def comparisons(N):
    values = [5, -7, 5, -(1 << 62)]
    pairs = [(a, b) for a in values for b in values]
    want = "less: %d\nsame: %d" % (sum(a < b for a, b in pairs), sum(a == b for a, b in pairs))
    with tempfile.TemporaryDirectory() as tmp:
        prog = os.path.join(tmp, "compare.stfl")
        with open(prog, "w") as f:
            f.write(COMPARE_PROGRAM)
        # What these comparisons take, measured independently in the simulator (same field, n, t):
        # random bits per (LT, EQ) pair, so the level of N pairs is N times that.
        r = run("compile", prog, "-o", os.path.join(tmp, "compare.stflb"))
        check(r.returncode == 0, "compile: " + r.stderr)
        sim = run("run", os.path.join(tmp, "compare.stflb"), "--stats",
                  *sum((["--client-input", "%d=%d" % (c, v)] for c, v in enumerate(values)), []))
        m = re.search(r"random_bits=(\d+)", sim.stderr)
        check(sim.returncode == 0 and m is not None and want in sim.stdout, "simulated run: " + sim.stdout + sim.stderr)
        bits_per_pair = int(m.group(1)) // len(pairs) if m else 1
        check(bits_per_pair >= 64, "a 64-bit LT and EQ take at least 64 random bits (%d)" % bits_per_pair)

        cfg = network(tmp, 3, 1, len(values))
        parties = [Party(tmp, i, ["--timeout-ms", "5000"]) for i in range(3)]
        try:
            # Without background preprocessing the run makes its bits and masks itself.
            start_all(parties)
            r = run("deploy", prog, "--network", cfg)
            m = re.search(r"Hash: ([0-9a-f]{64})", r.stdout)
            check(r.returncode == 0 and m is not None, "deploy: " + r.stderr)
            h = m.group(1) if m else "0" * 64
            clients_at_once(cfg, tmp, h, values, range(len(values)))
            r = run("run", "--network", cfg, h, "--stats", timeout=120)
            check(r.returncode == 0 and want in r.stdout, "run without stored material: " + r.stdout + r.stderr)
            cold = prep_rounds(r.stderr)
            check(cold > 0, "the run made its comparison material (%d preprocessing rounds)" % cold)
            for p in parties:
                check(p.stop() == 0, "party %d stopped cleanly" % p.i)
                check("preprocessing: " not in p.log_text(), "party %d: no background preprocessing" % p.i)

            # Party 0's levels count: the others are started with other levels (or none), and all
            # three must preprocess exactly party 0's (one collective call sequence).
            parties[0].extra += ["--prep-comparisons", str(N), "--prep-randoms", "300"]
            parties[1].extra += ["--prep-comparisons", "3", "--prep-triples", "50"]
            parties[2].extra += ["--prep-randoms", "7"]
            for p in parties:
                p.start()
            # every party's progress lines, until the last one says the level is reached
            lines = {}
            deadline = time.time() + 120
            while time.time() < deadline and len(lines) < 3:
                for p in parties:
                    m = [[int(x) for x in l] for l in re.findall(LEVELS_RE, p.log_text())]
                    if m and m[-1][2] >= m[-1][8] and p.i not in lines:
                        lines[p.i] = m
                time.sleep(0.1)
            check(len(lines) == 3, "every party preprocessed to the level: %r" % lines)
            got = {i: l[-1] for i, l in lines.items()}
            for i, l in lines.items():
                check(l == lines[0], "party %d made what party 0 made, step by step: %r vs %r" % (i, l, lines[0]))
            if N > 4096 and 0 in lines:
                # one operation adds at most 4096 comparisons' worth (clients are served in between)
                steps = lines[0]
                check(len(steps) >= 2 and steps[0][2] <= 4096 * bits_per_pair < steps[0][8],
                      "a level of %d comparisons is reached in steps: %r" % (N, [x[2] for x in steps]))
            for i, g in got.items():
                held_bits, lv_triples, lv_randoms, lv_cmp, lv_bits = g[2], g[5], g[6], g[7], g[8]
                check((lv_triples, lv_randoms, lv_cmp) == (0, 300, N), "party %d used party 0's levels: %r" % (i, g))
                check(lv_bits == N * bits_per_pair, "party %d: level of %d bits == %d x %d measured in the simulator"
                      % (i, lv_bits, N, bits_per_pair))
                check(held_bits >= lv_bits and g[1] >= 300, "party %d reached the levels: %r" % (i, g))
                check(g[:5] == got.get(0, [])[:5], "party %d holds what party 0 holds: %r vs %r" % (i, g, got.get(0)))
            # levels reached: party 0 starts no further preprocessing while it stays idle (it reads its
            # stored pool's counts and remembers which pool holds the comparison material)
            time.sleep(2.5)
            ops = parties[0].log_text().count("starting preprocessing")
            check(ops == len(lines.get(0, [])), "no preprocessing after the levels were reached: %d operations, %d "
                  "progress lines" % (ops, len(lines.get(0, []))))
            r = run("run", "--network", cfg, h, "--stats", timeout=120)
            check(r.returncode == 0 and want in r.stdout, "run with stored material: " + r.stdout + r.stderr)
            warm = prep_rounds(r.stderr)
            print("preprocessing rounds of the run: %d without stored material, %d with" % (cold, warm))
            # the comparisons take everything from the stored pool: no preprocessing round at all
            check(warm == 0 < cold, "stored material: %d preprocessing rounds, %d without" % (warm, cold))
        finally:
            if failures:
                dump_logs(parties)
            for p in parties:
                p.stop(signal.SIGKILL)


def main():
    if which in ("semi-honest", "all"):
        semi_honest(20)
    if which == "semi-honest-small":
        semi_honest(6)  # sanitizer builds: the same paths with fewer clients
    if which in ("robust", "all"):
        robust()
    if which in ("comparisons", "all"):
        comparisons(4096 + 200)  # two preprocessing operations
    if which == "comparisons-small":
        comparisons(200)  # sanitizer builds: one
    print("%d checks, %d failed" % (checks, failures), file=sys.stderr)
    return 1 if failures or checks == 0 else 0


sys.exit(main())
