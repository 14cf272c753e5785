#!/usr/bin/env bash
# examples/private-stats/run.sh [STOFFEL] [N]: the private-stats flow on this machine.
#  1. N data providers' salaries (deterministic pseudo-random) are secret-shared and the program
#     computes count, mean, variance, min, max and median on 3 simulated parties (t = 1); the
#     result is checked against the same statistics computed in the clear.
#  2. The real flow on 127.0.0.1: `stoffel network init` (3 parties, t = 1, N client identities),
#     three `stoffel party` processes, `stoffel deploy`; every data provider gives its salary with
#     `stoffel client input` and may go offline; the consumer runs the program over the stored
#     inputs with `stoffel run --network` and sees the statistics, checked against the clear
#     computation again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
stoffel=${1:-$here/../../build/stoffel-cli/stoffel}
n=${2:-20}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Salaries between 30000 and 99999 from a fixed linear congruential sequence.
salaries=()
x=12345
for ((i = 0; i < n; i++)); do
  x=$(( (x * 1103515245 + 12345) % 2147483648 ))
  salaries+=($(( 30000 + x % 70000 )))
done

expected=$(printf '%s\n' "${salaries[@]}" | sort -n | awk '
  { v[NR] = $1; s += $1; q += $1 * $1 }
  END {
    n = NR
    printf "count: %d\nmean: %d\nvariance: %d\nmin: %d\nmax: %d\n", n, int(s / n), int((n * q - s * s) / (n * n)), v[1], v[n]
    if (n % 2 == 1) printf "median: %d\n", v[(n + 1) / 2]
    else printf "median: %d\n", int((v[n / 2] + v[n / 2 + 1]) / 2)
  }')

args=()
for ((i = 0; i < n; i++)); do args+=(--client-input "$i=${salaries[$i]}"); done
echo "== private-stats over $n inputs on 3 simulated parties"
got=$("$stoffel" run "$here/private_stats.stfl" "${args[@]}" 2>/dev/null | grep -E '^(count|mean|variance|min|max|median):')
echo "$got"
if [ "$got" != "$expected" ]; then
  echo "MISMATCH with the clear computation:" >&2
  echo "$expected" >&2
  exit 1
fi
echo "(equal to the clear computation)"

echo "== 3 parties on 127.0.0.1: deploy, $n clients give input, run over the stored inputs"
# Three consecutive free UDP ports on 127.0.0.1.
base=$(python3 - <<'PY'
import random, socket
for _ in range(200):
    base, socks = random.randint(20000, 60000), []
    try:
        for i in range(3):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); socks.append(s); s.bind(("127.0.0.1", base + i))
        print(base); break
    except OSError:
        pass
    finally:
        for s in socks: s.close()
PY
)
"$stoffel" network init --parties 3 --threshold 1 --clients "$n" --base-port "$base" "$work/net" >/dev/null
for i in 0 1 2; do
  "$stoffel" party --config "$work/net/network.toml" --id "$i" --data "$work/party$i" 2>"$work/party$i.log" &
  pids+=($!)
done
for i in 0 1 2; do
  for _ in $(seq 100); do grep -q "ready:" "$work/party$i.log" && break; sleep 0.1; done
done
hash=$("$stoffel" deploy "$here/private_stats.stfl" --name private-stats --network "$work/net/network.toml" 2>/dev/null |
  awk '/^Hash:/ {print $2}')
hashes=$(grep -ho "deployed \`private-stats\` .* as [0-9a-f]*" "$work"/party*.log | awk '{print $NF}' | sort -u)
if [ "$hashes" != "$hash" ]; then
  echo "the parties logged hashes '$hashes', deploy printed '$hash'" >&2
  exit 1
fi
echo "deployed as $hash (all 3 parties hold it)"
# Each data provider secret-shares its salary with its own identity; every party stores its share
# before the command returns. One provider alone would run
#   stoffel client input --network net/network.toml --key net/client0.key --program HASH 52000
# here all of them go through one process, one `KEYFILE VALUE` line each.
for ((i = 0; i < n; i++)); do
  echo "$work/net/client$i.key ${salaries[$i]}"
done >"$work/inputs.txt"
"$stoffel" client input --network "$work/net/network.toml" --program "$hash" --batch "$work/inputs.txt" >/dev/null
echo "$n inputs stored"
got=$("$stoffel" run --network "$work/net/network.toml" "$hash" --stats 2>"$work/stats.txt" |
  grep -E '^(count|mean|variance|min|max|median):')
echo "$got"
grep '^stats:' "$work/stats.txt" || true
if [ "$got" != "$expected" ]; then
  echo "MISMATCH with the clear computation:" >&2
  echo "$expected" >&2
  exit 1
fi
echo "(equal to the clear computation)"
