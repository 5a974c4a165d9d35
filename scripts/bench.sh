#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# bench.sh [RUNS]: time a static run of nestcheck (--no-launch --no-probes:
# what host files say) against lxc-checkconfig on this machine, interleaved,
# and print both medians, their ratio and nestcheck's peak RSS; then the cost
# of the live probes (--no-launch alone), in total and per check; then, when a
# Docker engine answers (DOCKER_HOST or /var/run/docker.sock), the launch
# checks' wall time against `docker run --rm --network none` of the same
# image on the same engine, interleaved. Figures, not a pass/fail test.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-41}
build=build-release

command -v lxc-checkconfig >/dev/null || { echo "bench: lxc-checkconfig missing (apt-get install lxc)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DNESTCHECK_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
nc=$build/nestcheck

ns() { date +%s%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

tmp=$(mktemp -d)
image=
cleanup() {
	# The probe image kept for the launch figures goes with the rest.
	[ -n "$image" ] && docker rmi "$image" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
# Warm the page cache for both before measuring.
"$nc" --no-launch >/dev/null || true
lxc-checkconfig >/dev/null 2>&1 || true
for ((i = 0; i < runs; i++)); do
	t0=$(ns); "$nc" --no-launch --no-probes >/dev/null || true; t1=$(ns)
	lxc-checkconfig >/dev/null 2>&1 || true; t2=$(ns)
	"$nc" --no-launch >/dev/null || true; t3=$(ns)
	echo $(((t1 - t0) / 1000)) >>"$tmp/nc"
	echo $(((t2 - t1) / 1000)) >>"$tmp/lxc"
	echo $(((t3 - t2) / 1000)) >>"$tmp/probes"
done
for ((i = 0; i < 9; i++)); do
	/usr/bin/time -f '%M' -o "$tmp/rss.$i" "$nc" --no-launch --no-probes >/dev/null || true
	/usr/bin/time -f '%M' -o "$tmp/rssp.$i" "$nc" --no-launch >/dev/null || true
done

nc_med=$(median <"$tmp/nc")
lxc_med=$(median <"$tmp/lxc")
probes_med=$(median <"$tmp/probes")
rss=$(cat "$tmp"/rss.* | sort -n | tail -n 1)
rssp=$(cat "$tmp"/rssp.* | sort -n | tail -n 1)
printf 'runs (interleaved):            %d each\n' "$runs"
printf 'static run (--no-launch --no-probes) median: %.2f ms\n' "$(echo "$nc_med / 1000" | bc -l)"
printf 'lxc-checkconfig median:        %.2f ms\n' "$(echo "$lxc_med / 1000" | bc -l)"
printf 'ratio nestcheck/lxc-checkconfig: %.3f (bound: 0.100)\n' "$(echo "$nc_med / $lxc_med" | bc -l)"
printf 'static run peak RSS:           %d KiB (%.2f MiB; bound: 8 MiB)\n' "$rss" "$(echo "$rss / 1024" | bc -l)"
printf 'with live probes (--no-launch) median: %.2f ms (probes cost %.2f ms), peak RSS %d KiB\n' \
	"$(echo "$probes_med / 1000" | bc -l)" "$(echo "($probes_med - $nc_med) / 1000" | bc -l)" "$rssp"
echo 'slowest checks with live probes (ms, one run):'
"$nc" --no-launch --json | awk -F'"' '/"id": /{id=$4} /"duration_ms": /{split($0, a, ": "); printf "  %-22s %s\n", id, a[2]}' |
	sort -k2 -n -r | head -n 8

# ---- launches: nestcheck's launch checks against docker run of the same image
launch_runs=${LAUNCH_RUNS:-15}
sock=${DOCKER_HOST:-unix:///var/run/docker.sock}
if ! command -v docker >/dev/null; then
	echo "launches: the docker CLI is missing (apt-get install docker.io): no launch figures"
	exit 0
fi
if ! docker version >/dev/null 2>&1; then
	echo "launches: no Docker engine answers at $sock (start dockerd, or set DOCKER_HOST): no launch figures"
	exit 0
fi
# First run: imports the probe image (and keeps it, so that both sides run the same image).
t0=$(ns)
"$nc" --only launch.container --keep-image --json >"$tmp/first.json" || true
t1=$(ns)
image=$(awk -F'"' '/"image": /{print $4; exit}' "$tmp/first.json")
if [ -z "$image" ] || ! grep -q '"status": "pass"' "$tmp/first.json"; then
	echo "launches: launch.container does not pass on this engine: no launch figures"
	grep -E '"summary": "' "$tmp/first.json" | head -n 3
	exit 0
fi
echo "launches on $sock, image $image (interleaved, $launch_runs runs each):"
printf '  first launch.container, importing the image: %.1f ms\n' "$(echo "($t1 - $t0) / 1000000" | bc -l)"
docker run --rm --network none "$image" >/dev/null 2>&1 || true
for ((i = 0; i < launch_runs; i++)); do
	t0=$(ns); "$nc" --only launch.container --keep-image >/dev/null || true; t1=$(ns)
	docker run --rm --network none "$image" >/dev/null 2>&1 || true; t2=$(ns)
	"$nc" --only launch --keep-image >/dev/null || true; t3=$(ns)
	echo $(((t1 - t0) / 1000)) >>"$tmp/lc"
	echo $(((t2 - t1) / 1000)) >>"$tmp/dr"
	echo $(((t3 - t2) / 1000)) >>"$tmp/la"
done
lc_med=$(median <"$tmp/lc")
dr_med=$(median <"$tmp/dr")
la_med=$(median <"$tmp/la")
printf '  nestcheck --only launch.container median: %.1f ms\n' "$(echo "$lc_med / 1000" | bc -l)"
printf '  docker run --rm --network none median:     %.1f ms\n' "$(echo "$dr_med / 1000" | bc -l)"
printf '  ratio launch.container / docker run:       %.3f\n' "$(echo "$lc_med / $dr_med" | bc -l)"
printf '  nestcheck --only launch (with the privileged container of launch.nested) median: %.1f ms\n' \
	"$(echo "$la_med / 1000" | bc -l)"
