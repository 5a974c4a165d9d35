#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# bench.sh [RUNS]: time a static run of nestcheck (--no-launch --no-probes:
# what host files say) and the default run (--no-launch: live probes too)
# against lxc-checkconfig on this machine, interleaved, and print the medians,
# the ratios against their bounds (1/40 and 1/20) and the peak memory of the
# whole process tree (as a memory cgroup counts it; bound 8 MiB), and the
# slowest checks; then, when a
# Docker engine answers (DOCKER_HOST or /var/run/docker.sock), the launch
# checks' wall time against `docker run --rm --network none` of the same
# image on the same engine, interleaved; and launch.network's networked
# workload against `docker run --rm -d -p` of the same image plus a connect to
# the published port from here (run this script in the engine's network
# namespace); `nestcheck merge` of 1,000 reports; and, as root where LXD can run,
# `nestcheck lxd --all` over 10 instances against the slowest of them alone.
# Figures, not a pass/fail test.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-41}
build=build-release

command -v lxc-checkconfig >/dev/null || { echo "bench: lxc-checkconfig missing (apt-get install lxc)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DNESTCHECK_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
nc=$build/nestcheck

# Microseconds now, into the variable named $1: no process forked for it (date would cost about as much as
# nestcheck's static run, and be counted in it).
export LC_NUMERIC=C
now() { printf -v "$1" '%s' "${EPOCHREALTIME/./}"; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

tmp=$(mktemp -d)
image=
lxd_used=
cleanup() {
	set +e # every step, whatever the one before it says
	# The probe image kept for the launch figures goes with the rest, and the LXD instances.
	[ -n "$image" ] && docker rmi "$image" >/dev/null 2>&1
	[ -n "$lxd_used" ] && lxd_session_end >/dev/null 2>&1
	[ -n "$cg" ] && [ -d "$cg" ] && rmdir "$cg"
	rm -rf "$tmp"
}
trap cleanup EXIT
# Warm the page cache for both before measuring.
"$nc" --no-launch >/dev/null || true
lxc-checkconfig >/dev/null 2>&1 || true
for ((i = 0; i < runs; i++)); do
	now t0; "$nc" --no-launch --no-probes >/dev/null || true; now t1
	lxc-checkconfig >/dev/null 2>&1 || true; now t2
	"$nc" --no-launch >/dev/null || true; now t3
	echo $((t1 - t0)) >>"$tmp/nc"
	echo $((t2 - t1)) >>"$tmp/lxc"
	echo $((t3 - t2)) >>"$tmp/probes"
done
# Peak memory of the whole process tree (nestcheck and every child it forks), as a memory cgroup of its own
# counts it: v1's memory.max_usage_in_bytes or v2's memory.peak. Prints KiB, or nothing where no cgroup can be
# made here (then only the largest single process's peak RSS is known).
cg=
cg_self=$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)
if [ -n "$cg_self" ] && [ -w "/sys/fs/cgroup/memory$cg_self" ]; then
	cg=/sys/fs/cgroup/memory$cg_self/nestcheck-bench-$$
	mkdir "$cg" 2>/dev/null || cg=
	cg_peak=memory.max_usage_in_bytes
elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	cg_self=$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
	if grep -qw memory "/sys/fs/cgroup$cg_self/cgroup.subtree_control" 2>/dev/null; then
		cg=/sys/fs/cgroup$cg_self/nestcheck-bench-$$
		mkdir "$cg" 2>/dev/null || cg=
		cg_peak=memory.peak
		[ -n "$cg" ] && [ ! -f "$cg/$cg_peak" ] && { rmdir "$cg"; cg=; }
	fi
fi
tree_peak() {
	[ -n "$cg" ] || return 0
	local best=0 v
	for _ in 1 2 3 4 5; do
		# A fresh cgroup each time: v1's peak cannot be reset where the kernel refuses the write.
		rmdir "$cg" 2>/dev/null
		mkdir "$cg" || return 0
		sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' _ "$cg" "$@" >/dev/null 2>&1 || true
		v=$(cat "$cg/$cg_peak")
		[ "$v" -gt "$best" ] && best=$v
	done
	rmdir "$cg" 2>/dev/null
	echo $((best / 1024))
}
for ((i = 0; i < 9; i++)); do
	/usr/bin/time -f '%M' -o "$tmp/rss.$i" "$nc" --no-launch --no-probes >/dev/null || true
	/usr/bin/time -f '%M' -o "$tmp/rssp.$i" "$nc" --no-launch >/dev/null || true
done
tree_static=$(tree_peak "$nc" --no-launch --no-probes)
tree_default=$(tree_peak "$nc" --no-launch)

nc_med=$(median <"$tmp/nc")
lxc_med=$(median <"$tmp/lxc")
probes_med=$(median <"$tmp/probes")
rss=$(cat "$tmp"/rss.* | sort -n | tail -n 1)
rssp=$(cat "$tmp"/rssp.* | sort -n | tail -n 1)
verdict() { [ "$(echo "$1 <= $2" | bc -l)" = 1 ] && echo within || echo OVER; }
ratio_s=$(echo "$nc_med / $lxc_med" | bc -l)
ratio_d=$(echo "$probes_med / $lxc_med" | bc -l)
printf 'runs (interleaved, wall time of each command from the shell): %d each, %d CPUs\n' "$runs" "$(nproc)"
printf 'lxc-checkconfig median:                       %.2f ms\n' "$(echo "$lxc_med / 1000" | bc -l)"
printf 'static run (--no-launch --no-probes) median:  %.2f ms\n' "$(echo "$nc_med / 1000" | bc -l)"
printf 'default run (--no-launch) median:             %.2f ms (the live probes cost %.2f ms)\n' \
	"$(echo "$probes_med / 1000" | bc -l)" "$(echo "($probes_med - $nc_med) / 1000" | bc -l)"
printf 'ratio static/lxc-checkconfig:  %.4f (bound 1/40 = 0.0250: %s)\n' "$ratio_s" "$(verdict "$ratio_s" 0.025)"
printf 'ratio default/lxc-checkconfig: %.4f (bound 1/20 = 0.0500: %s)\n' "$ratio_d" "$(verdict "$ratio_d" 0.05)"
if [ -n "$tree_static" ]; then
	printf 'peak memory of the process tree (memory cgroup, max of 5): static %d KiB (%.2f MiB), default %d KiB (%.2f MiB) (bound 8 MiB: %s)\n' \
		"$tree_static" "$(echo "$tree_static / 1024" | bc -l)" "$tree_default" "$(echo "$tree_default / 1024" | bc -l)" \
		"$(verdict "$(( tree_static > tree_default ? tree_static : tree_default ))" 8192)"
else
	echo 'peak memory of the process tree: no memory cgroup can be made here (run as root on cgroup v1 or v2)'
fi
printf 'largest single process peak RSS (max of 9): static %d KiB, default %d KiB\n' "$rss" "$rssp"
echo 'slowest checks with live probes (ms, median of 9 runs; the kernel config and dpkg are read in threads, and'
echo 'network.iptables'"'"' commands run in one: their time shows in the checks that run beside them):'
for ((i = 0; i < 9; i++)); do "$nc" --no-launch --json; done >"$tmp/durations.json" || true
awk -F'"' '/"id": /{id=$4} /"duration_ms": /{split($0, a, ": "); d[id] = d[id] " " a[2]+0}
	END { for (k in d) print k, d[k] }' "$tmp/durations.json" |
	while read -r id vals; do
		printf '  %-22s %s\n' "$id" "$(printf '%s\n' $vals | median)"
	done | sort -k2 -n -r | head -n 8

# ---- nestcheck merge: the fleet roll-up of 1,000 JSON reports (the fixtures' reports, copied round)
mkdir -p "$tmp/fleet"
fixtures=(fixtures/*/expected.json)
for ((i = 0; i < 1000; i++)); do
	cp "${fixtures[i % ${#fixtures[@]}]}" "$tmp/fleet/r$i.json"
done
"$nc" merge "$tmp/fleet" >/dev/null || true
for ((i = 0; i < 9; i++)); do
	now t0; "$nc" merge --json "$tmp/fleet" >/dev/null || true; now t1
	echo $((t1 - t0)) >>"$tmp/merge"
done
/usr/bin/time -f '%M' -o "$tmp/rssm" "$nc" merge --json "$tmp/fleet" >/dev/null || true
printf 'merge of 1000 reports (%s KiB on disk) median of 9: %.2f ms (bound: 1000 ms), peak RSS %d KiB\n' \
	"$(du -sk "$tmp/fleet" | cut -f1)" "$(echo "$(median <"$tmp/merge") / 1000" | bc -l)" "$(tail -n 1 "$tmp/rssm")"

# ---- nestcheck lxd --all over 10 instances against the slowest single instance (root, LXD here)
lxd_instances=${LXD_INSTANCES:-10}
if [ "$(id -u)" != 0 ] || ! command -v lxd >/dev/null || ! command -v lxc >/dev/null || ! command -v lxcfs >/dev/null ||
	! command -v busybox >/dev/null; then
	echo "lxd --all: needs root, lxd, lxc, lxcfs and busybox-static: no fleet figures"
else
	NESTCHECK_LXD_STATE=$tmp/lxd.state
	NESTCHECK_LXD_LOGDIR=$tmp
	# shellcheck source=../tests/lxd/env.sh
	. tests/lxd/env.sh
	lxd_used=1
	names=()
	if lxd_up >/dev/null 2>&1 && lxd_image_build "nc-bench-$$" >/dev/null 2>&1; then
		for ((i = 0; i < lxd_instances; i++)); do
			lxd_launch "nc-bench-$$-$i" "nc-bench-$$" security.nesting=true >/dev/null 2>&1 || break
			names+=("nc-bench-$$-$i")
		done
	fi
	if [ ${#names[@]} -ne "$lxd_instances" ]; then
		echo "lxd --all: could not start LXD and $lxd_instances instances here: no fleet figures"
	else
		# Each instance alone (median of 3), then --all with 4 jobs (the default) and with a job an instance.
		slowest=0 sum=0
		for n in "${names[@]}"; do
			: >"$tmp/one"
			for _ in 1 2 3; do
				now t0; "$nc" lxd "$n" --no-launch --json >/dev/null 2>&1 || true; now t1
				echo $((t1 - t0)) >>"$tmp/one"
			done
			m=$(median <"$tmp/one")
			sum=$(echo "$sum + $m" | bc)
			[ "$(echo "$m > $slowest" | bc)" = 1 ] && slowest=$m
		done
		for jobs in 4 "$lxd_instances"; do
			: >"$tmp/all"
			for _ in 1 2 3; do
				now t0; "$nc" lxd --all --no-launch --jobs "$jobs" --json >/dev/null 2>&1 || true; now t1
				echo $((t1 - t0)) >>"$tmp/all"
			done
			printf -v "all_$jobs" '%s' "$(median <"$tmp/all")"
		done
		/usr/bin/time -f '%M' -o "$tmp/rssa" "$nc" lxd --all --no-launch --json >/dev/null 2>&1 || true
		all_n=all_$lxd_instances
		echo "nestcheck lxd --all --no-launch over $lxd_instances running instances (medians of 3):"
		printf '  slowest single instance (nestcheck lxd NAME): %.1f ms; all %d one after another: %.1f ms\n' \
			"$(echo "$slowest / 1000" | bc -l)" "$lxd_instances" "$(echo "$sum / 1000" | bc -l)"
		printf '  --all, 4 jobs (the default): %.1f ms; --jobs %d: %.1f ms; peak RSS of the parent %d KiB\n' \
			"$(echo "$all_4 / 1000" | bc -l)" "$lxd_instances" "$(echo "${!all_n} / 1000" | bc -l)" "$(tail -n 1 "$tmp/rssa")"
		printf '  ratio --all (--jobs %d) / slowest single: %.2f; (4 jobs): %.2f\n' "$lxd_instances" \
			"$(echo "${!all_n} / $slowest" | bc -l)" "$(echo "$all_4 / $slowest" | bc -l)"
	fi
fi

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
now t0
"$nc" --only launch.container --keep-image --json >"$tmp/first.json" || true
now t1
image=$(awk -F'"' '/"image": /{print $4; exit}' "$tmp/first.json")
if [ -z "$image" ] || ! grep -q '"status": "pass"' "$tmp/first.json"; then
	echo "launches: launch.container does not pass on this engine: no launch figures"
	grep -E '"summary": "' "$tmp/first.json" | head -n 3
	exit 0
fi
echo "launches on $sock, image $image (interleaved, $launch_runs runs each):"
printf '  first launch.container, importing the image: %.1f ms\n' "$(echo "($t1 - $t0) / 1000" | bc -l)"
docker run --rm --network none "$image" >/dev/null 2>&1 || true
for ((i = 0; i < launch_runs; i++)); do
	now t0; "$nc" --only launch.container --keep-image >/dev/null || true; now t1
	docker run --rm --network none "$image" >/dev/null 2>&1 || true; now t2
	"$nc" --only launch --keep-image >/dev/null || true; now t3
	echo $((t1 - t0)) >>"$tmp/lc"
	echo $((t2 - t1)) >>"$tmp/dr"
	echo $((t3 - t2)) >>"$tmp/la"
done
lc_med=$(median <"$tmp/lc")
dr_med=$(median <"$tmp/dr")
la_med=$(median <"$tmp/la")
printf '  nestcheck --only launch.container median: %.1f ms\n' "$(echo "$lc_med / 1000" | bc -l)"
printf '  docker run --rm --network none median:     %.1f ms\n' "$(echo "$dr_med / 1000" | bc -l)"
printf '  ratio launch.container / docker run:       %.3f\n' "$(echo "$lc_med / $dr_med" | bc -l)"
printf '  nestcheck --only launch (with launch.nested and launch.network) median: %.1f ms\n' \
	"$(echo "$la_med / 1000" | bc -l)"

# ---- launch.network against docker run -p of the same image plus a connect
# connect_port PORT: read the probe's line from 127.0.0.1:PORT until it answers (at most about 5 s).
connect_port() {
	local line
	for _ in $(seq 100); do
		line=$(timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$1 && head -n 1 <&3' _ "$1" 2>/dev/null) || true
		case $line in nestcheck-probe*) return 0 ;; esac
		sleep 0.05
	done
	return 1
}
"$nc" --only launch.network --keep-image --json >"$tmp/net.json" || true
if ! awk '/"id": "launch.network"/{f=1} f && /"status": /{print; exit}' "$tmp/net.json" | grep -q pass; then
	echo "launch.network does not pass here: no network figures"
	grep -E '"summary": "' "$tmp/net.json" | tail -n 1
	exit 0
fi
for ((i = 0; i < launch_runs; i++)); do
	now t0; "$nc" --only launch.network --keep-image --json >"$tmp/n.json" || true; now t1
	cid=$(docker run --rm -d -p 8000 "$image" /nestcheck-probe --serve 8000 --timeout 60)
	port=$(docker port "$cid" 8000/tcp | sed -n 's/^0\.0\.0\.0://p' | head -n 1)
	connect_port "$port" || echo "  (docker run -p: no answer on $port)"
	docker rm -f "$cid" >/dev/null; now t2
	# The same workload as launch.network's, by hand with the docker CLI.
	docker network create nc-bench >/dev/null
	docker run -d --rm --network nc-bench -p 8000 --name nc-bench-server "$image" /nestcheck-probe --serve 8000 \
		--timeout 60 --count 3 >/dev/null
	port=$(docker port nc-bench-server 8000/tcp | sed -n 's/^0\.0\.0\.0://p' | head -n 1)
	connect_port "$port" || echo "  (by hand: no answer on $port)"
	addr=$(docker inspect -f '{{(index .NetworkSettings.Networks "nc-bench").IPAddress}}' nc-bench-server)
	docker run --rm --network nc-bench "$image" /nestcheck-probe --connect nc-bench-server "$addr" 8000 >/dev/null
	docker rm -f nc-bench-server >/dev/null 2>&1 || true
	docker network rm nc-bench >/dev/null; now t3
	echo $((t1 - t0)) >>"$tmp/ln"
	echo $((t2 - t1)) >>"$tmp/dp"
	echo $((t3 - t2)) >>"$tmp/dw"
	# The workload's own steps, as launch.network's summary gives them ("... in N ms: ...").
	sed -n 's/.*a two-container workload ran on [^)]*) in \([0-9]*\) ms.*/\1/p' "$tmp/n.json" | head -n 1 >>"$tmp/lw"
done
ln_med=$(median <"$tmp/ln")
dp_med=$(median <"$tmp/dp")
lw_med=$(median <"$tmp/lw")
dw_med=$(median <"$tmp/dw")
echo "launch.network on $sock ($launch_runs runs each, interleaved):"
printf '  nestcheck --only launch.network (a container, then the workload: a network, two containers) median: %.1f ms\n' \
	"$(echo "$ln_med / 1000" | bc -l)"
printf '  of it the networked workload itself (network create to removal) median: %.1f ms\n' "$lw_med"
printf '  docker run --rm -d -p + connect to the port + docker rm -f median: %.1f ms\n' "$(echo "$dp_med / 1000" | bc -l)"
printf '  the same workload by hand (network create, run -d -p, connect, run --rm by name, rm -f, network rm) median: %.1f ms\n' \
	"$(echo "$dw_med / 1000" | bc -l)"
printf '  ratio launch.network workload / (docker run -p + connect): %.3f\n' "$(echo "$lw_med * 1000 / $dp_med" | bc -l)"
printf '  ratio launch.network workload / the same workload by hand:   %.3f\n' "$(echo "$lw_med * 1000 / $dw_med" | bc -l)"
printf '  ratio whole nestcheck run / (docker run -p + connect):      %.3f\n' "$(echo "$ln_med / $dp_med" | bc -l)"
