#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Live on this machine, as root: faults in the middle of a launch, against a dockerd of
# this test's own (own socket, data root and exec root in a temp dir, no bridge, no
# iptables) behind a fault-injecting proxy (tests/tools/faultproxy.py):
#  - dockerd killed (SIGKILL) between the container's create and its start, and between
#    its start and the wait for it: nestcheck ends within its bound, launch.container does
#    not pass and says the engine went away; dockerd started again, the next run passes and
#    sweeps what the killed run left (no container, no image of nestcheck's remains);
#  - an engine that answers one byte a second: runtime.engine and launch.container end
#    within their --timeout, and say so;
#  - the data root full during the probe image's import (a small tmpfs, filled): a fail
#    that says no space is left, and no half-imported image or container left behind.
# Everything it makes is removed, also on failure and on a signal.
set -u
nestcheck=$1 jsonq=$3
src=$2
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for c in dockerd docker python3; do
	command -v "$c" >/dev/null || { echo "SKIP: $c missing (apt-get install docker.io python3)"; exit 77; }
done

tmp=$(mktemp -d /var/tmp/nestcheck-live-faults.XXXXXX)
dpid='' ppid=''
stop_pid() { # PID
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.2; done
	kill -9 "$1" 2>/dev/null
}
engine_clear() { # remove every container and image of the running engine
	docker ps -aq 2>/dev/null | xargs -r docker rm -f >/dev/null 2>&1
	docker images -q 2>/dev/null | xargs -r docker rmi -f >/dev/null 2>&1
}
cleanup() {
	stop_pid "$ppid"
	if [ -n "$dpid" ] && alive "$dpid"; then
		DOCKER_HOST=unix://$root/docker.sock engine_clear
		stop_pid "$dpid"
	fi
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
q() { "$jsonq" "$1" "$2" 2>/dev/null; }
nc() { ASAN_OPTIONS=detect_leaks=0 "$nestcheck" "$@"; }

alive() { # PID: running (a zombie waiting for its reaper is not)
	local st
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) && [ -n "$st" ] && [ "$st" != Z ]
}
root=
start_dockerd() { # ROOT: a dockerd with its state under ROOT (kept across restarts)
	root=$1
	mkdir -p "$root"
	# Not a job of this shell (its SIGKILL would be reported on the way): the pid from the pid file.
	(setsid dockerd --data-root "$root/data" --exec-root "$root/exec" --pidfile "$root/dockerd.pid" \
		-H "unix://$root/docker.sock" --bridge none --iptables=false --ip-masq=false \
		>>"$root/dockerd.log" 2>&1 &)
	for _ in $(seq 150); do
		if [ -S "$root/docker.sock" ] && DOCKER_HOST=unix://$root/docker.sock docker version >/dev/null 2>&1; then
			dpid=$(cat "$root/dockerd.pid")
			return 0
		fi
		sleep 0.2
	done
	echo "FAIL: dockerd did not start:"
	tail -n 20 "$root/dockerd.log"
	exit 1
}
proxy() { # MODE [PID]: the proxy in front of the engine
	python3 "$src/tests/tools/faultproxy.py" "$tmp/proxy.sock" "$root/docker.sock" "$@" >"$tmp/proxy.log" 2>&1 &
	ppid=$!
	for _ in $(seq 50); do grep -q listening "$tmp/proxy.log" 2>/dev/null && return 0; sleep 0.1; done
	echo "FAIL: the proxy did not start"
	exit 1
}
leftovers() { # "CONTAINERS IMAGES" of nestcheck's label in the engine
	echo "$(DOCKER_HOST=unix://$root/docker.sock docker ps -aq --filter label=io.nestcheck.probe | wc -l)" \
		"$(DOCKER_HOST=unix://$root/docker.sock docker images -q --filter label=io.nestcheck.probe | wc -l)"
}
mkdir -p "$tmp/nctmp"
export TMPDIR=$tmp/nctmp

# --- dockerd killed mid-launch
start_dockerd "$tmp/engine"
for point in start wait; do
	proxy "kill-at-$point" "$dpid"
	t=$SECONDS
	DOCKER_HOST=unix://$tmp/proxy.sock ASAN_OPTIONS=detect_leaks=0 timeout -k 5 120 "$nestcheck" --only launch.container --json --timeout 10 \
		>"$tmp/$point.json" 2>"$tmp/$point.err"
	rc=$? took=$((SECONDS - t))
	echo "  killed at $point: exit $rc in $took s; proxy saw: $(grep -c . "$tmp/proxy.log") lines, $(grep -c FIRED "$tmp/proxy.log") fault"
	check "killed at $point: the fault was injected" "$(grep -c FIRED "$tmp/proxy.log")" 1
	check "killed at $point: nestcheck ended by itself with 0 or 1" "$([ $rc -le 1 ] && echo yes)" yes
	[ "$took" -le 60 ] && ok "killed at $point: ended in $took s (bound 60)" || bad "killed at $point: $took s"
	st=$(q "$tmp/$point.json" checks.launch.container.status)
	sum=$(q "$tmp/$point.json" checks.launch.container.summary)
	echo "  launch.container: $st: $sum"
	case $st in fail | error) ok "killed at $point: launch.container $st" ;; *) bad "killed at $point: launch.container '$st'" ;; esac
	check "killed at $point: nothing on stderr" "$(wc -c <"$tmp/$point.err")" 0
	stop_pid "$ppid"
	ppid=
	sleep 0.2
	alive "$dpid" && bad "killed at $point: dockerd still runs"
	# As when the engine's host crashes: its containerd and shims go too, and with them what
	# lives in /run (the exec root, the pid file); the data root stays.
	pgrep -f -- "$root/" | grep -vx "$$" | xargs -r kill -9 2>/dev/null
	sleep 0.5
	grep -F "$root/exec" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
	rm -rf "$root/exec" "$root/dockerd.pid"
	# The engine back: the next run works, and sweeps what the killed one left.
	start_dockerd "$tmp/engine"
	echo "  left by the killed run (containers images): $(leftovers)"
	DOCKER_HOST=unix://$root/docker.sock nc --only launch.container --json --timeout 30 >"$tmp/$point-next.json" 2>/dev/null
	check "after the kill at $point: the next run's launch.container" "$(q "$tmp/$point-next.json" checks.launch.container.status)" pass
	check "after the kill at $point: nestcheck's containers and images left" "$(leftovers)" "0 0"
	check "after the kill at $point: nothing in TMPDIR" "$(ls -A "$TMPDIR" | wc -l)" 0
	DOCKER_HOST=unix://$root/docker.sock engine_clear
done

# --- an engine that answers one byte a second
proxy trickle
t=$SECONDS
DOCKER_HOST=unix://$tmp/proxy.sock ASAN_OPTIONS=detect_leaks=0 timeout -k 5 120 "$nestcheck" --only runtime.engine,launch.container --json --timeout 3 \
	>"$tmp/trickle.json" 2>"$tmp/trickle.err"
rc=$? took=$((SECONDS - t))
echo "  trickle: exit $rc in $took s"
check "trickle: nestcheck ended by itself with 0 or 1" "$([ $rc -le 1 ] && echo yes)" yes
[ "$took" -le 15 ] && ok "trickle: ended in $took s (--timeout 3)" || bad "trickle: $took s with --timeout 3"
for id in runtime.engine launch.container; do
	st=$(q "$tmp/trickle.json" "checks.$id.status")
	echo "  $id: $st: $(q "$tmp/trickle.json" "checks.$id.summary")"
	[ "$st" != pass ] && ok "trickle: $id does not pass ($st)" || bad "trickle: $id passed"
done
check "trickle: nothing on stderr" "$(wc -c <"$tmp/trickle.err")" 0
stop_pid "$ppid"
ppid=
check "trickle: nestcheck's containers and images left" "$(leftovers)" "0 0"
DOCKER_HOST=unix://$root/docker.sock engine_clear
stop_pid "$dpid"
dpid=

# --- the data root full during the import
mkdir -p "$tmp/small"
mount -t tmpfs -o size=48m nestcheck-faults "$tmp/small" || { bad "cannot mount a tmpfs"; exit 1; }
start_dockerd "$tmp/small"
# Leave about 256 KiB: dockerd's own files fit, the probe image does not.
dd if=/dev/zero of="$tmp/small/filler" bs=1M count=64 status=none 2>/dev/null
rm -f "$tmp/small/filler"
avail=$(($(stat -f -c '%a*%S' "$tmp/small")))
dd if=/dev/zero of="$tmp/small/filler" bs=4096 count=$(((avail - 262144) / 4096)) status=none
echo "  data root free: $(df -k --output=avail "$tmp/small" | tail -n 1) KiB"
DOCKER_HOST=unix://$root/docker.sock nc --only launch.container --json --timeout 30 >"$tmp/full.json" 2>"$tmp/full.err"
rc=$?
st=$(q "$tmp/full.json" checks.launch.container.status)
sum=$(q "$tmp/full.json" checks.launch.container.summary)
echo "  full: exit $rc: launch.container $st: $sum"
check "full: launch.container" "$st" fail
case $sum in *"no space left"*) ok "full: the summary says no space is left" ;; *) bad "full: summary '$sum'" ;; esac
check "full: nestcheck's containers and images left" "$(leftovers)" "0 0"
check "full: nothing in TMPDIR" "$(ls -A "$TMPDIR" | wc -l)" 0
rm -f "$tmp/small/filler"
DOCKER_HOST=unix://$root/docker.sock nc --only launch.container --json --timeout 30 >"$tmp/room.json" 2>/dev/null
check "with room again: launch.container" "$(q "$tmp/room.json" checks.launch.container.status)" pass
check "with room again: nestcheck's containers and images left" "$(leftovers)" "0 0"
DOCKER_HOST=unix://$root/docker.sock engine_clear
stop_pid "$dpid"
dpid=
umount "$tmp/small" || umount -l "$tmp/small"

exit $fail
