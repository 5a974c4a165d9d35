#!/bin/bash
# Docker-in-Docker through a Docker engine on this host: nestcheck inside an
# unprivileged container against a real dockerd started inside it (ground
# truth). Starts its own outer dockerd (own socket, data root and exec root in
# a temp dir, no bridge, no iptables) and removes all of it.
#
# The privileged variant cannot run on this machine: its capability bounding
# set lacks CAP_SYS_RESOURCE, so `docker run --privileged` fails before the
# container starts ("unable to apply caps: operation not permitted"). The test
# records that and checks it stays true, so a machine where it works is noticed.
set -u
nestcheck=$1 src=$2 jsonq=$3
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v dockerd >/dev/null || { echo "SKIP: dockerd missing (apt-get install docker.io)"; exit 77; }

tmp=$(mktemp -d /var/tmp/nestcheck-dind.XXXXXX)
NESTCHECK_LXD_STATE=$tmp/lxd.state
# shellcheck source=../lxd/env.sh
. "$src/tests/lxd/env.sh"
dpid=
cleanup() {
	if [ -n "$dpid" ]; then
		docker rm -f nestcheck-dind nestcheck-dind-priv >/dev/null 2>&1
		docker rmi -f nestcheck-test/dind:1 >/dev/null 2>&1
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
check() { # check WHAT GOT WANT...
	local what=$1 got=$2 w
	shift 2
	for w in "$@"; do
		[ "$got" = "$w" ] && { echo "ok: $what = $got"; return 0; }
	done
	echo "FAIL: $what = '$got', want $*"
	fail=1
}

setsid dockerd --data-root "$tmp/data" --exec-root "$tmp/exec" --pidfile "$tmp/dockerd.pid" \
	-H "unix://$tmp/docker.sock" --bridge none --iptables=false --ip-masq=false >"$tmp/dockerd.log" 2>&1 &
dpid=$!
for _ in $(seq 100); do [ -S "$tmp/docker.sock" ] && break; sleep 0.2; done
export DOCKER_HOST=unix://$tmp/docker.sock
docker version >/dev/null 2>&1 || { echo "FAIL: dockerd did not start"; tail -n 20 "$tmp/dockerd.log"; exit 1; }

# The image: busybox and this machine's Docker engine (the rootfs of the LXD test image).
_nc_image_rootfs "$tmp/rootfs" >/dev/null 2>&1 || { echo "FAIL: building the rootfs"; exit 1; }
sh "$src/scripts/bundle.sh" "$tmp/rootfs/opt/nestcheck" "$nestcheck" || { echo "FAIL: bundle.sh"; exit 1; }
tar -C "$tmp/rootfs" --numeric-owner -c . | docker import - nestcheck-test/dind:1 >/dev/null ||
	{ echo "FAIL: docker import"; exit 1; }

# --- unprivileged: the Docker default ---
docker run -d --name nestcheck-dind --network none nestcheck-test/dind:1 /bin/sh -c 'sleep 600' >/dev/null ||
	{ echo "FAIL: docker run"; exit 1; }
docker exec nestcheck-dind /opt/nestcheck/nestcheck-run --json --no-launch >"$tmp/report.json"
rc=$?
"$jsonq" "$tmp/report.json" || { echo "FAIL: not JSON"; exit 1; }
q() { "$jsonq" "$tmp/report.json" "$1"; }
check "exit status" "$rc" 1
check "container.detect runtime" "$(q checks.container.detect.evidence.runtime)" docker
check "container.nesting (no CAP_SYS_ADMIN)" "$(q checks.container.nesting.status)" fail
check "verdict" "$(q verdict)" not_ready
if q checks.container.nesting.remediation | grep -q -- '--privileged'; then
	echo "ok: the fix starts the outer container privileged"
else
	echo "FAIL: container.nesting's fix does not mention --privileged"; fail=1
fi

# Ground truth: a Docker engine inside this container.
docker exec nestcheck-dind /bin/sh -c 'setsid dockerd >/var/log/dockerd.log 2>&1 </dev/null &
	for i in $(seq 50); do docker version >/dev/null 2>&1 && exit 0; pidof dockerd >/dev/null || exit 1; sleep 0.2; done; exit 1'
inner=$?
if [ "$inner" = 0 ] && docker exec nestcheck-dind /bin/sh -c 'mkdir -p /tmp/r/bin && cp /usr/bin/busybox /tmp/r/bin/ &&
	ln -sf busybox /tmp/r/bin/sh && tar -C /tmp/r -c . | docker import - t:1 >/dev/null &&
	docker run --rm --network none t:1 /bin/sh -c true' >/dev/null 2>&1; then
	truth=works
else
	truth=fails
	echo "inner dockerd: $(docker exec nestcheck-dind tail -n 1 /var/log/dockerd.log 2>/dev/null)"
fi
echo "ground truth (unprivileged): Docker inside $truth"
check "verdict agrees with Docker inside" "$truth" fails

# --- privileged: what the fix asks for ---
if docker run -d --name nestcheck-dind-priv --privileged --network none nestcheck-test/dind:1 \
	/bin/sh -c 'sleep 600' >"$tmp/priv.out" 2>&1; then
	docker exec nestcheck-dind-priv /opt/nestcheck/nestcheck-run --json --no-launch >"$tmp/priv.json"
	check "privileged: container.nesting" "$("$jsonq" "$tmp/priv.json" checks.container.nesting.status)" pass
else
	echo "privileged DinD cannot start on this machine: $(grep -o 'unable to apply caps[^"]*' "$tmp/priv.out" | head -n 1)"
	grep -q 'unable to apply caps' "$tmp/priv.out" || { echo "FAIL: --privileged failed otherwise:"; cat "$tmp/priv.out"; fail=1; }
fi

echo "| DinD, unprivileged | Docker inside $truth | $(q verdict) | container.nesting=$(q checks.container.nesting.status) | --privileged: not startable here |"
exit $fail
