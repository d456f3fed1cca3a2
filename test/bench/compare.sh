#!/usr/bin/env bash
# Time this tree's dlsnoop against an earlier commit's on the same capture, runs interleaved so
# that the machine's drift hits both alike; prints min and median wall time and median CPU.
#   test/bench/compare.sh REV [RUNS] [dlsnoop arguments...]
#   e.g. test/bench/compare.sh HEAD~5 9 -i test/bench/out/big-1000000.pcap
# REV is built in a temporary git worktree (removed at the end); this tree must be built already.
set -euo pipefail
rev=${1:?usage: compare.sh REV [RUNS] [dlsnoop arguments...]}
runs=${2:-9}
shift $(( $# >= 2 ? 2 : 1 ))
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(-i test/bench/out/big-1000000.pcap)

root=$(cd "$(dirname "$0")/../.." && pwd)
old=$(mktemp -d /tmp/dlsnoop-compare.XXXXXX)
trap 'git -C "$root" worktree remove --force "$old" >/dev/null 2>&1 || true; rm -rf "$old"' EXIT
git -C "$root" worktree add --detach -f "$old" "$rev" >/dev/null 2>&1
ln -s "$root/node_modules" "$old/node_modules"
(cd "$old" && npm run -s build)

declare -a wall_old wall_new cpu_old cpu_new
one() { # prints "wall cpu" for one run of the dlsnoop under $1
  /usr/bin/time -f '%e %U %S' -o "$old/.time" node "$1/bin/dlsnoop" "${args[@]}" >/dev/null 2>&1 || true
  awk '{ printf "%s %.2f\n", $1, $2 + $3 }' "$old/.time"
}
for ((i = 0; i < runs; i++)); do
  read -r w c < <(cd "$root" && one "$old"); wall_old+=("$w"); cpu_old+=("$c")
  read -r w c < <(cd "$root" && one "$root"); wall_new+=("$w"); cpu_new+=("$c")
done
summary() { # label walls... -- cpus...
  local label=$1; shift
  local walls=() cpus=() seen=0
  for v in "$@"; do if [ "$v" = -- ]; then seen=1; elif [ $seen = 0 ]; then walls+=("$v"); else cpus+=("$v"); fi; done
  local sorted_w sorted_c
  sorted_w=$(printf '%s\n' "${walls[@]}" | sort -n)
  sorted_c=$(printf '%s\n' "${cpus[@]}" | sort -n)
  local mid=$(( (${#walls[@]} + 1) / 2 ))
  printf '%-8s wall min %s s, median %s s; CPU median %s s\n' "$label" \
    "$(head -1 <<<"$sorted_w")" "$(sed -n "${mid}p" <<<"$sorted_w")" "$(sed -n "${mid}p" <<<"$sorted_c")"
}
echo "dlsnoop ${args[*]} ($runs runs each, interleaved)"
summary "$rev" "${wall_old[@]}" -- "${cpu_old[@]}"
summary "this tree" "${wall_new[@]}" -- "${cpu_new[@]}"
