#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Live on this machine, as root: the engine checks against a real dockerd of
# this test's own (own socket, data root and exec root in a temp dir, no
# bridge, no iptables), all of it removed at the end.
#  - runtime.engine reports what `docker info` says;
#  - launch.container passes, and the uid map the probe saw inside is the one
#    a container of a busybox image sees;
#  - launch.nested agrees with what a privileged container really does;
#  - SIGINT and SIGTERM at several points of a launch (during the import of a
#    fresh image too) leave no container, no image and no temp file behind,
#    and end nestcheck with the signal; a second signal ends it at once, and
#    the next run sweeps what it left; --keep-image keeps the image, and the
#    next run reuses it.
set -u
nestcheck=$1 jsonq=$3
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v dockerd >/dev/null || { echo "SKIP: dockerd missing (apt-get install docker.io)"; exit 77; }
command -v docker >/dev/null || { echo "SKIP: the docker CLI is missing (apt-get install docker.io)"; exit 77; }
[ -x /bin/busybox ] || { echo "SKIP: /bin/busybox missing (apt-get install busybox-static)"; exit 77; }

tmp=$(mktemp -d /var/tmp/nestcheck-live-launch.XXXXXX)
dpid=
cleanup() {
	if [ -n "$dpid" ]; then
		docker ps -aq --filter label=io.nestcheck.probe 2>/dev/null | xargs -r docker rm -f >/dev/null 2>&1
		docker ps -aq 2>/dev/null | xargs -r docker rm -f >/dev/null 2>&1
		kill "$dpid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.2; done
		kill -9 "$dpid" 2>/dev/null
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

setsid dockerd --data-root "$tmp/data" --exec-root "$tmp/exec" --pidfile "$tmp/dockerd.pid" \
	-H "unix://$tmp/docker.sock" --bridge none --iptables=false --ip-masq=false \
	>"$tmp/dockerd.log" 2>&1 &
dpid=$!
for _ in $(seq 100); do [ -S "$tmp/docker.sock" ] && break; sleep 0.2; done
export DOCKER_HOST=unix://$tmp/docker.sock
if ! docker version >/dev/null 2>&1; then
	echo "FAIL: dockerd did not start:"; tail -n 20 "$tmp/dockerd.log"; exit 1
fi
# nestcheck's own temp files would land here.
mkdir -p "$tmp/nctmp"
export TMPDIR=$tmp/nctmp

leftovers() { # "CONTAINERS IMAGES" carrying nestcheck's label
	echo "$(docker ps -aq --filter label=io.nestcheck.probe | wc -l) $(docker images -q --filter label=io.nestcheck.probe | wc -l)"
}
q() { "$jsonq" "$1" "$2" 2>/dev/null; }

# --- a full run -------------------------------------------------------------------
t0=$(date +%s%N)
"$nestcheck" --json >"$tmp/report.json"
rc=$?
t1=$(date +%s%N)
"$jsonq" "$tmp/report.json" >/dev/null || { echo "FAIL: the report is not JSON"; exit 1; }
r=$tmp/report.json
echo "nestcheck: exit $rc, verdict $(q "$r" verdict), $(((t1 - t0) / 1000000)) ms in all"
echo "runtime.engine:   $(q "$r" checks.runtime.engine.summary)"
echo "launch.container: $(q "$r" checks.launch.container.summary)"
echo "launch.nested:    $(q "$r" checks.launch.nested.summary)"
for p in cleanup import create start wait logs remove remove_image; do
	printf '  launch.container ms_%s = %s\n' "$p" "$(q "$r" checks.launch.container.evidence.ms_$p)"
done
check "no check broke" "$(q "$r" summary.error)" 0

# runtime.engine against docker info.
check "runtime.engine status" "$(q "$r" checks.runtime.engine.status)" pass
check "engine version" "$(q "$r" checks.runtime.engine.evidence.version)" "$(docker version --format '{{.Server.Version}}')"
check "storage driver" "$(q "$r" checks.runtime.engine.evidence.storage_driver)" "$(docker info --format '{{.Driver}}')"
check "cgroup version" "$(q "$r" checks.runtime.engine.evidence.cgroup_version)" "$(docker info --format '{{.CgroupVersion}}')"
check "cgroup driver" "$(q "$r" checks.runtime.engine.evidence.cgroup_driver)" "$(docker info --format '{{.CgroupDriver}}')"
check "data root" "$(q "$r" checks.runtime.engine.evidence.data_root)" "$tmp/data"

# launch.container against a container of a busybox image.
mkdir -p "$tmp/rootfs/bin"
cp /bin/busybox "$tmp/rootfs/bin/" && ln -s busybox "$tmp/rootfs/bin/sh"
tar -C "$tmp/rootfs" -c . | docker import - nestcheck-test/busybox:launch >/dev/null
truth_map=$(docker run --rm --network none nestcheck-test/busybox:launch /bin/busybox cat /proc/self/uid_map |
	awk '{printf "%s%s %s %s", (NR>1?", ":""), $1, $2, $3}')
if [ -n "$truth_map" ]; then
	check "launch.container status (docker run works)" "$(q "$r" checks.launch.container.status)" pass
	check "the probe's uid map is a container's" "$(q "$r" checks.launch.container.evidence.probe_uid_map)" "$truth_map"
else
	check "launch.container status (docker run fails)" "$(q "$r" checks.launch.container.status)" fail
fi
check "nothing left after a run" "$(leftovers)" "0 0"

# launch.nested against a privileged container doing the same steps by hand.
if docker run --rm --network none --privileged nestcheck-test/busybox:launch /bin/sh -c \
	'busybox unshare -U -m -p -f --mount-proc true && busybox mount -t tmpfs t /tmp && busybox mkdir /tmp/l /tmp/u /tmp/w /tmp/m && busybox mount -t overlay o -o lowerdir=/tmp/l,upperdir=/tmp/u,workdir=/tmp/w /tmp/m' \
	>"$tmp/nested.out" 2>&1; then
	truth=pass
else
	truth=warn
	echo "a privileged container by hand: $(head -c 300 "$tmp/nested.out")"
fi
check "launch.nested status agrees with a privileged container by hand" "$(q "$r" checks.launch.nested.status)" "$truth"
docker rmi nestcheck-test/busybox:launch >/dev/null

# --- signals ----------------------------------------------------------------------
# interrupt SIGNAL DELAY: start a launch, signal it after DELAY seconds; then
# nothing of it may remain, and it must have died of the signal (or finished first).
interrupt() {
	local sig=$1 delay=$2 pid rc want
	"$nestcheck" --only launch --json >"$tmp/int.out" 2>"$tmp/int.err" &
	pid=$!
	sleep "$delay"
	kill -s "$sig" "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	case $sig in INT) want=130 ;; TERM) want=143 ;; esac
	if [ "$rc" = "$want" ]; then
		ok "SIG$sig after ${delay}s: died of the signal ($rc)"
	elif [ "$rc" = 0 ] || [ "$rc" = 1 ]; then
		# Over already, or signalled before nestcheck set its handler (a background job of a
		# script starts with SIGINT ignored).
		ok "SIG$sig after ${delay}s: ended on its own ($rc)"
	else
		bad "SIG$sig after ${delay}s: exit $rc"
		head -n 5 "$tmp/int.err"
	fi
	check "SIG$sig after ${delay}s: containers and images left" "$(leftovers)" "0 0"
	check "SIG$sig after ${delay}s: temp files left" "$(find "$TMPDIR" -mindepth 1 | wc -l)" 0
}
# Points spread over a whole launch (each run imports the image anew: no
# --keep-image), the first ones inside the import.
t0=$(date +%s%N)
"$nestcheck" --only launch --json >/dev/null
dur=$((($(date +%s%N) - t0) / 1000000))
echo "a launch (--only launch) takes $dur ms here; import $(q "$r" checks.launch.container.evidence.ms_import) ms of it"
for pct in 2 5 10 20 30 40 50 60 70 80 90; do
	interrupt INT "$(awk -v d="$dur" -v p="$pct" 'BEGIN { printf "%.3f", d * p / 100000 }')"
done
for pct in 10 50; do
	interrupt TERM "$(awk -v d="$dur" -v p="$pct" 'BEGIN { printf "%.3f", d * p / 100000 }')"
done

# A second signal ends it at once; the next run sweeps what it left.
"$nestcheck" --only launch --json >/dev/null 2>&1 &
pid=$!
sleep "$(awk -v d="$dur" 'BEGIN { printf "%.3f", d * 0.4 / 1000 }')"
kill -INT "$pid"
kill -INT "$pid"
wait "$pid"
echo "two signals: exit $? (leftovers: $(leftovers))"
"$nestcheck" --only launch.container --json >"$tmp/after.json"
check "the next run passes" "$(q "$tmp/after.json" checks.launch.container.status)" pass
echo "  it swept: $(q "$tmp/after.json" checks.launch.container.evidence.leftovers_removed || echo nothing)"
check "after the next run" "$(leftovers)" "0 0"

# --- --keep-image --------------------------------------------------------------------
"$nestcheck" --only launch.container --keep-image --json >"$tmp/keep.json"
check "--keep-image: kept" "$(q "$tmp/keep.json" checks.launch.container.evidence.image_after)" "kept (--keep-image)"
check "--keep-image: the image is there" "$(leftovers)" "0 1"
"$nestcheck" --only launch.container --json >"$tmp/reuse.json"
check "next run: image reused" "$(q "$tmp/reuse.json" checks.launch.container.evidence.image_reused)" true
check "next run: removed after" "$(leftovers)" "0 0"

# --- replay: a recorded launch gives the same report ---------------------------------
mkdir -p "$tmp/root/.nestcheck"
"$nestcheck" --only runtime.engine,launch --json --record "$tmp/root/.nestcheck/observations" >"$tmp/live.json"
mkdir -p "$tmp/root/proc/sys/kernel" && cp /proc/sys/kernel/osrelease "$tmp/root/proc/sys/kernel/"
"$nestcheck" --root "$tmp/root" --only runtime.engine,launch --json >"$tmp/replay.json"
statuses() { grep -oE '"(id|status|summary)": "[^"]*"' "$1"; }
if d=$(diff <(statuses "$tmp/live.json") <(statuses "$tmp/replay.json")); then
	ok "a recorded launch replays to the same statuses and summaries"
else
	bad "replay differs (< live, > replay):"; echo "$d"
fi
check "nothing left at the end" "$(leftovers)" "0 0"
exit $fail
