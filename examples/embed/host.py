#!/usr/bin/env python3
"""Embedding libstoffelvm from Python with ctypes: build a program, register a Python function as
a foreign function, run it, read the exact result.

usage: host.py PATH/TO/libstoffelvm.so
"""
import ctypes as C
import sys

lib = C.CDLL(sys.argv[1])

STOFFEL_VM_I64 = 1
STOFFEL_VM_STRING = 11
OP_ADD = 0x03


class Str(C.Structure):
    _fields_ = [("ptr", C.c_char_p), ("len", C.c_size_t)]


class ShareType(C.Structure):
    _fields_ = [("kind", C.c_int), ("bits", C.c_uint32), ("frac", C.c_uint32)]


class Share(C.Structure):
    _fields_ = [("type", ShareType), ("bytes", C.c_void_p), ("len", C.c_size_t)]


class Payload(C.Union):
    _fields_ = [("i", C.c_int64), ("u", C.c_uint64), ("f", C.c_double), ("b", C.c_uint8),
                ("str", Str), ("handle", C.c_uint64), ("share", Share)]


class Value(C.Structure):
    _fields_ = [("kind", C.c_int), ("as_", Payload)]


FOREIGN = C.CFUNCTYPE(C.c_int, C.c_void_p, C.POINTER(Value), C.c_size_t, C.POINTER(Value), C.c_void_p)

P = C.c_void_p
lib.stoffel_vm_builder_new.argtypes = [C.POINTER(P)]
lib.stoffel_vm_builder_function.argtypes = [P, C.c_char_p, C.POINTER(P)]
lib.stoffel_vm_fn_add_param.argtypes = [P, C.c_char_p, P]
lib.stoffel_vm_fn_pusharg.argtypes = [P, C.c_uint32]
lib.stoffel_vm_fn_call.argtypes = [P, C.c_char_p]
lib.stoffel_vm_fn_binop.argtypes = [P, C.c_int, C.c_uint32, C.c_uint32, C.c_uint32]
lib.stoffel_vm_fn_ldi_string.argtypes = [P, C.c_uint32, C.c_char_p]
lib.stoffel_vm_fn_ret.argtypes = [P, C.c_uint32]
lib.stoffel_vm_builder_build.argtypes = [P, C.POINTER(P)]
lib.stoffel_vm_builder_free.argtypes = [P]
lib.stoffel_vm_new.argtypes = [P, P, C.POINTER(P), C.c_char_p, C.c_size_t]
lib.stoffel_vm_register_function.argtypes = [P, C.c_char_p, FOREIGN, P]
lib.stoffel_vm_execute.argtypes = [P, C.c_char_p, C.POINTER(Value), C.c_size_t, C.POINTER(Value)]
lib.stoffel_vm_last_error.argtypes = [P]
lib.stoffel_vm_last_error.restype = C.c_char_p
lib.stoffel_vm_free.argtypes = [P]
lib.stoffel_vm_program_free.argtypes = [P]
lib.stoffel_vm_call_fail.argtypes = [P, C.c_char_p]


def check(rc, what):
    if rc != 0:
        raise SystemExit(f"{what} failed with status {rc}")


# main(a, b) = triple(a) + b, and describe(x) returns a string made in Python.
b = P()
check(lib.stoffel_vm_builder_new(C.byref(b)), "builder_new")
f = P()
check(lib.stoffel_vm_builder_function(b, b"main", C.byref(f)), "function")
check(lib.stoffel_vm_fn_add_param(f, b"a", None), "param")
check(lib.stoffel_vm_fn_add_param(f, b"b", None), "param")
lib.stoffel_vm_fn_pusharg(f, 0)
lib.stoffel_vm_fn_call(f, b"triple")
lib.stoffel_vm_fn_binop(f, OP_ADD, 0, 0, 1)
lib.stoffel_vm_fn_ret(f, 0)
g = P()
check(lib.stoffel_vm_builder_function(b, b"describe", C.byref(g)), "function")
lib.stoffel_vm_fn_ldi_string(g, 1, b"py")
lib.stoffel_vm_fn_pusharg(g, 1)
lib.stoffel_vm_fn_call(g, b"triple")
lib.stoffel_vm_fn_ret(g, 0)
prog = P()
check(lib.stoffel_vm_builder_build(b, C.byref(prog)), "build")
lib.stoffel_vm_builder_free(b)

vm = P()
err = C.create_string_buffer(256)
check(lib.stoffel_vm_new(prog, None, C.byref(vm), err, 256), "vm_new")

keep = []  # strings handed to the VM must live until it has copied them (after the return)


@FOREIGN
def triple(call, args, nargs, result, userdata):
    v = args[0]
    if v.kind == STOFFEL_VM_I64:
        result[0].kind = STOFFEL_VM_I64
        result[0].as_.i = v.as_.i * 3
        return 0
    if v.kind == STOFFEL_VM_STRING:
        s = C.string_at(v.as_.str.ptr, v.as_.str.len) * 3
        buf = C.create_string_buffer(s)
        keep.append(buf)
        result[0].kind = STOFFEL_VM_STRING
        result[0].as_.str.ptr = C.cast(buf, C.c_char_p)
        result[0].as_.str.len = len(s)
        return 0
    return lib.stoffel_vm_call_fail(call, b"triple: unsupported value")


check(lib.stoffel_vm_register_function(vm, b"triple", triple, None), "register")
args = (Value * 2)()
args[0].kind = STOFFEL_VM_I64
args[0].as_.i = 13
args[1].kind = STOFFEL_VM_I64
args[1].as_.i = 3
out = Value()
rc = lib.stoffel_vm_execute(vm, b"main", args, 2, C.byref(out))
if rc != 0:
    raise SystemExit("run failed: " + lib.stoffel_vm_last_error(vm).decode())
assert out.kind == STOFFEL_VM_I64 and out.as_.i == 42, (out.kind, out.as_.i)
print(f"Program returned: {out.as_.i}")
rc = lib.stoffel_vm_execute(vm, b"describe", None, 0, C.byref(out))
assert rc == 0 and out.kind == STOFFEL_VM_STRING
text = C.string_at(out.as_.str.ptr, out.as_.str.len).decode()
assert text == "pypypy", text
print(f"describe returned: {text}")
lib.stoffel_vm_free(vm)
lib.stoffel_vm_program_free(prog)
print("python host: ok")
