#!/bin/bash
# Live on this machine, as root: nestcheck's verdict against what a real
# Docker engine does here. Starts its own dockerd (own socket, data root and
# exec root in a temp dir, no bridge, no iptables) and removes all of it.
set -u
nestcheck=$1 src=$2 jsonq=$3
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v dockerd >/dev/null || { echo "SKIP: dockerd missing (apt-get install docker.io)"; exit 77; }

tmp=$(mktemp -d /var/tmp/nestcheck-live.XXXXXX)
dpid=
cleanup() {
	if [ -n "$dpid" ]; then
		kill "$dpid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.2; done
		kill -9 "$dpid" 2>/dev/null
	fi
	# dockerd leaves its overlay and netns mounts under its roots when killed hard.
	grep -F "$tmp" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail=0
check() { # check WHAT GOT WANT
	if [ "$2" = "$3" ]; then echo "ok: $1 = $2"; else echo "FAIL: $1 = '$2', want '$3'"; fail=1; fi
}

"$nestcheck" --json >"$tmp/report.json"
rc=$?
"$jsonq" "$tmp/report.json" || { echo "FAIL: live report is not JSON"; exit 1; }
q() { "$jsonq" "$tmp/report.json" "$1"; }
verdict=$(q verdict)
echo "nestcheck: verdict $verdict, exit $rc"
check "container.detect runtime" "$(q checks.container.detect.evidence.runtime)" none
check "no check broke" "$(q summary.error)" 0

# The id map and cgroup layout it reports are this machine's.
check "uid map" "$(q checks.userns.idmap.evidence.uid_ranges)" "$(awk '{printf "%s%s %s %s", (NR>1?", ":""), $1, $2, $3}' /proc/self/uid_map)"
layout=$(q checks.cgroup.layout.evidence.layout)
if grep -q ' - cgroup2 ' /proc/self/mountinfo && grep -q ' - cgroup ' /proc/self/mountinfo; then want=hybrid
elif grep -q ' - cgroup2 ' /proc/self/mountinfo; then want=v2
elif grep -q ' - cgroup ' /proc/self/mountinfo; then want=v1
else want=none; fi
check "cgroup layout" "$layout" "$want"

# A capture of this host replays to the same statuses, live probes included.
statuses() { grep -oE '"(id|status)": "[^"]*"' "$1" | paste - - ; }
bash "$src/scripts/capture-sysroot.sh" "$tmp/capture/root" "$nestcheck" || { echo "FAIL: capture-sysroot.sh"; fail=1; }
"$nestcheck" --root "$tmp/capture/root" --json >"$tmp/replay.json"
if d=$(diff <(statuses "$tmp/report.json") <(statuses "$tmp/replay.json")); then
	echo "ok: a capture of this host replays to the live statuses"
else
	echo "FAIL: replay differs from live (< live, > replay):"; echo "$d"; fail=1
fi

# Ground truth: a real container through a real engine.
mkdir -p "$tmp/rootfs/bin"
cp /bin/busybox "$tmp/rootfs/bin/" && ln -s busybox "$tmp/rootfs/bin/sh"
setsid dockerd --data-root "$tmp/data" --exec-root "$tmp/exec" --pidfile "$tmp/dockerd.pid" \
	-H "unix://$tmp/docker.sock" --bridge none --iptables=false --ip-masq=false \
	>"$tmp/dockerd.log" 2>&1 &
dpid=$!
for _ in $(seq 100); do [ -S "$tmp/docker.sock" ] && break; sleep 0.2; done
export DOCKER_HOST=unix://$tmp/docker.sock
if ! docker version >/dev/null 2>&1; then
	echo "FAIL: dockerd did not start:"; tail -n 20 "$tmp/dockerd.log"; exit 1
fi
cgv=$(docker info --format '{{.CgroupVersion}}')
# dockerd's own storage driver, on its own data root (a temp dir on the same filesystem as
# /var/lib/docker here): overlay2 where nestcheck's overlay test mounted overlay.
drv=$(docker info --format '{{.Driver}}')
case $drv in overlay2) want=pass ;; *) want=fail ;; esac
check "overlay.mount agrees with dockerd's driver ($drv)" "$(q checks.overlay.mount.status)" "$want"
case $layout in hybrid|v1) check "docker cgroup version" "$cgv" 1 ;; v2) check "docker cgroup version" "$cgv" 2 ;; esac
tar -C "$tmp/rootfs" -c . | docker import - nestcheck-test/busybox:live >/dev/null
if docker run --rm --network none nestcheck-test/busybox:live /bin/sh -c 'echo hello' 2>"$tmp/run.err" | grep -q hello; then
	truth=works
else
	truth=fails
	echo "docker run failed: $(head -n 3 "$tmp/run.err")"
fi
docker rmi -f nestcheck-test/busybox:live >/dev/null 2>&1
echo "ground truth: docker run $truth"
case $verdict in ready|degraded) predicted=works ;; *) predicted=fails ;; esac
check "verdict agrees with docker run" "$predicted" "$truth"
exit $fail
