# Secret programs that run the comparison and division protocols (their own suite: slower).
P = {}
P['secret_compare'] = '# secret\nvar a: secret int64 = 5\nvar b: secret int64 = 9\nprint((a < b).reveal(), (a <= b).reveal(), (a > b).reveal(), (a >= b).reveal(), (a == b).reveal(), (a != b).reveal())\n# expect: true true false false false true\n'
P['secret_compare_clear'] = '# secret\nvar a: secret int64 = -3\nprint((a < 0).reveal(), (a == -3).reveal(), (10 > a).reveal())\n# expect: true true true\n'
P['secret_compare_equal_values'] = '# secret\nvar a: secret int64 = 4\nvar b: secret int64 = 4\nprint((a < b).reveal(), (a <= b).reveal(), (a == b).reveal())\n# expect: false true true\n'
P['secret_div_rem'] = '# secret\nvar a: secret int64 = 17\nvar b: secret int64 = 5\nprint((a / b).reveal(), (a % b).reveal())\n# expect: 3 2\n'
P['secret_div_negative'] = '# secret\nvar a: secret int64 = -17\nvar b: secret int64 = 5\nprint((a / b).reveal(), (a % b).reveal(), (a mod b).reveal())\n# expect: -3 -2 3\n'
P['secret_div_clear'] = '# secret\nvar a: secret int64 = 100\nprint((a / 7).reveal())\n# expect: 14\n'
P['secret_select'] = '# secret\nvar x: secret int64 = 11\nvar y: secret int64 = 22\nvar c = x < y\nvar m = c * x + (1 - c) * y\nprint(m.reveal())\n# expect: 11\n'
P['secret_max_function'] = '# secret\ndef smax(a: secret int64, b: secret int64) -> secret int64:\n  var c = a > b\n  return c * a + (1 - c) * b\nprint(smax(3, 8).reveal(), smax(9, 2).reveal())\n# expect: 8 9\n'
P['secret_bool_from_compare_sum'] = '# secret\nvar xs: list[secret int64] = [5, 1, 9, 3, 7]\nvar count: secret int64 = 0\nfor x in xs:\n  count = count + (x > 4)\nprint(count.reveal())\n# expect: 3\n'
