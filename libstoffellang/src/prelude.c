/*
 * prelude.c - the standard prelude: every builtin visible to programs (language.md section 6),
 * written as StoffelLang `{.builtin.}` declarations and parsed by our own parser, so each builtin's
 * signature is stated once, in the language itself. Also turns a parsed `def` into a func_sym.
 */
#include <string.h>

#include "check.h"

const char stoffel_lang_prelude[] =
    "builtin opaque Closure\n"
    "builtin opaque Object\n"
    "builtin opaque RbcResult\n"
    "builtin opaque AvssShare\n"
    "def print(*values) {.builtin.}\n"
    "def to_string(x) -> string {.builtin.}\n"
    "def type(x) -> string {.builtin.}\n"
    "def assert(cond: bool, msg: string = \"assertion failed\") {.builtin.}\n"
    "def append(xs, v) {.builtin.}\n"
    "def extend(xs, ys) {.builtin.}\n"
    "def copy[T](xs: T) -> T {.builtin.}\n"
    "def count(xs, v) -> int64 {.builtin.}\n"
    "def index(xs, v, start: int64 = 0, stop: int64 = 0) -> int64 {.builtin.}\n"
    "def pop(xs, i: int64 = 0) {.builtin.}\n"
    "def remove(xs, v) {.builtin.}\n"
    "def insert(xs, i: int64, v) {.builtin.}\n"
    "def clear(xs) {.builtin.}\n"
    "def reverse(xs) {.builtin.}\n"
    "def sort(xs) {.builtin.}\n"
    "def delete(xs, i: int64) {.builtin.}\n"
    "def len(xs) -> int64 {.builtin.}\n"
    "def range(start: int64, stop: int64, step: int64 = 1) -> list[int64] {.builtin.}\n"
    "def slice(x, start: int64, stop: int64, step: int64 = 1) {.builtin.}\n"
    "def contains(c, v) -> bool {.builtin.}\n"
    "def create_closure(fn_name: string) -> Closure {.builtin.}\n"
    "def create_closure_with_upvalue(fn_name: string, upvalue_name: string) -> Closure {.builtin: \"create_closure\".}\n"
    "def call_closure[T](c: Closure) -> T {.builtin.}\n"
    "def call_closure_with_arg[T, U](c: Closure, v: T) -> U {.builtin: \"call_closure\".}\n"
    "def get_upvalue[T](name: string) -> T {.builtin.}\n"
    "def set_upvalue[T](name: string, v: T) {.builtin.}\n"
    "def reveal[T](value: secret T) -> T {.builtin: \"Share.open\".}\n"
    "builtin object Share:\n"
    "  def from_clear(v: int64) -> Share {.builtin.}\n"
    "  def from_clear_int(v: int64, bit_length: int64) -> Share {.builtin.}\n"
    "  def from_clear_uint(v: uint64, bit_length: int64) -> Share {.builtin.}\n"
    "  def from_clear_fixed(v: fix64, total_bits: int64, frac_bits: int64) -> Share {.builtin.}\n"
    "  def add(a: Share, b: Share) -> Share {.builtin.}\n"
    "  def sub(a: Share, b: Share) -> Share {.builtin.}\n"
    "  def neg(s: Share) -> Share {.builtin.}\n"
    "  def add_scalar(s: Share, k: int64) -> Share {.builtin.}\n"
    "  def mul_scalar[T](s: Share, k: T) -> Share {.builtin.}\n"
    "  def mul(a: Share, b: Share) -> Share {.builtin.}\n"
    "  def batch_mul(a: list[Share], b: list[Share]) -> list[Share] {.builtin.}\n"
    "  def batch_lt(a: list[Share], b: list[Share]) -> list[secret bool] {.builtin.}\n"
    "  def open(s: Share) -> int64 {.builtin.}\n"
    "  def reveal[T](s: secret T) -> T {.builtin: \"Share.open\".}\n"
    "  def open_fixed(s: Share) -> fix64 {.builtin: \"Share.open\".}\n"
    "  def send_to_client(s: Share, client_id: int64) -> bool {.builtin.}\n"
    "  def interpolate_local(xs: list[Share]) -> int64 {.builtin.}\n"
    "  def get_type(s: Share) -> string {.builtin.}\n"
    "  def get_party_id(s: Share) -> int64 {.builtin.}\n"
    "  def batch_open(xs: list[Share]) -> list[Object] {.builtin.}\n"
    "  def batch_open_fixed[T](xs: list[Share]) -> list[T] {.builtin: \"Share.batch_open\".}\n"
    "  def open_exp(s: Share, curve: string) -> bytes {.builtin.}\n"
    "  def random() -> Share {.builtin.}\n"
    "  def random_field() -> Share {.builtin.}\n"
    "  def random_int(bits: int64) -> Share {.builtin.}\n"
    "  def get_commitment(s: Share, i: int64) -> bytes {.builtin.}\n"
    "  def commitment_count(s: Share) -> int64 {.builtin.}\n"
    "  def has_commitments(s: Share) -> bool {.builtin.}\n"
    "  def mul_field(s: Share, b: bytes) -> Share {.builtin.}\n"
    "  def add_field(s: Share, b: bytes) -> Share {.builtin.}\n"
    "  def retag(s: Share, bits: int64) -> Share {.builtin.}\n"
    "  def open_field(s: Share) -> bytes {.builtin.}\n"
    "  def open_exp_custom(s: Share, generator: bytes) -> bytes {.builtin.}\n"
    "builtin object ClientStore:\n"
    "  def take_share(client_id: int64, share_id: int64) -> Share {.builtin.}\n"
    "  def take_share_bool(client_id: int64, share_id: int64) -> Share {.builtin.}\n"
    "  def take_share_fixed(client_id: int64, share_id: int64) -> Share {.builtin.}\n"
    "  def get_number_clients() -> int64 {.builtin.}\n"
    "  def get_number_input_clients() -> int64 {.builtin.}\n"
    "  def get_number_output_clients() -> int64 {.builtin.}\n"
    "builtin object MpcOutput:\n"
    "  def send_to_client[T](client_id: int64, value: T) -> bool {.builtin.}\n"
    "builtin object Field:\n"
    "  def from_int(v: int64) -> bytes {.builtin.}\n"
    "  def zero() -> bytes {.builtin.}\n"
    "  def one() -> bytes {.builtin.}\n"
    "  def is_zero(a: bytes) -> bool {.builtin.}\n"
    "  def eq(a: bytes, b: bytes) -> bool {.builtin.}\n"
    "  def add(a: bytes, b: bytes) -> bytes {.builtin.}\n"
    "  def sub(a: bytes, b: bytes) -> bytes {.builtin.}\n"
    "  def mul(a: bytes, b: bytes) -> bytes {.builtin.}\n"
    "  def neg(a: bytes) -> bytes {.builtin.}\n"
    "  def inverse(a: bytes) -> bytes {.builtin.}\n"
    "  def sqrt(a: bytes) -> bytes {.builtin.}\n"
    "builtin object Mpc:\n"
    "  def party_id() -> int64 {.builtin.}\n"
    "  def n_parties() -> int64 {.builtin.}\n"
    "  def threshold() -> int64 {.builtin.}\n"
    "  def is_ready() -> bool {.builtin.}\n"
    "  def instance_id() -> uint64 {.builtin.}\n"
    "  def protocol_name() -> string {.builtin.}\n"
    "  def curve() -> string {.builtin.}\n"
    "  def field() -> string {.builtin.}\n"
    "  def has_capability(name: string) -> bool {.builtin.}\n"
    "  def capabilities() -> list[string] {.builtin.}\n"
    "  def rand() -> bytes {.builtin.}\n"
    "  def rand_int(bits: int64) -> uint64 {.builtin.}\n"
    "builtin object Rbc:\n"
    "  def broadcast(msg: string) -> int64 {.builtin.}\n"
    "  def receive(from_party: int64, timeout_ms: int64) -> string {.builtin.}\n"
    "  def receive_any(timeout_ms: int64) -> RbcResult {.builtin.}\n"
    "builtin object Bytes:\n"
    "  def concat(a: bytes, b: bytes) -> bytes {.builtin.}\n"
    "  def from_string(s: string) -> bytes {.builtin.}\n"
    "builtin object Crypto:\n"
    "  def sha256(b: bytes) -> bytes {.builtin.}\n"
    "  def sha512(b: bytes) -> bytes {.builtin.}\n"
    "  def hash_to_field(b: bytes, curve: string) -> bytes {.builtin.}\n"
    "  def field_inv(b: bytes, curve: string) -> bytes {.builtin.}\n"
    "  def point_x_to_field(b: bytes, curve: string) -> bytes {.builtin.}\n"
    "  def field_to_scalar_bytes(b: bytes, curve: string) -> bytes {.builtin.}\n"
    "  def point_to_sec1(b: bytes, curve: string) -> bytes {.builtin.}\n"
    "  def hash_to_g1(b: bytes) -> bytes {.builtin.}\n"
    "builtin object Avss:\n"
    "  def get_commitment(share: AvssShare, i: int64) -> bytes {.builtin.}\n"
    "  def get_key_name(share: AvssShare) -> string {.builtin.}\n"
    "  def commitment_count(share: AvssShare) -> int64 {.builtin.}\n"
    "  def is_avss_share[T](v: T) -> bool {.builtin.}\n"
    "builtin object LocalStorage:\n"
    "  def store[T](key: string, v: T) -> bool {.builtin.}\n"
    "  def load[T](key: string) -> T {.builtin.}\n"
    "  def load_share(key: string) -> Share {.builtin: \"LocalStorage.load\".}\n"
    "  def retrieve[T](key: string) -> T {.builtin.}\n"
    "  def delete(key: string) -> bool {.builtin.}\n"
    "  def exists(key: string) -> bool {.builtin.}\n";

static const char *pragma_string(struct stmt *s, const char *name, bool *present)
{
    for (size_t i = 0; i < s->pragma_count; i++)
        if (strcmp(s->pragmas[i].name, name) == 0) {
            *present = true;
            struct expr *v = s->pragmas[i].value;
            return v && v->kind == E_STRING ? v->sval : NULL;
        }
    *present = false;
    return NULL;
}

/* Builds the symbol of a `def` (user or builtin) and enters it under its name (qualified as
 * "Obj.name" inside a builtin object). */
void declare_function(struct checker *ch, struct stmt *s, const char *qualifier, bool builtin)
{
    struct arena *a = &ch->cx->arena;
    struct func_sym *f = arena_alloc(a, sizeof *f);
    bool is_builtin = false;
    const char *vm = pragma_string(s, "builtin", &is_builtin);
    f->builtin = builtin || is_builtin;
    f->name = qualifier ? arena_printf(a, "%s.%s", qualifier, s->name) : s->name;
    f->vm_name = vm ? vm : f->name;
    f->decl = s;
    f->module = ch->module;
    f->generics = s->generics;
    f->ngenerics = s->generic_count;
    f->nparams = s->param_count;
    f->param_names = arena_alloc(a, (s->param_count + 1) * sizeof(char *));
    f->param_types = arena_alloc(a, (s->param_count + 1) * sizeof(struct type *));
    f->param_defaults = arena_alloc(a, (s->param_count + 1) * sizeof(struct expr *));
    f->named_args_ok = !f->builtin;
    bool seen_default = false;
    ch->cur_generics = s->generics;
    ch->cur_generic_count = s->generic_count;
    for (size_t i = 0; i < s->param_count; i++) {
        struct param *p = &s->params[i];
        f->param_names[i] = p->name;
        f->param_types[i] = p->type ? ty_resolve(ch, p->type) : ch->t_unknown;
        f->param_defaults[i] = p->def;
        if (p->variadic) {
            if (i + 1 != s->param_count)
                check_error(ch, "E201", p->line, p->col, "move the variadic parameter to the end",
                            "Variadic parameter '%s' must be the last parameter", p->name);
            if (p->def)
                check_error(ch, "E201", p->line, p->col, NULL, "Variadic parameter '%s' cannot have a default", p->name);
            f->variadic = true;
        }
        if (p->def) {
            seen_default = true;
            struct expr *d = p->def;
            if (d->kind == E_UNARY && d->op == OP_NEG && (d->a->kind == E_INT || d->a->kind == E_FLOAT))
                d = d->a;
            if (d->kind != E_INT && d->kind != E_FLOAT && d->kind != E_STRING && d->kind != E_BOOL && d->kind != E_NONE)
                check_error(ch, "E201", p->line, p->col, "use a literal such as 0, \"x\" or True",
                            "Default value of parameter '%s' must be a literal", p->name);
        } else if (seen_default && !p->variadic) {
            check_error(ch, "E201", p->line, p->col, "give it a default or move it before the defaulted ones",
                        "Parameter '%s' without a default follows a parameter with a default", p->name);
        }
    }
    f->ret = s->ret ? ty_resolve(ch, s->ret) : ch->t_void;
    ch->cur_generics = NULL;
    ch->cur_generic_count = 0;
    if (f->ret->kind == TY_NONE)
        f->ret = ch->t_void;
    if (qualifier && strcmp(qualifier, "Share") == 0 && s->param_count > 0 &&
        (f->param_types[0]->kind == TY_SHARE || f->param_types[0]->secret))
        f->receiver_bound = true;
    if (f->builtin && s->param_count > 0 && s->params[0].type && s->params[0].type->secret)
        f->first_secret = true;
    strmap_put(a, &ch->funcs, f->name, f);
    s->func = f;
}
