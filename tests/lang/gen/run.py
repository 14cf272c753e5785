# Positive clear programs: compiled at -O0/-O2/-O3 and run in the VM without an MPC engine.
P = {}
def prog(name, src):
    P[name] = src

prog('arith_basic', '''var a = 7
var b = 3
print(a + b, a - b, a * b, a / b, a % b)
# expect: 10 4 21 2 1
''')
prog('arith_negative_div', '''print(-7 / 2, -7 % 3, -7 mod 3, 7 mod -3)
# expect: -3 -1 2 -2
''')
prog('precedence', '''print(1 + 2 * 3, (1 + 2) * 3, 10 - 4 - 3, 1 + 7 mod 3)
# expect: 7 9 3 2
''')
prog('unary_minus_prec', '''var a = 3
var b = 4
print(-a * b, -a + b)
# expect: -12 1
''')
prog('not_precedence', '''var a = True
var b = False
print(not a == b)
# expect: true
''')
prog('hex_bin_oct', '''print(0x1F, 0b101, 0o17, 1_000_000)
# expect: 31 5 15 1000000
''')
prog('suffix_ints', '''var a = 7i32
var b = 3u8
var c = 0xFFu64
print(a, b, c)
print(a + 1, b * 2)
# expect: 7i32 3u8 255u64
# expect: 8i32 6u8
''')
prog('int_widths_annotated', '''var a: int8 = 3 + 4
var b: uint16 = 60000
var c: int64 = a
print(a, b)
# expect: 7i8 60000u16
''')
prog('widening_assign', '''var small: int32 = 5i32
var big: int64 = small
print(big)
# expect: 5i32
''')
prog('floats', '''var x = 1.5
var y = x * 2.0
print(y, .5, 1e3, 2.5e-2)
# expect: 3f64 0.5f64 1000f64 0.025f64
''')
prog('int_float_mix', '''var n = 3
var f = 0.5
print(n * f, f + 1)
# expect: 1.5f64 1.5f64
''')
prog('bools', '''var t = True
var f = False
print(t and f, t or f, t xor f, not t)
# expect: false true true false
''')
prog('bitwise_ints', '''var a = 12
var b = 10
print(a and b, a or b, a xor b, not 12)
# expect: 8 14 6 -13
''')
prog('bitwise_u64', '''var v = 0u64
print(not v)
# expect: 18446744073709551615u64
''')
prog('shifts', '''var v = 1u64
print(v shl 4u64, 256u64 shr 2u64, 1 shl 3)
# expect: 16u64 64u64 8
''')
prog('comparisons', '''var a = 3
var b = 5
print(a < b, a <= b, a > b, a >= b, a == b, a != b)
print(3 <= 3, 5 >= 6)
# expect: true true false false false true
# expect: true false
''')
prog('compare_mixed_types', '''var a = 3i32
var b = 3
print(a == b, 2.5 > 2)
# expect: true true
''')
prog('string_ops', '''var s = "abc" + "def"
print(s, len(s), s[0], s[-1], s == "abcdef", "abc" < "abd")
# expect: abcdef 6 a f true true
''')
prog('string_slice', '''var s = "hello world"
print(s[0:5], s[6:], s[:4])
# expect: hello world hell
''')
prog('string_in', '''print("ell" in "hello", "x" in "hello")
# expect: true false
''')
prog('string_iter', '''var out = ""
for ch in "abc":
  out = out + ch + "-"
print(out)
# expect: a-b-c-
''')
prog('fstring', '''var name = "Ada"
var n = 3
print(f"hi {name}, n={n}!")
print(f"{{literal}} {n}")
# expect: hi Ada, n=3!
# expect: {literal} 3
''')
prog('fstring_field', '''object P:
  x: int64
var p = P(x: 9)
print(f"x is {p.x}")
# expect: x is 9
''')
prog('to_string_suffix', '''print(to_string(5u64) + "!", to_string(42))
# expect: 5u64! 42
''')
prog('type_builtin', '''print(type(1), type("s"), type(True), type([1]), type(1.5), type(None))
# expect: int64 string boolean array float nil
''')
prog('if_elif_else', '''def grade(n: int64) -> string:
  if n >= 90:
    return "A"
  elif n >= 80:
    return "B"
  elif n >= 70:
    return "C"
  else:
    return "F"
print(grade(95), grade(85), grade(75), grade(10))
# expect: A B C F
''')
prog('if_no_else', '''var x = 1
if x == 1:
  x = 2
print(x)
# expect: 2
''')
prog('if_var_visible_after', '''var c = True
if c:
  var inner = 5
print(inner)
# expect: 5
''')
prog('while_loop', '''var i = 0
var total = 0
while i < 10:
  total += i
  i += 1
print(total)
# expect: 45
''')
prog('while_break_continue', '''var i = 0
var odd = 0
while True:
  i += 1
  if i > 9:
    break
  if i % 2 == 0:
    continue
  odd += i
print(odd)
# expect: 25
''')
prog('for_range', '''var s = 0
for i in 0..5:
  s += i
print(s)
# expect: 10
''')
prog('for_range_expr_bound', '''var n = 3
var s = 0
for i in 0..n+1:
  s += i
print(s)
# expect: 6
''')
prog('for_range_parenthesized', '''var a = 1
var s = 0
for i in (a+1)..5:
  s += i
print(s)
# expect: 9
''')
prog('for_empty_range', '''var s = 0
for i in 5..2:
  s += 1
print(s)
# expect: 0
''')
prog('for_list', '''var total = 0
for x in [3, 4, 5]:
  total += x
print(total)
# expect: 12
''')
prog('for_break_continue', '''var found = -1
for i in 0..100:
  if i < 3:
    continue
  if i * i > 50:
    found = i
    break
print(found)
# expect: 8
''')
prog('for_assign_loop_var', '''var count = 0
for i in 0..10:
  i = i + 2
  count += 1
print(count)
# expect: 4
''')
prog('sibling_for_loops', '''var s = 0
for i in 0..3:
  s += i
for i in 0..3:
  s += i
print(s)
# expect: 6
''')
prog('nested_loops', '''var c = 0
for i in 0..4:
  for j in 0..i:
    c += 1
print(c)
# expect: 6
''')
prog('for_range_builtin', '''var s = 0
for x in range(0, 10, 3):
  s += x
print(s, range(2, 5))
# expect: 18 [2, 3, 4]
''')
prog('match_stmt', '''def name(n: int64) -> string:
  var r = "many"
  match n:
    case 0:
      r = "zero"
    case 1:
      r = "one"
    case _:
      r = "many"
  return r
print(name(0), name(1), name(7))
# expect: zero one many
''')
prog('match_strings', '''var s = "b"
match s:
  case "a":
    print("is a")
  case "b":
    print("is b")
# expect: is b
''')
prog('match_as_variable', '''var match = 1
match = 2
print(match)
# expect: 2
''')
prog('functions_recursion', '''def fact(n: int64) -> int64:
  if n <= 1:
    return 1
  return n * fact(n - 1)
print(fact(10))
# expect: 3628800
''')
prog('fib_iterative', '''def fib(n: int64) -> int64:
  var a = 0
  var b = 1
  for i in 0..n:
    var t = a + b
    a = b
    b = t
  return a
print(fib(30))
# expect: 832040
''')
prog('named_args', '''def f(a: int64, b: int64, c: int64) -> int64:
  return a * 100 + b * 10 + c
print(f(1, 2, 3), f(c: 3, a: 1, b: 2), f(1, c: 3, b: 2))
# expect: 123 123 123
''')
prog('default_args', '''def greet(name: string, greeting: string = "hello", times: int64 = 1) -> string:
  var s = ""
  for i in 0..times:
    s = s + greeting + " " + name + ";"
  return s
print(greet("a"), greet("b", "hi"), greet("c", times: 2))
# expect: hello a; hi b; hello c;hello c;
''')
prog('variadic', '''def total(*xs) -> int64:
  var s = 0
  for x in xs:
    s += x
  return s
print(total(), total(1), total(1, 2, 3))
# expect: 0 1 6
''')
prog('void_function', '''def say(x: int64):
  print("say", x)
say(3)
# expect: say 3
''')
prog('return_none_arrow', '''def noop() -> None:
  return
noop()
print("ok")
# expect: ok
''')
prog('untyped_params', '''def add(a, b):
  return a + b
print(add(2, 3), add("x", "y"))
# expect: 5 xy
''')
prog('generics', '''def first[T](xs: list[T]) -> T:
  return xs[0]
var a: int64 = first([5, 6])
var b: string = first(["x", "y"])
print(a, b)
# expect: 5 x
''')
prog('shadow_builtin', '''def len(x) -> int64:
  return 99
print(len([1, 2]))
# expect: 99
''')
prog('lists_basic', '''var xs = [1, 2, 3]
append(xs, 4)
print(xs, len(xs), xs[0], xs[-1])
xs[1] = 20
print(xs)
# expect: [1, 2, 3, 4] 4 1 4
# expect: [1, 20, 3, 4]
''')
prog('list_methods_ufcs', '''var xs = [3, 1, 2]
xs.append(5)
xs.sort()
print(xs, xs.len())
xs.reverse()
print(xs)
# expect: [1, 2, 3, 5] 4
# expect: [5, 3, 2, 1]
''')
prog('list_builtins', '''var xs = [5, 6, 7, 6]
print(count(xs, 6), index(xs, 7), contains(xs, 5), 9 in xs)
insert(xs, 0, 1)
remove(xs, 6)
print(xs)
var p = pop(xs)
print(p, xs)
delete(xs, 0)
print(xs)
clear(xs)
print(xs, len(xs))
# expect: 2 2 true false
# expect: [1, 5, 7, 6]
# expect: 6 [1, 5, 7]
# expect: [5, 7]
# expect: [] 0
''')
prog('list_extend_copy', '''var a = [1, 2]
var b = copy(a)
extend(a, [3])
append(b, 9)
print(a, b)
# expect: [1, 2, 3] [1, 2, 9]
''')
prog('list_alias', '''var a = [1]
var b = a
append(b, 2)
print(a)
# expect: [1, 2]
''')
prog('list_concat_repeat', '''var a = [1, 2] + [3]
var b = [0] * 3
var c = 2 * ["x"]
print(a, b, c)
# expect: [1, 2, 3] [0, 0, 0] ["x", "x"]
''')
prog('list_equality', '''print([1, 2] == [1, 2], [1] == [2], [1] != [2])
# expect: true false true
''')
prog('list_slice', '''var xs = [0, 1, 2, 3, 4, 5]
print(xs[1:3], xs[::2], xs[-2:], xs[::-1])
# expect: [1, 2] [0, 2, 4] [4, 5] [5, 4, 3, 2, 1, 0]
''')
prog('nested_lists', '''var m = [[1, 2], [3, 4]]
m[1][0] = 30
print(m, m[0][1])
# expect: [[1, 2], [30, 4]] 2
''')
prog('empty_list_annotated', '''var xs: list[string] = []
append(xs, "a")
print(xs)
# expect: ["a"]
''')
prog('empty_list_inferred', '''def show(names: list[string]):
  print(names)
var names = []
append(names, "z")
show(names)
# expect: ["z"]
''')
prog('list_mutation_through_param', '''def add_one(xs: list[int64]):
  append(xs, 1)
var v = [0]
add_one(v)
add_one(v)
print(v)
# expect: [0, 1, 1]
''')
prog('comprehension', '''var sq = [x * x for x in range(0, 6)]
var even = [x for x in [1, 2, 3, 4, 5, 6] if x % 2 == 0]
print(sq, even)
# expect: [0, 1, 4, 9, 16, 25] [2, 4, 6]
''')
prog('comprehension_strings', '''var up = [c + c for c in "abc"]
print(up)
# expect: ["aa", "bb", "cc"]
''')
prog('dicts', '''var d = {"a": 1, "b": 2}
d["c"] = 3
print(d["a"], d["c"], "b" in d, "z" in d)
print(d)
# expect: 1 3 true false
# expect: {"a": 1, "b": 2, "c": 3}
''')
prog('dict_missing_key_nil', '''var d = {"a": 1}
print(d["zz"])
# expect: ()
''')
prog('objects', '''object Point:
  x: int64
  y: int64
def norm1(p: Point) -> int64:
  return p.x + p.y
var p = Point(x: 3, y: 4)
p.x = 10
print(p.x, p.y, norm1(p))
# expect: 10 4 14
''')
prog('object_missing_field', '''object P:
  x: int64
  y: int64
var p = P(x: 1)
print(p.y)
# expect: ()
''')
prog('object_inheritance', '''object Base:
  id: int64
object Named(Base):
  name: string
var n = Named(id: 7, name: "seven")
print(n.id, n.name)
# expect: 7 seven
''')
prog('object_default_decl', '''object Bag:
  items: list[int64]
  count: int64
var b: Bag
append(b.items, 5)
print(b.items, b.count)
# expect: [5] ()
''')
prog('enums', '''enum Color:
  Red
  Green = 5
  Blue
var c: Color = Color.Blue
print(Color.Red, Color.Green, c)
# expect: 0 5 6
''')
prog('type_alias', '''type Score = int64
def best(a: Score, b: Score) -> Score:
  if a > b:
    return a
  return b
print(best(3, 9))
# expect: 9
''')
prog('module_main', '''def helper(x: int64) -> int64:
  return x * 2
def main() -> int64:
  print("in main")
  return helper(21)
# expect: in main
# returns: 42
''')
prog('entry_pragma', '''def start() -> int64 {.entry.}:
  return 7
# returns: 7
''')
prog('returns_string', '''def main() -> string:
  return "done"
# returns: "done"
''')
prog('returns_bool', '''def main() -> bool:
  return 3 > 2
# returns: true
''')
prog('returns_list', '''def main() -> list[int64]:
  return [1, 2, 3]
# returns: [1, 2, 3]
''')
prog('returns_u8_plain', '''def main() -> uint8:
  return 7u8
# returns: 7
''')
prog('script_returns_unit', '''print("x")
# expect: x
# returns: ()
''')
prog('globals_in_functions', '''var counter = 0
def bump():
  counter = counter + 1
bump()
bump()
print(counter)
def read() -> int64:
  return counter
print(read())
# expect: 2
# expect: 2
''')
prog('global_list_in_function', '''var log = []
def note(s: string):
  append(log, s)
note("a")
note("b")
print(log)
# expect: ["a", "b"]
''')
prog('weak_inference_u64', '''var x = 0
var big = 5u64
x = big
x = x + 1
print(x)
# expect: 6u64
''')
prog('weak_inference_bool', '''var flag = 1
if flag:
  print("set")
# expect: set
''')
prog('discard_and_pass', '''def f() -> int64:
  return 5
discard f()
pass
print("after")
# expect: after
''')
prog('assert_ok', '''assert 1 + 1 == 2
assert True, "never"
print("fine")
# expect: fine
''')
prog('assert_fails', '''assert 1 == 2, "math broke"
# runtime-error: math broke
''')
prog('overflow_error', '''var x = 9223372036854775807
print(x + 1)
# runtime-error: overflow
''')
prog('div_zero_error', '''var z = 0
print(10 / z)
# runtime-error: zero
''')
prog('index_error', '''var xs = [1]
print(xs[5])
# runtime-error: out of range
''')
prog('compound_assign_index', '''var xs = [1, 2, 3]
xs[0] += 10
xs[2] *= 3
print(xs)
# expect: [11, 2, 9]
''')
prog('compound_assign_field', '''object C:
  n: int64
var c = C(n: 1)
c.n += 5
c.n -= 2
print(c.n)
# expect: 4
''')
prog('multiline_call_trailing_comma', '''def f(a: int64, b: int64) -> int64:
  return a - b
print(f(
  10,
  3,
))
# expect: 7
''')
prog('multiline_list', '''var xs = [
  1,
  2
]
print(xs)
# expect: [1, 2]
''')
prog('crlf_source', 'var a = 1\r\nif a == 1:\r\n  print("crlf ok")\r\n# expect: crlf ok\r\n')
prog('comments_blank_lines', '''# leading comment

var a = 1   # trailing comment

# between

if a == 1:

  # inside the block
  print("ok")
# expect: ok
''')
prog('while_true_return', '''def find(xs: list[int64], v: int64) -> int64:
  var i = 0
  while True:
    if xs[i] == v:
      return i
    i += 1
print(find([4, 5, 6], 6))
# expect: 2
''')
prog('many_variables_spill', '''var a0 = 0
var a1 = 1
var a2 = 2
var a3 = 3
var a4 = 4
var a5 = 5
var a6 = 6
var a7 = 7
var a8 = 8
var a9 = 9
var a10 = 10
var a11 = 11
var a12 = 12
var a13 = 13
var a14 = 14
var a15 = 15
var a16 = 16
var a17 = 17
var a18 = 18
var a19 = 19
print(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 + a12 + a13 + a14 + a15 + a16 + a17 + a18 + a19)
print(a19, a0, a13)
# expect: 190
# expect: 19 0 13
''')
prog('deep_expression', '''var x = ((((1 + 2) * (3 + 4)) - ((5 - 6) * (7 + 8))) + (((9 * 10) - (11 + 12)) * ((13 - 14) + (15 * 16))))
print(x)
# expect: 16049
''')
prog('many_call_args', '''def f(a: int64, b: int64, c: int64, d: int64, e: int64, g: int64, h: int64, i: int64, j: int64, k: int64, l: int64, m: int64, n: int64, o: int64) -> int64:
  return a + b + c + d + e + g + h + i + j + k + l + m + n + o
print(f(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14))
# expect: 105
''')
prog('closures', '''def hello() -> string:
  return "from closure"
var c = create_closure("hello")
var r: string = call_closure(c)
print(r)
# expect: from closure
''')
prog('unicode_strings', '''var s = "héllo"
print(len(s), s[1])
# expect: 5 é
''')
prog('string_escapes', '''print("a\\tb", "q\\"x\\"", "back\\\\slash")
# expect: a	b q"x" back\\slash
''')
prog('string_raw_newline_dropped', 'var s = "ab\ncd"\nprint(s)\n# expect: abcd\n')
prog('float_arith', '''var a = 0.1 + 0.2
print(a, 1.0 / 4.0, 2.0 * 3.0)
# expect: 0.30000000000000004f64 0.25f64 6f64
''')
prog('imports_std_ignored', '''import std.math
print("ok")
# expect: ok
''')
prog('bool_from_literal', '''var b: bool = 1
var c: bool = 0
print(b, c)
# expect: true false
''')
prog('neg_literal_i8', '''var a: int8 = -128
print(a)
# expect: -128i8
''')
prog('sort_strings', '''var xs = ["pear", "apple", "fig"]
sort(xs)
print(xs)
# expect: ["apple", "fig", "pear"]
''')
prog('mpc_without_engine', '''var x = 1
print("before")
# expect: before
''')
prog('closure_upvalue', '''def counter() -> int64:
  var n: int64 = get_upvalue("count")
  set_upvalue("count", n + 1)
  return n + 1
def make(count: int64) -> Closure:
  return create_closure_with_upvalue("counter", "count")
var c = make(10)
var a: int64 = call_closure(c)
var b: int64 = call_closure(c)
print(a, b)
# expect: 11 12
''')
prog('closure_with_arg', '''def plus_one(x: int64) -> int64:
  return x + 1
var c = create_closure("plus_one")
var r: int64 = call_closure_with_arg(c, 41)
print(r)
# expect: 42
''')
prog('spill_nested_calls', '''def add3(a: int64, b: int64, c: int64) -> int64:
  return a + b + c
var v0 = 1
var v1 = 2
var v2 = 3
var v3 = 4
var v4 = 5
var v5 = 6
var v6 = 7
var v7 = 8
var v8 = 9
var v9 = 10
var v10 = 11
var v11 = 12
var v12 = 13
var r = add3(add3(v0, v1, v2), add3(v3 * v4, v5 - v6, add3(v7, v8, v9)), add3(v10, v11 + v12, (v0 + v1) * (v2 + v3)))
print(r, [v12, v11, v0], v12)
# expect: 109 [13, 12, 1] 13
''')
prog('spill_in_function', '''def many(x: int64) -> int64:
  var a = x + 1
  var b = a + 1
  var c = b + 1
  var d = c + 1
  var e = d + 1
  var f = e + 1
  var g = f + 1
  var h = g + 1
  var i = h + 1
  var j = i + 1
  var k = j + 1
  var l = k + 1
  var m = l + 1
  var n = m + 1
  var o = n + 1
  for t in 0..3:
    o = o + t
  return a + b + c + d + e + f + g + h + i + j + k + l + m + n + o + x
print(many(0), many(10))
# expect: 123 283
''')
prog('folding_keeps_overflow', '''print("start")
print(9223372036854775807 + 1)
# expect: start
# runtime-error: overflow
''')
prog('folding_literals', '''var a: uint8 = 200 + 55
var b = (7 - 10) * 3 / 2
var c: int16 = 300 * 100
print(a, b, c, 17 % 5, -17 % 5)
# expect: 255u8 -4 30000i16 2 -2
''')
prog('unroll_body_vars', '''var out = []
for i in 0..6:
  var sq = i * i
  var label = f"v{sq}"
  append(out, label)
for j in 0..3:
  for k in 0..2:
    var p = j * 10 + k
    append(out, to_string(p))
print(out)
# expect: ["v0", "v1", "v4", "v9", "v16", "v25", "0", "1", "10", "11", "20", "21"]
''')
prog('unroll_not_when_loopvar_assigned', '''var seen = []
for i in 0..6:
  append(seen, i)
  i = i + 1
print(seen)
# expect: [0, 2, 4]
''')

# ---- -O passes (opt_dce.c, opt_licm.c, opt_cse.c): the IR shows the pass, results equal -O0
prog('opt_licm_hoists', '''def scale(xs: list[int64], a: int64, b: int64, f: float) -> float:
  var total = 0.0
  for i in 0..len(xs):
    var w = (a * b + 1) * xs[i]
    if xs[i] > 1:
      total = total + f * 2.5
    total = total + w
  return total
print(scale([1, 2, 3], 4, 5, 0.5))
print(scale([], 4, 5, 0.5))
# expect: 128.5f64
# expect: 0f64
# ir-text: 2 (hoisted
# ir-text: 2 (let __opt_0 (+ (* a b):int64 1:int64):int64)
# ir-text: 2 (= total (+ total (* f 2.5:float64):float64):float64)
# ir-text: 0 !(hoisted
''')
prog('opt_licm_zero_trips', '''def f(n: int64, big: int64) -> int64:
  var t = 0
  for i in 0..n:
    t = t + big * big
  return t
print(f(0, 9223372036854775807))
print(f(2, 3))
# expect: 0
# expect: 18
# ir-text: 2 (hoisted
''')
prog('opt_licm_keeps_error_order', '''def g(n: int64, big: int64) -> int64:
  var t = 0
  for i in 0..n:
    print("iteration", i)
    t = t + big * big
  return t
print(g(2, 9223372036854775807))
# expect: iteration 0
# runtime-error: overflow
# ir-text: 2 !(hoisted
''')
prog('opt_licm_while_nested', '''var k = 0
var acc = 0.0
var scale = 1.5
var grid = []
while k < 4:
  acc = acc + scale * 2.0
  for j in 0..3:
    append(grid, k * 10 + j + len(grid) * 0)
  k += 1
print(acc, len(grid), grid[11])
# expect: 12f64 12 32
# ir-text: 2 (hoisted
''')
prog('opt_cse_clear', '''def poly(x: int64, y: int64) -> int64:
  var a = (x * y + 3) * 2
  var b = (x * y + 3) * 5
  return a + b + x * y
def after_write(x: int64) -> int64:
  var a = x * x
  x = x + 1
  var b = x * x
  return a + b
print(poly(4, 5), after_write(3))
# expect: 181 25
# ir-count: 0 MUL 7
# ir-count: 2 MUL 5
# ir-text: 2 (let __opt_1 (+ (let __opt_0 (* x y):int64):int64 3:int64):int64)
''')
prog('opt_dce_clear', '''def f(x: int64) -> int64:
  var unused = x * 1000.5
  var kept = x * 1000
  var also = 2.5 * 4.0
  if False:
    print("never")
  discard x + 0.5
  pass
  return x + 1
def g(xs: list[int64]) -> int64:
  var dead = xs[1]
  return len(xs)
print(f(41), g([1, 2]))
# expect: 42 2
# ir-count: 0 MUL 3
# ir-count: 2 MUL 1
# ir-count: 0 CALL 9
# ir-count: 2 CALL 8
# ir-text: 2 (index xs 1:int64):int64
''')
prog('opt_dce_keeps_errors', '''def g(xs: list[int64]) -> int64:
  var dead = xs[5]
  return 1
print(g([1, 2]))
# runtime-error: out of range
''')
