#!/usr/bin/env python3
"""CLI tests of `stoffel run` and `stoffel disasm` on hand-assembled .stflb files.

usage: vm_cli_test.py STOFFEL_BINARY
"""
import os
import struct
import subprocess
import sys
import tempfile

stoffel = sys.argv[1]
failures = 0
checks = 0

OPS = {"LD": 0x00, "LDI": 0x01, "MOV": 0x02, "ADD": 0x03, "SUB": 0x04, "MUL": 0x05, "DIV": 0x06,
       "MOD": 0x07, "JMP": 0x0E, "JMPEQ": 0x0F, "CALL": 0x11, "RET": 0x12, "PUSHARG": 0x13, "CMP": 0x14}


def s16(s):
    b = s.encode()
    return struct.pack("<H", len(b)) + b


def const(v):
    if isinstance(v, bool):
        return bytes([10, int(v)])
    if isinstance(v, int):
        return bytes([1]) + struct.pack("<q", v)
    if isinstance(v, float):
        return bytes([9]) + struct.pack("<d", v)
    b = v.encode()
    return bytes([11]) + struct.pack("<I", len(b)) + b


def function(name, params, code, labels=()):
    """code: list of (op, *operands); string operands are labels / call names."""
    out = s16(name) + struct.pack("<H", 0) + struct.pack("<H", len(params))
    for p in params:
        out += s16(p)
    out += struct.pack("<H", len(params)) + bytes([12]) * len(params) + bytes([12])  # Unknown types
    out += struct.pack("<H", 0) + bytes([0])
    out += struct.pack("<H", len(labels))
    for lname, target in labels:
        out += s16(lname) + struct.pack("<I", target)
    out += struct.pack("<I", len(code))
    for ins in code:
        op, args = OPS[ins[0]], ins[1:]
        out += bytes([op])
        for a in args:
            out += s16(a) if isinstance(a, str) else struct.pack("<I", a)
    return out


def program(consts, functions):
    out = b"STFL" + struct.pack("<H", 9) + struct.pack("<I", len(consts))
    for c in consts:
        out += const(c)
    out += struct.pack("<I", len(functions))
    for f in functions:
        out += f
    out += bytes([0, 0]) + struct.pack("<I", 0) + struct.pack("<QQQQ", 0, 0, 0, 0) + bytes([0])
    return out


def run(*args):
    return subprocess.run([stoffel, *args], capture_output=True, text=True, timeout=120)


def check(cond, what, result=None):
    global failures, checks
    checks += 1
    if not cond:
        failures += 1
        print(f"FAIL: {what}")
        if result is not None:
            print(f"  exit={result.returncode}\n  stdout={result.stdout!r}\n  stderr={result.stderr!r}")


with tempfile.TemporaryDirectory() as tmp:
    def write(name, data):
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    # Secret multiply and reveal: 6 * 7.
    mul = write("mul.stflb", program([6, 7], [function("main", [], [
        ("LDI", 16, 0), ("LDI", 17, 1), ("MUL", 18, 16, 17), ("MOV", 0, 18), ("RET", 0)])]))
    for n, t in ((3, 1), (5, 1)):
        r = run("run", mul, "--parties", str(n), "--threshold", str(t), "--stats")
        check(r.returncode == 0 and r.stdout == "Program returned: 42\n", f"secret multiply n={n}", r)
        check(f"parties={n} threshold={t} rounds=2" in r.stderr, f"--stats shows parties and rounds n={n}", r)
    # A returned share object is opened before printing.
    obj = write("obj.stflb", program([5], [function("main", [], [
        ("LDI", 1, 0), ("PUSHARG", 1), ("CALL", "Share.from_clear"), ("RET", 0)])]))
    r = run("run", obj)
    check(r.returncode == 0 and r.stdout == "Program returned: 5\n", "returned share object is revealed", r)
    r = run("run", mul, "--parties=4", "--threshold=2")
    check(r.returncode == 1 and "n >= 2t+1" in r.stderr.replace(" ", " "), "bad n/t is refused with the bound", r)

    # Named inputs: main(a, b) = a + b, with typed values.
    add = write("add.stflb", program([], [function("main", ["a", "b"], [("ADD", 0, 0, 1), ("RET", 0)])]))
    r = run("run", add, "--input", "a=40", "--input", "b=2")
    check(r.returncode == 0 and r.stdout == "Program returned: 42\n", "named inputs", r)
    r = run("run", add, "--input=a=7u8", "--input=b=250u8")
    check(r.returncode == 1 and "does not fit uint8" in r.stderr, "u8 overflow is a runtime error", r)
    r = run("run", add, "--input", "a=\"ab\"", "--input", "b=\"cd\"")
    check(r.returncode == 0 and r.stdout == 'Program returned: "abcd"\n', "string inputs", r)
    r = run("run", add, "--input", "a=1")
    check(r.returncode == 2 and "missing input for parameter `b`" in r.stderr, "missing input", r)
    r = run("run", add, "--input", "a=1", "--input", "b=2", "--input", "c=3")
    check(r.returncode == 2 and "has no parameter `c`" in r.stderr, "unknown input", r)
    r = run("run", add, "a=1")
    check(r.returncode == 2 and "named inputs must use --input NAME=VALUE" in r.stderr, "positional input", r)
    r = run("run", add, "--input", "a=1=2")
    check(r.returncode == 2 and "repeat --input for each value" in r.stderr, "two = in one input", r)
    r = run("run", add, "--bogus")
    check(r.returncode == 2 and "unknown option `--bogus`" in r.stderr, "unknown option", r)

    # Returned values of every shape: list literal input echoed back.
    ident = write("ident.stflb", program([], [function("main", ["x"], [("RET", 0)])]))
    for value, shown in (("[1, 2u8, true]", "[1, 2, true]"), ("0xdeadbeef", "byte[4] 0xdeadbeef"),
                         ("{a: 1, \"b c\": [2.5]}", '{"a": 1, "b c": [2.5]}'), ("1,2,3", "[1, 2, 3]"),
                         ("-3i16", "-3"), ("2.0", "2"), ("hello", '"hello"'), ("18446744073709551615", "18446744073709551615")):
        r = run("run", ident, "--input", f"x={value}")
        check(r.returncode == 0 and r.stdout == f"Program returned: {shown}\n", f"value {value}", r)
    r = run("run", ident, "--input", "x=0xabc")
    check(r.returncode == 2 and "even number of digits" in r.stderr, "odd hex", r)

    # Client inputs: take_share(0,0) + take_share(0,1), revealed.
    cl = write("client.stflb", program([0, 1], [function("main", [], [
        ("LDI", 1, 0), ("LDI", 2, 0), ("PUSHARG", 1), ("PUSHARG", 2), ("CALL", "ClientStore.take_share"), ("MOV", 16, 0),
        ("LDI", 2, 1), ("PUSHARG", 1), ("PUSHARG", 2), ("CALL", "ClientStore.take_share"), ("MOV", 17, 0),
        ("ADD", 18, 16, 17), ("MOV", 0, 18), ("RET", 0)])]))
    r = run("run", cl, "--client-input", "0=40", "--client-input", "0=2")
    check(r.returncode == 0 and r.stdout == "Program returned: 42\n", "client inputs", r)
    r = run("run", cl, "--client-input", "0=40,2", "--parties", "5")
    check(r.returncode == 0 and r.stdout == "Program returned: 42\n", "client input list", r)
    r = run("run", cl)
    check(r.returncode == 1 and "no client at index 0" in r.stderr, "client input missing", r)

    # Runtime errors name function and instruction; --trace prints instructions.
    div = write("div.stflb", program([1, 0], [function("main", [], [("LDI", 1, 0), ("LDI", 2, 1), ("DIV", 0, 1, 2), ("RET", 0)])]))
    r = run("run", div)
    check(r.returncode == 1 and "function 'main' at instruction 2 (DIV): division by zero" in r.stderr, "runtime error", r)
    r = run("run", add, "--input", "a=1", "--input", "b=2", "--trace")
    check(r.returncode == 0 and "[trace] main@0: ADD(0, 0, 1)" in r.stderr, "--trace", r)

    # Malformed bytecode: offset and expectation.
    bad = write("bad.stflb", b"STFL" + struct.pack("<H", 12))
    r = run("run", bad)
    check(r.returncode == 1 and "byte offset 4: expected a format version 0..9, found 12" in r.stderr, "bad version", r)
    r = run("run", os.path.join(tmp, "missing.stflb"))
    check(r.returncode == 1 and "cannot open" in r.stderr, "missing file", r)
    r = run("run")
    check(r.returncode == 2 and "needs a program file" in r.stderr, "no file", r)

    # disasm
    r = run("disasm", mul)
    check(r.returncode == 0 and r.stdout.startswith("; Stoffel Disassembly\n; Format version: 9\n; MPC backend: HoneyBadger\n")
          and "  0002: MUL(18, 16, 17)\n" in r.stdout and ".endfunction\n" in r.stdout, "disasm", r)
    r = run("disasm", bad)
    check(r.returncode == 1 and "byte offset 4" in r.stderr, "disasm of a bad file", r)

print(f"{checks - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
