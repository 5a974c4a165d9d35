#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2016 # scripts run inside instances are single-quoted on purpose
#
# tests/live/launch_lxd.sh NESTCHECK SOURCE_DIR JSONQ
#
# Live, as root: the engine checks inside LXD instances that run their own
# dockerd (tests/lxd/env.sh), against what that dockerd really does.
#   ok  unprivileged, security.nesting=true, cgroups mounted: launch.container
#       passes, and the uid map the probe saw is the one a busybox container
#       of that engine sees;
#   e   security.idmap.isolated=true, security.idmap.size=1000 (uid_map
#       "0 N 1000"): launch.container fails on the probe image's file owned by
#       65534, with the engine's "lchown ... invalid argument" text and the fix
#       `lxc config set NAME security.idmap.size ...`; that fix is applied and
#       the launch passes after it.
# Both: nothing of nestcheck's is left in the engine afterwards.
# Needs (fresh Debian 12): apt-get install lxd lxc lxcfs docker.io busybox-static.
# Starts lxcfs/LXD only if LXD is not answering; removes what it creates.
set -uo pipefail

NC=$(readlink -f "$1") SRC=$(readlink -f "$2") JSONQ=$(readlink -f "$3")
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for c in lxc lxd lxcfs dockerd busybox ldd; do
	command -v "$c" >/dev/null 2>&1 ||
		{ echo "SKIP: $c missing (apt-get install lxd lxc lxcfs docker.io busybox-static)"; exit 77; }
done

T0=$SECONDS
TMP=$(mktemp -d /tmp/nestcheck-live-launch-lxd.XXXXXX) || exit 2
NESTCHECK_LXD_STATE=$TMP.state
# shellcheck disable=SC2034 # read by env.sh
NESTCHECK_LXD_LOGDIR=$TMP
# shellcheck source=../lxd/env.sh
. "$SRC/tests/lxd/env.sh"
IMAGE=nc-launch-$$

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	lxd_session_end || rc=1
	rm -rf "$TMP"
	echo "live.launch_lxd: $((SECONDS - T0)) s"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail=0
ok() { echo "ok    [$CFG] $*"; }
bad() { echo "FAIL  [$CFG] $*"; fail=1; }
check() { # check WHAT GOT WANT
	if [ "$2" = "$3" ]; then ok "$1 = $2"; else bad "$1 = '$2', want '$3'"; fi
}
q() { ASAN_OPTIONS=detect_leaks=0 "$JSONQ" "$1" "$2" 2>/dev/null; }
# Remediation text, "\/" undone.
remedies() { q "$1" "checks.$2.remediation" | sed 's#\\/#/#g'; }

# nc_in NAME TAG: the bundled nestcheck --json inside NAME, timed -> $TMP/NAME.TAG.json
nc_in() {
	local name=$1 out=$TMP/$1.$2 t
	t=$(date +%s%N)
	lxc exec "$name" --env ASAN_OPTIONS=exitcode=86 --env UBSAN_OPTIONS=exitcode=87 -- \
		/tmp/nestcheck-bundle/nestcheck-run --json --only runtime.engine,launch,userns.idmap \
		</dev/null >"$out.json" 2>"$out.err"
	local rc=$?
	echo "      nestcheck inside $name: exit $rc, $((($(date +%s%N) - t) / 1000000)) ms"
	[ "$(q "$out.json" schema_version)" = 1 ] || { bad "$2: no JSON from nestcheck (exit $rc): $(head -c 400 "$out.err")"; return 1; }
	[ -s "$out.err" ] && bad "$2: nestcheck wrote to stderr: $(head -c 400 "$out.err")"
	return 0
}
leftovers() { # NAME: "CONTAINERS IMAGES" with nestcheck's label in NAME's engine
	lxc exec "$1" -- sh -c 'echo "$(docker ps -aq --filter label=io.nestcheck.probe | wc -l) $(docker images -q --filter label=io.nestcheck.probe | wc -l)"' </dev/null
}
setup() { # NAME KEY=VALUE...
	local name=$1
	shift
	lxd_launch "$name" "$IMAGE" "$@" || { bad "cannot launch $name"; return 1; }
	lxd_mount_cgroups "$name" || bad "lxd_mount_cgroups $name failed"
	lxd_docker_start "$name" || { bad "dockerd does not start in $name"; return 1; }
	lxc file push -q -r "$TMP/nestcheck-bundle" "$name/tmp/" </dev/null || { bad "cannot push the bundle"; return 1; }
	echo "      uid_map in $name: $(lxc exec "$name" -- cat /proc/self/uid_map </dev/null | awk '{$1=$1; print}')"
}
summary() { # FILE
	for id in runtime.engine launch.container launch.nested; do
		echo "      $id: $(q "$1" "checks.$id.status"): $(q "$1" "checks.$id.summary")"
	done
}

CFG=setup
lxd_up || { bad "lxd_up failed"; exit 1; }
lxd_image_build "$IMAGE" || { bad "image build failed"; exit 1; }
sh "$SRC/scripts/bundle.sh" "$TMP/nestcheck-bundle" "$NC" >/dev/null || { bad "bundle.sh failed"; exit 1; }
echo "      LXD up, image and bundle ready after $((SECONDS - T0)) s"

# --- a container that runs Docker --------------------------------------------------
CFG=ok
name=nc-launch-ok-$$
if setup "$name" security.nesting=true && nc_in "$name" first; then
	f=$TMP/$name.first.json
	summary "$f"
	check "runtime.engine" "$(q "$f" checks.runtime.engine.status)" pass
	check "launch.container" "$(q "$f" checks.launch.container.status)" pass
	# The truth: a busybox container of the same engine.
	truth=$(lxc exec "$name" -- sh -c '
		d=/tmp/bb; rm -rf $d; mkdir -p $d/bin; cp /bin/busybox $d/bin/
		tar -C $d -c . | docker import - nc/bb:1 >/dev/null &&
		docker run --rm --network none nc/bb:1 /bin/busybox cat /proc/self/uid_map; docker rmi nc/bb:1 >/dev/null' </dev/null |
		awk '{printf "%s%s %s %s", (NR>1?", ":""), $1, $2, $3}')
	check "probe uid map = a container's" "$(q "$f" checks.launch.container.evidence.probe_uid_map)" "$truth"
	echo "      launch.container phases (ms): $(for p in import create start wait remove remove_image; do printf '%s=%s ' $p "$(q "$f" checks.launch.container.evidence.ms_$p)"; done)"
	check "left in the engine" "$(leftovers "$name")" "0 0"
fi
lxd_delete "$name" || bad "cannot delete $name"

# --- an id map too small for the probe image ---------------------------------------
CFG=e
name=nc-launch-e-$$
if setup "$name" security.idmap.isolated=true security.idmap.size=1000 && nc_in "$name" first; then
	f=$TMP/$name.first.json
	summary "$f"
	check "launch.container" "$(q "$f" checks.launch.container.status)" fail
	check "failed phase" "$(q "$f" checks.launch.container.evidence.failed_phase)" import
	check "known failure" "$(q "$f" checks.launch.container.evidence.known_failure)" "uidmap-too-small (U1)"
	if q "$f" checks.launch.container.evidence.engine_error | grep -q 'lchown .*invalid argument'; then
		ok "the engine's own text: $(q "$f" checks.launch.container.evidence.engine_error)"
	else
		bad "engine_error lacks lchown: $(q "$f" checks.launch.container.evidence.engine_error)"
	fi
	cmd=$(remedies "$f" launch.container | grep -o "lxc config set $name security.idmap.size [0-9]*" | head -n 1)
	if [ -n "$cmd" ]; then ok "the fix names the instance: $cmd"; else bad "no 'lxc config set $name security.idmap.size' step: $(remedies "$f" launch.container)"; fi
	check "launch.nested" "$(q "$f" checks.launch.nested.status)" skip
	check "left in the engine" "$(leftovers "$name")" "0 0"
	# Apply the fix as printed, restart, and launch again.
	if [ -n "$cmd" ] && timeout 120 $cmd </dev/null && lxc restart "$name" </dev/null; then
		echo "      applied: $cmd; lxc restart $name"
		lxd_mount_cgroups "$name" || bad "lxd_mount_cgroups after restart failed"
		lxd_docker_start "$name" || bad "dockerd does not start after the fix"
		echo "      uid_map after: $(lxc exec "$name" -- cat /proc/self/uid_map </dev/null | awk '{$1=$1; print}')"
		if nc_in "$name" fixed; then
			v=$TMP/$name.fixed.json
			summary "$v"
			check "after the fix: launch.container" "$(q "$v" checks.launch.container.status)" pass
			check "after the fix: left in the engine" "$(leftovers "$name")" "0 0"
		fi
	else
		bad "could not apply the fix"
	fi
fi
lxd_delete "$name" || bad "cannot delete $name"
exit $fail
