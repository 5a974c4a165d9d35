#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Live on this machine, as root: launch.network against a real dockerd of this
# test's own with its default networking (docker0, iptables, the userland
# proxy), started in a network namespace of its own so that its bridges,
# rules and published ports never touch the host's; nestcheck runs in that
# namespace too, as it would on the host dockerd serves. All of it goes away
# at the end (the namespace dies with its last process).
#  - a healthy engine: launch.network passes, and the same workload done by
#    hand with the docker CLI (network, -p, a second container by name) works;
#  - lo down: the published port cannot be reached (ground truth: a connect
#    fails too); launch.network fails with N8 and its printed fix
#    (ip link set lo up) makes both work;
#  - no address range left for a network (--default-address-pool with room
#    for one network, taken): network create fails for the CLI and for
#    launch.network (N13); the printed `docker network prune -f` fixes both,
#    and the printed workload by hand then runs as printed;
#  - SIGINT and SIGTERM during the workload leave no container, network or
#    image; after a SIGKILL the next run sweeps its network and containers.
set -u
nestcheck=$1 src=$2 jsonq=$3
# remedy_cmds and json_flat (its ok/expect are replaced below).
JSONQ=$jsonq
# shellcheck source=../lxd/report.sh
. "$src/tests/lxd/report.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for c in dockerd docker unshare nsenter ip iptables; do
	command -v "$c" >/dev/null || { echo "SKIP: $c missing"; exit 77; }
done

tmp=$(mktemp -d /var/tmp/nestcheck-live-network.XXXXXX)
upid= dpid=
stop_dockerd() {
	[ -n "$dpid" ] || return 0
	docker ps -aq 2>/dev/null | xargs -r docker rm -f >/dev/null 2>&1
	kill "$dpid" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.2; done
	kill -9 "$dpid" "$upid" 2>/dev/null
	wait "$upid" 2>/dev/null
	dpid= upid=
}
cleanup() {
	stop_dockerd
	grep -F "$tmp" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
check() { # check WHAT GOT WANT
	if [ "$2" = "$3" ]; then ok "$1 = $2"; else bad "$1 = '$2', want '$3'"; fi
}
contains() { # contains WHAT TEXT PART
	case "$2" in *"$3"*) ok "$1 holds '$3'" ;; *) bad "$1 lacks '$3': $2" ;; esac
}
q() { "$jsonq" "$1" "$2" 2>/dev/null; }

# start_dockerd ARGS...: dockerd in a new network namespace (lo up), default networking.
start_dockerd() {
	rm -f "$tmp/docker.sock" "$tmp/dockerd.pid"
	setsid unshare --net --fork sh -c 'ip link set lo up && exec "$@"' sh \
		dockerd --data-root "$tmp/data" --exec-root "$tmp/exec" --pidfile "$tmp/dockerd.pid" \
		-H "unix://$tmp/docker.sock" "$@" >>"$tmp/dockerd.log" 2>&1 </dev/null &
	upid=$!
	for _ in $(seq 150); do [ -S "$tmp/docker.sock" ] && [ -s "$tmp/dockerd.pid" ] && break; sleep 0.2; done
	dpid=$(cat "$tmp/dockerd.pid" 2>/dev/null)
	if [ -z "$dpid" ] || ! docker version >/dev/null 2>&1; then
		echo "FAIL: dockerd did not start:"; tail -n 20 "$tmp/dockerd.log"; exit 1
	fi
}
export DOCKER_HOST=unix://$tmp/docker.sock
mkdir -p "$tmp/nctmp"
export TMPDIR=$tmp/nctmp
# in_ns CMD...: run in dockerd's network namespace.
in_ns() { nsenter --net="/proc/$dpid/ns/net" "$@"; }
# nc_run ARGS...: nestcheck in dockerd's namespace; anything on its stderr (a sanitizer's report) fails.
nc_run() {
	local rc
	in_ns "$nestcheck" "$@" 2>"$tmp/nc.err"
	rc=$?
	[ -s "$tmp/nc.err" ] && bad "nestcheck $*: wrote to stderr: $(head -c 300 "$tmp/nc.err")"
	return $rc
}
leftovers() { # "CONTAINERS NETWORKS IMAGES" carrying nestcheck's label
	echo "$(docker ps -aq --filter label=io.nestcheck.probe | wc -l)" \
		"$(docker network ls -q --filter label=io.nestcheck.probe | wc -l)" \
		"$(docker images -q --filter label=io.nestcheck.probe | wc -l)"
}
# connect_published PORT: the first line 127.0.0.1:PORT answers, from dockerd's namespace, or the error.
connect_published() {
	local out rc
	out=$(in_ns timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$1 && head -n 1 <&3' _ "$1" 2>&1)
	rc=$?
	[ "$rc" = 124 ] && out="no answer within 3 s"
	printf '%s\n' "$out" | tail -n 1
}
# by_hand IMAGE: the workload with the docker CLI: "ok" when every step worked, else what failed.
by_hand() {
	local img=$1 port addr out
	if ! out=$(docker network create nc-hand 2>&1); then echo "network create: $out"; return; fi
	docker run --pull never -d --name nc-hand-server --network nc-hand -p 8000 "$img" /nestcheck-probe --serve 8000 \
		--timeout 60 >/dev/null 2>&1 || echo "server: $(docker logs nc-hand-server 2>&1 | tail -n 1)"
	port=$(docker port nc-hand-server 8000/tcp 2>/dev/null | sed -n 's/^0\.0\.0\.0://p' | head -n 1)
	addr=$(docker inspect -f '{{(index .NetworkSettings.Networks "nc-hand").IPAddress}}' nc-hand-server 2>/dev/null)
	out=""
	# Refused, or closed at once by the proxy, until the probe listens; nothing else mends.
	for _ in $(seq 20); do
		out=$(connect_published "$port")
		case "$out" in nestcheck-probe* | *"no answer"* | *unreachable*) break ;; esac
		sleep 0.1
	done
	case "$out" in nestcheck-probe*) ;; *) echo "published port $port: $out" ;; esac
	out=$(docker run --pull never --rm --network nc-hand "$img" /nestcheck-probe --connect nc-hand-server "$addr" 8000 2>&1)
	case "$out" in *'"by_name":{"ok":true'*'"by_address":{"ok":true'*) ;; *) echo "second container: $out" ;; esac
	docker rm -f nc-hand-server >/dev/null 2>&1
	docker network rm nc-hand >/dev/null 2>&1
}
ground_truth() { local r; r=$(by_hand "$1"); echo "${r:-works}"; }

# --- a healthy engine with its default networking ---------------------------------
start_dockerd
nc_run --only launch --keep-image --json >"$tmp/r1.json"
echo "exit $?: launch.network: $(q "$tmp/r1.json" checks.launch.network.summary)"
check "healthy: launch.network" "$(q "$tmp/r1.json" checks.launch.network.status)" pass
for k in bridge subnet published dns by_name by_address served ms_network_create ms_publish ms_client_wait ms_remove; do
	v=$(q "$tmp/r1.json" "checks.launch.network.evidence.$k") || v=
	[ -n "$v" ] && ok "evidence $k = $v" || bad "evidence $k missing"
done
img=$(q "$tmp/r1.json" checks.launch.network.evidence.image)
check "healthy: nothing left but the kept image" "$(leftovers)" "0 0 1"
gt=$(ground_truth "$img")
check "healthy: the workload by hand" "$gt" works
# Replay: a capture holds the workload, and gives the same verdict.
mkdir -p "$tmp/root/.nestcheck" "$tmp/root/proc/sys/kernel"
cp /proc/sys/kernel/osrelease "$tmp/root/proc/sys/kernel/"
nc_run --only launch --keep-image --record "$tmp/root/.nestcheck/observations" --json >"$tmp/rec.json"
"$nestcheck" --root "$tmp/root" --only launch --json >"$tmp/replay.json" 2>/dev/null
check "replay: launch.network" "$(q "$tmp/replay.json" checks.launch.network.summary)" \
	"$(q "$tmp/rec.json" checks.launch.network.summary)"

# --- lo down in dockerd's namespace ------------------------------------------------
in_ns ip link set lo down
nc_run --only launch --keep-image --json >"$tmp/lo.json"
s=$(q "$tmp/lo.json" checks.launch.network.summary)
echo "lo down: launch.network: $s"
check "lo down: launch.network" "$(q "$tmp/lo.json" checks.launch.network.status)" fail
check "lo down: known failure" "$(q "$tmp/lo.json" checks.launch.network.evidence.known_failure)" "loopback-down (N8)"
gt=$(ground_truth "$img")
# With lo down 127.0.0.1 leads nowhere: no route, or (bridges up here) no answer.
contains "lo down: the workload by hand fails at the published port" "$gt" "published port"
fix=$("$jsonq" "$tmp/lo.json" checks.launch.network.remediation 2>/dev/null | grep -o 'ip link set lo up' | head -n 1)
check "lo down: the printed fix" "$fix" "ip link set lo up"
in_ns sh -c "$fix"
nc_run --only launch --keep-image --json >"$tmp/lo2.json"
check "lo down, fixed: launch.network" "$(q "$tmp/lo2.json" checks.launch.network.status)" pass
check "lo down, fixed: the workload by hand" "$(ground_truth "$img")" works
check "lo down: nothing left but the kept image" "$(leftovers)" "0 0 1"

# --- signals during the workload -------------------------------------------------------
for sig in INT TERM; do
	for delay in 0.3 0.6; do
		# nsenter execs nestcheck: $! is nestcheck itself (a function would be a subshell).
		nsenter --net="/proc/$dpid/ns/net" "$nestcheck" --only launch --keep-image --json >/dev/null 2>&1 &
		pid=$!
		sleep "$delay"
		kill -"$sig" "$pid" 2>/dev/null
		wait "$pid"
		rc=$?
		check "SIG$sig after ${delay}s: left (containers networks images)" "$(leftovers)" "0 0 1"
		case $sig in INT) want=130 ;; TERM) want=143 ;; esac
		# A background job of a script starts with SIGINT ignored until nestcheck sets its handler.
		if [ "$rc" = "$want" ] || [ "$rc" = 1 ]; then ok "SIG$sig after ${delay}s: exit $rc"; else bad "SIG$sig after ${delay}s: exit $rc"; fi
	done
done
# SIGKILL mid-workload: the next run finds its leftovers by label and removes them.
nsenter --net="/proc/$dpid/ns/net" "$nestcheck" --only launch --keep-image --json >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do
	[ "$(docker network ls -q --filter label=io.nestcheck.probe | wc -l)" -gt 0 ] && break
	sleep 0.05
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
echo "SIGKILL: left $(leftovers)"
nc_run --only launch --keep-image --json >"$tmp/swept.json"
echo "next run swept: $(q "$tmp/swept.json" checks.launch.container.evidence.leftovers_removed)"
contains "SIGKILL: the next run swept its network" \
	"$(q "$tmp/swept.json" checks.launch.container.evidence.leftovers_removed)" "1 network"
check "SIGKILL: nothing left after the next run" "$(leftovers)" "0 0 1"

# --- no address range left for a network -----------------------------------------------
stop_dockerd
# Room for two /24 networks: docker0 takes one, a network of the user's the other.
start_dockerd --default-address-pool base=10.213.0.0/23,size=24
docker network create nc-blocker >/dev/null || bad "the blocking network could not be created"
nc_run --only launch --keep-image --json >"$tmp/pool.json"
echo "pools: launch.network: $(q "$tmp/pool.json" checks.launch.network.summary)"
check "pools: launch.network" "$(q "$tmp/pool.json" checks.launch.network.status)" fail
check "pools: known failure" "$(q "$tmp/pool.json" checks.launch.network.evidence.known_failure)" \
	"address-pools-exhausted (N13)"
contains "pools: the workload by hand fails the same way" "$(ground_truth "$img")" "non-overlapping IPv4 address pool"
fix=$("$jsonq" "$tmp/pool.json" checks.launch.network.remediation 2>/dev/null | grep -o 'docker network prune -f' | head -n 1)
check "pools: the printed fix" "$fix" "docker network prune -f"
sh -c "$fix" >/dev/null
nc_run --only launch --keep-image --json >"$tmp/pool2.json"
check "pools, fixed: launch.network" "$(q "$tmp/pool2.json" checks.launch.network.status)" pass
check "pools, fixed: the workload by hand" "$(ground_truth "$img")" works
# The workload by hand that launch.network printed, run as printed (its nestcheck line aside).
cmds=$(remedy_cmds "$tmp/pool.json" launch.network host "docker network create nc-try" | grep -v '^nestcheck ')
echo "pools: the printed workload by hand:"; printf '%s\n' "$cmds" | sed 's/^/  $ /'
out=$(in_ns sh -ec "$cmds" 2>&1)
contains "pools: the printed workload by hand runs; its second container" "$out" '"by_name":{"ok":true'
docker rmi "$img" >/dev/null 2>&1
check "nothing left at the end" "$(leftovers)" "0 0 0"

exit $fail
