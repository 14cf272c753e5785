#!/usr/bin/env bash
# Install test: `meson install --destdir` into a temporary root, then build a consumer program
# outside the tree with nothing but `pkg-config --cflags --libs stoffelvm stoffelmpc`: once against
# the shared libraries, once with `pkg-config --static` against the .a files alone.
#
# usage: install_test.sh BUILD_ROOT CONSUMER_SOURCE [EXTRA_CFLAGS...]
# EXTRA_CFLAGS carries the sanitizer flags when the build under test is instrumented.
set -euo pipefail
build=$1
consumer=$2
shift 2
extra_cflags=("$@")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root

meson install -C "$build" --destdir "$root" --no-rebuild --quiet >/dev/null

pcdir=$(dirname "$(find "$root" -name stoffelvm.pc | head -1)")
libdir=$(dirname "$pcdir")
[ -f "$pcdir/stoffelmpc.pc" ] || { echo "stoffelmpc.pc was not installed"; exit 1; }
for lib in net mpc vm lang; do
  [ -f "$pcdir/stoffel$lib.pc" ] || { echo "stoffel$lib.pc was not installed"; exit 1; }
done
# pkg-config resolves -I/-L below the destdir root; system packages (gnutls, ...) stay where they are.
export PKG_CONFIG_PATH=$pcdir
export PKG_CONFIG_SYSROOT_DIR=$root
cc=${CC:-cc}

echo "shared: $(pkg-config --cflags --libs stoffelvm stoffelmpc)"
# shellcheck disable=SC2046
$cc "${extra_cflags[@]}" -o "$work/consumer_shared" "$consumer" $(pkg-config --cflags --libs stoffelvm stoffelmpc)
LD_LIBRARY_PATH=$libdir "$work/consumer_shared"
# ldd's output goes to a file first: `ldd | grep -q` under pipefail races on SIGPIPE.
LD_LIBRARY_PATH=$libdir ldd "$work/consumer_shared" >"$work/ldd_shared"
if ! grep -q libstoffelvm.so "$work/ldd_shared"; then
  echo "the shared consumer is not linked against libstoffelvm.so"; exit 1
fi

# Static: hide the .so files so that -lstoffel* can only resolve to the .a archives.
mkdir "$work/hidden"
mv "$libdir"/libstoffel*.so* "$work/hidden/"
echo "static: $(pkg-config --static --cflags --libs stoffelvm stoffelmpc)"
# shellcheck disable=SC2046
$cc "${extra_cflags[@]}" -o "$work/consumer_static" "$consumer" $(pkg-config --static --cflags --libs stoffelvm stoffelmpc)
"$work/consumer_static"
ldd "$work/consumer_static" >"$work/ldd_static"
if grep -q libstoffel "$work/ldd_static"; then
  echo "the static consumer still needs a shared libstoffel library"; exit 1
fi
echo "install test: ok"
