# Positive secret programs: run on the simulated MPC engine with n=3 (t=1) and n=5 (t=2).
P = {}
HEAVY = ['secret_compare', 'secret_compare_clear', 'secret_compare_equal_values', 'secret_div_rem', 'secret_div_negative', 'secret_div_clear', 'secret_bool_from_compare_sum', 'secret_max_function', 'secret_select']

def prog(name, src):
    if name not in HEAVY:  # the protocol-heavy ones live in secret_protocols.py
        P[name] = '# secret\n' + src

prog('secret_add_sub', '''var a: secret int64 = 5
var b: secret int64 = 7
print((a + b).reveal(), (b - a).reveal(), (a - b).reveal())
# expect: 12 2 -2
''')
prog('secret_mul', '''var a: secret int64 = 6
var b: secret int64 = 7
var c = a * b
print(reveal(c))
# expect: 42
''')
prog('secret_mixed_clear', '''var a: secret int64 = 10
var k = 3
print((a * k).reveal(), (a + 1).reveal(), (100 - a).reveal(), (-a).reveal())
# expect: 30 11 90 -10
''')
prog('client_inputs_sum', '''# client: 0=40
# client: 1=2
var x: secret int64 = ClientStore.take_share(0, 0)
var y: secret int64 = ClientStore.take_share(1, 0)
print((x + y).reveal())
# expect: 42
''')
prog('client_inputs_loop', '''# client: 0=3
# client: 1=4
# client: 2=5
var total = 0
for i in 0..3:
  total = total + ClientStore.take_share(i, 0)
print(total.reveal())
# expect: 12
''')
prog('client_multiple_inputs', '''# client: 0=2,3,4
var acc: secret int64 = 1
for k in 0..3:
  var v: secret int64 = ClientStore.take_share(0, k)
  acc = acc * v
print(acc.reveal())
# expect: 24
''')
prog('secret_compare', '''var a: secret int64 = 5
var b: secret int64 = 9
print((a < b).reveal(), (a <= b).reveal(), (a > b).reveal(), (a >= b).reveal(), (a == b).reveal(), (a != b).reveal())
# expect: true true false false false true
''')
prog('secret_compare_clear', '''var a: secret int64 = -3
print((a < 0).reveal(), (a == -3).reveal(), (10 > a).reveal())
# expect: true true true
''')
prog('secret_compare_equal_values', '''var a: secret int64 = 4
var b: secret int64 = 4
print((a < b).reveal(), (a <= b).reveal(), (a == b).reveal())
# expect: false true true
''')
prog('secret_div_rem', '''var a: secret int64 = 17
var b: secret int64 = 5
print((a / b).reveal(), (a % b).reveal())
# expect: 3 2
''')
prog('secret_div_negative', '''var a: secret int64 = -17
var b: secret int64 = 5
print((a / b).reveal(), (a % b).reveal(), (a mod b).reveal())
# expect: -3 -2 3
''')
prog('secret_div_clear', '''var a: secret int64 = 100
print((a / 7).reveal())
# expect: 14
''')
prog('secret_bool_logic', '''var t: secret bool = True
var f: secret bool = False
print((t and f).reveal(), (t or f).reveal(), (t xor f).reveal(), (not f).reveal())
# expect: false true true true
''')
prog('secret_select', '''var x: secret int64 = 11
var y: secret int64 = 22
var c = x < y
var m = c * x + (1 - c) * y
print(m.reveal())
# expect: 11
''')
prog('secret_max_function', '''def smax(a: secret int64, b: secret int64) -> secret int64:
  var c = a > b
  return c * a + (1 - c) * b
print(smax(3, 8).reveal(), smax(9, 2).reveal())
# expect: 8 9
''')
prog('secret_params_return', '''def affine(x: secret int64, k: int64) -> secret int64:
  return x * k + 1
var s: secret int64 = 4
print(affine(s, 5).reveal())
# expect: 21
''')
prog('secret_list', '''var xs: list[secret int64] = [1, 2, 3, 4]
var total: secret int64 = 0
for x in xs:
  total = total + x
print(total.reveal())
# expect: 10
''')
prog('secret_inferred_accumulator', '''var sum = 0
for i in 0..4:
  var s: secret int64 = i
  sum = sum + s * s
print(sum.reveal())
# expect: 14
''')
prog('secret_global_in_function', '''var acc: secret int64 = 0
def add(v: int64):
  acc = acc + v
add(5)
add(6)
print(acc.reveal())
# expect: 11
''')
prog('secret_object_field', '''object Account:
  owner: string
  balance: secret int64
var a = Account(owner: "x", balance: 50)
var b: secret int64 = a.balance
print((b + 1).reveal())
# expect: 51
''')
prog('share_builtins', '''var a: secret int64 = Share.from_clear_int(20, 64)
var b: secret int64 = Share.from_clear(22)
var c: secret int64 = Share.add(a, b)
var d: secret int64 = c.mul_scalar(2)
print(Share.open(c), d.open())
# expect: 42 84
''')
prog('share_random', '''var r: secret int64 = Share.random()
var z = r - r
print(z.reveal())
# expect: 0
''')
prog('mpc_info', '''print(Mpc.n_parties() >= 3, Mpc.threshold() >= 1)
# expect: true true
''')
prog('secret_uint8', '''var a: secret uint8 = 200
var b: secret uint8 = 55
print((a + b).reveal())
# expect: 255u8
''')
prog('secret_bool_from_compare_sum', '''var xs: list[secret int64] = [5, 1, 9, 3, 7]
var count: secret int64 = 0
for x in xs:
  count = count + (x > 4)
print(count.reveal())
# expect: 3
''')
prog('secret_fixed', '''var a: secret fix64 = 1.5
var b: secret fix64 = 2.25
print((a + b).reveal(), (a * 2).reveal())
# expect: 3.75f64 3f64
''')
prog('secret_fixed_div_const', '''var a: secret fix64 = 7.5
var q = (a / 2.5).reveal()
# probabilistic truncation: exact up to the last fractional bits
print(q > 2.999 and q < 3.001)
# expect: true
''')
prog('client_output', '''# client: 0=20
# client-output: 0=21
var x: secret int64 = ClientStore.take_share(0, 0)
var y = x + 1
MpcOutput.send_to_client(0, y)
print("sent")
# expect: sent
''')
prog('many_reveals', '''# fewer-rounds-at: 2
# ir-text: 2 Share.batch_mul
var xs: list[secret int64] = [1, 2, 3, 4, 5, 6, 7, 8]
var out = []
for x in xs:
  append(out, (x * x).reveal())
print(out)
# expect: [1, 4, 9, 16, 25, 36, 49, 64]
''')
prog('independent_muls', '''var a: secret int64 = 2
var b: secret int64 = 3
var c: secret int64 = 4
var d: secret int64 = 5
var p = a * b
var q = c * d
var r = a * d
print(p.reveal(), q.reveal(), r.reveal())
# expect: 6 20 10
''')
prog('module_main_secret', '''def main() -> int64:
  var a: secret int64 = 20
  var b: secret int64 = 22
  return (a + b).reveal()
# returns: 42
''')
prog('reveal_in_branch', '''var s: secret int64 = 7
var v = s.reveal()
if v > 5:
  print("big")
else:
  print("small")
# expect: big
''')
prog('secret_spills', '''var s0: secret int64 = 0
var s1: secret int64 = 1
var s2: secret int64 = 2
var s3: secret int64 = 3
var s4: secret int64 = 4
var s5: secret int64 = 5
var s6: secret int64 = 6
var s7: secret int64 = 7
var s8: secret int64 = 8
var s9: secret int64 = 9
var s10: secret int64 = 10
var s11: secret int64 = 11
var s12: secret int64 = 12
var s13: secret int64 = 13
var s14: secret int64 = 14
var s15: secret int64 = 15
var s16: secret int64 = 16
var total = s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7 + s8 + s9 + s10 + s11 + s12 + s13 + s14 + s15 + s16
var prod = (s15 * s16) + (s14 * s13)
print(total.reveal(), prod.reveal(), s16.reveal(), (s0 - s16).reveal())
# expect: 136 422 16 -16
''')
prog('secret_many_params', '''def mix(a: secret int64, b: int64, c: secret int64, d: int64, e: secret int64, f: int64, g: secret int64, h: int64, i: secret int64, j: int64, k: secret int64, l: int64, m: secret int64, n: int64) -> secret int64:
  return a + b + c + d + e + f + g + h + i + j + k + l + m + n
print(mix(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14).reveal())
# expect: 105
''')
prog('opt_inline_rounds', '''# fewer-rounds-at: 3
def sq(x: secret int64) -> secret int64:
  return x * x
var a: secret int64 = 3
var b: secret int64 = 4
var c = sq(a) + sq(b)
print(c.reveal())
# expect: 25
''')
prog('opt_reveal_batching_rounds', '''# independent reveals in one round (-O1 and up; the VM may batch Share.open at -O0 as well)
var a: secret int64 = 3
var b: secret int64 = 4
var c: secret int64 = 5
print(a.reveal(), b.reveal(), c.reveal())
# expect: 3 4 5
''')
prog('opt_unrolled_inline_rounds', '''# fewer-rounds-at: 3
def cube(x: secret int64) -> secret int64:
  return x * x * x
var total: secret int64 = 0
var xs: list[secret int64] = [1, 2, 3]
var p = cube(xs[0]) + cube(xs[1]) + cube(xs[2])
print(p.reveal())
# expect: 36
''')
prog('opt_schedule_products', '''# fewer-rounds-at: 3
var a: secret int64 = 2
var b: secret int64 = 3
var c: secret int64 = 4
var d: secret int64 = 5
var e: secret int64 = 6
var f: secret int64 = 7
var s = a * b + c * d + e * f - 1
print(s.reveal())
# expect: 67
''')
prog('opt_schedule_cubes', '''# fewer-rounds-at: 3
var x: secret int64 = 3
var y: secret int64 = -2
var z = x * x * x + y * y * y + 5 * x
print(z.reveal())
# expect: 34
''')
prog('opt_schedule_mixed', '''var x: secret int64 = 3
var k = 4
var q = (x + k) * (x - 1) * 2 + (x * k - x) * x
print(q.reveal())
# expect: 55
''')

# ---- -O passes on secret values: fewer triples and rounds, same results
prog('opt_cse_secret', '''# fewer-rounds-at: 2
var a: secret int64 = 3
var b: secret int64 = 4
var p = a * b + 1
var q = a * b + 2
print(p.reveal(), q.reveal())
# expect: 13 14
# ir-count: 0 MUL 2
# ir-count: 2 MUL 1
''')
prog('opt_licm_secret', '''# fewer-rounds-at: 2
def acc(n: int64, a: secret int64, b: secret int64) -> secret int64:
  var t: secret int64 = 0
  for i in 0..n:
    t = t + a * b + i
  return t
var a: secret int64 = 3
var b: secret int64 = 4
print(acc(0, a, b).reveal(), acc(4, a, b).reveal())
# expect: 0 54
# ir-text: 2 (hoisted
''')
prog('opt_dce_secret', '''# fewer-rounds-at: 2
def f(a: secret int64, b: secret int64) -> secret int64:
  var wasted = a * b
  var also = wasted * a
  return a + b
var x: secret int64 = 5
var y: secret int64 = 6
print(f(x, y).reveal())
# expect: 11
# ir-count: 0 MUL 2
# ir-count: 2 MUL 0
''')
prog('opt_reveal_loop_range', '''# fewer-rounds-at: 2
var xs: list[secret int64] = [5, 6, 7, 8]
var k: secret int64 = 10
var out = [1]
for i in 0..len(xs):
  append(out, (xs[i] + k).reveal())
print(out)
# expect: [1, 15, 16, 17, 18]
# ir-text: 2 (call Share.batch_open
# ir-text: 0 !Share.batch_open
''')
prog('opt_reveal_loop_literal', '''# fewer-rounds-at: 2
def squares(xs: list[secret int64]) -> list[int64]:
  var out: list[int64] = []
  for i in 0..3:
    out.append((xs[i] * xs[i + 1]).reveal())
  return out
var xs: list[secret int64] = [2, 3, 4, 5]
print(squares(xs))
var none: list[int64] = []
for i in 0..0:
  append(none, (xs[i] * xs[i]).reveal())
print(none)
# expect: [6, 12, 20]
# expect: []
# ir-text: 3 Share.batch_mul
''')
prog('opt_reveal_loop_dependent', '''var xs: list[secret int64] = [1, 2, 3, 4]
var acc: secret int64 = 0
var sums = []
for x in xs:
  acc = acc + x
  append(sums, acc.reveal())
print(sums)
# expect: [1, 3, 6, 10]
# ir-text: 2 !Share.batch_open
''')
prog('opt_reveal_loop_locals', '''# fewer-rounds-at: 2
var xs: list[secret int64] = [1, 2, 3]
var k: secret int64 = 2
var out = []
for x in xs:
  var y = x + k
  var z = y * 3
  out.append((y * z).reveal())
print(out)
# expect: [27, 48, 75]
# ir-text: 2 Share.batch_mul
''')
