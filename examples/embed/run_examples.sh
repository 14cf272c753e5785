#!/usr/bin/env bash
# Builds and runs the embedding examples the way a user would: install the libraries into a
# temporary root, compile host.c with nothing but `pkg-config --cflags --libs stoffelvm`, run it,
# then run host.py against the installed libstoffelvm.so with ctypes.
#
# usage: run_examples.sh BUILD_ROOT [EXTRA_CFLAGS...]
set -euo pipefail
build=$1
shift
extra_cflags=("$@")
here=$(cd "$(dirname "$0")" && pwd)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
meson install -C "$build" --destdir "$root" --no-rebuild --quiet >/dev/null
pcdir=$(dirname "$(find "$root" -name stoffelvm.pc | head -1)")
libdir=$(dirname "$pcdir")
export PKG_CONFIG_PATH=$pcdir
export PKG_CONFIG_SYSROOT_DIR=$root
cc=${CC:-cc}

# shellcheck disable=SC2046
$cc "${extra_cflags[@]}" -o "$work/host" "$here/host.c" $(pkg-config --cflags --libs stoffelvm)
out=$(LD_LIBRARY_PATH=$libdir "$work/host")
echo "$out"
[ "$out" = "Program returned: 35" ] || { echo "host.c printed the wrong result"; exit 1; }

LD_LIBRARY_PATH=$libdir python3 "$here/host.py" "$libdir/libstoffelvm.so"
echo "embed examples: ok"
