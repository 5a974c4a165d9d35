#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2016,SC2317 # single-quoted scripts run inside instances; cleanup runs from a trap
#
# capture-lxd-fixtures.sh NESTCHECK [FIXTURE...]
#
# Capture the LXD configurations of environment.md's ground-truth table as
# replay fixtures: for each one, launch an instance with a FIXED name (the name
# ends up in the capture, so fixed names keep the goldens stable), run
#   sh capture-sysroot.sh /tmp/cap/root "/tmp/nestcheck-bundle/nestcheck-run"
# INSIDE it with the bundled NESTCHECK (scripts/bundle.sh), pull the result to
# fixtures/FIXTURE/root (replacing it), then observe the Docker ground truth in
# the same instance (dockerd inside, `docker run --rm --network none` of
# local/busybox:1 and local/nobody:1) and write fixtures/FIXTURE/README.md.
#
#   fixture                  instance               configuration
#   lxd-nesting-no-cgroups   nc-nesting-no-cgroups  security.nesting=true, cgroups not mounted
#   lxd-nesting              nc-nesting             security.nesting=true, cgroups mounted
#   lxd-no-nesting           nc-no-nesting          no security.nesting, cgroups mounted
#   lxd-privileged           nc-privileged          security.privileged=true, cgroups mounted
#   lxd-small-idmap          nc-small-idmap         security.idmap.isolated=true, security.idmap.size=1000, cgroups mounted
#
# Default: all five. Afterwards regenerate and REVIEW the goldens:
#   UPDATE_GOLDEN=1 bash tests/replay-fixture.sh BUILD/nestcheck fixtures/FIXTURE
#
# Root, Debian 12 with lxd lxc lxcfs docker.io busybox-static. Starts lxcfs/LXD
# only if LXD is not answering and stops only what it started; the instances,
# the image and temp files are removed on exit, also on failure.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
if [ $# -lt 1 ]; then
	echo "usage: ${0##*/} NESTCHECK [FIXTURE...]" >&2
	exit 2
fi
NC=$(readlink -f "$1")
shift
[ -x "$NC" ] || { echo "not executable: $NC" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "capture-lxd-fixtures: needs root" >&2; exit 2; }
FIXTURES=${FIXTURES_DIR:-$SRC/fixtures}
WANT=("$@")
[ ${#WANT[@]} -gt 0 ] || WANT=(lxd-nesting-no-cgroups lxd-nesting lxd-no-nesting lxd-privileged lxd-small-idmap)

TMP=$(mktemp -d /tmp/nestcheck-capture-lxd.XXXXXX) || exit 2
NESTCHECK_LXD_STATE=$TMP.state
# shellcheck disable=SC2034 # read by env.sh: lxd/lxcfs logs, if this run starts them
NESTCHECK_LXD_LOGDIR=$TMP
# shellcheck source=../tests/lxd/env.sh
. "$SRC/tests/lxd/env.sh"
IMAGE=nc-capture-$$
RUN=(docker run --rm --network none --pull=never)

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	lxd_session_end || rc=1
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say() { printf '[capture-lxd] %s\n' "$*" >&2; }
first_line() { grep -v '^\[lxd-env\]' | awk 'NF { sub(/[ \t\r]+$/, ""); print; exit }'; }

# spec FIXTURE -> sets INSTANCE CGROUPS KEYS DESC EXPECT
spec() {
	case $1 in
	lxd-nesting-no-cgroups)
		INSTANCE=nc-nesting-no-cgroups CGROUPS=no KEYS=(security.nesting=true)
		DESC="Unprivileged LXD instance with security.nesting=true whose init (busybox) mounts no cgroups"
		EXPECT="not_ready: cgroup.layout fail (layout none) with a where=container remediation that mounts the hierarchies; container.nesting pass"
		;;
	lxd-nesting)
		INSTANCE=nc-nesting CGROUPS=yes KEYS=(security.nesting=true)
		DESC="Unprivileged LXD instance with security.nesting=true, cgroups mounted by hand (v1 controllers + cgroup2 at /sys/fs/cgroup/unified)"
		EXPECT="ready: every check passes (container.detect lxc, container.nesting pass, cgroup.layout hybrid)"
		;;
	lxd-no-nesting)
		INSTANCE=nc-no-nesting CGROUPS=yes KEYS=()
		DESC="Unprivileged LXD instance WITHOUT security.nesting, cgroups mounted by hand"
		EXPECT="degraded: container.nesting warn (no /dev/.lxc/proc, but AppArmor is not enabled on this kernel, so not fail), the rest pass"
		;;
	lxd-privileged)
		INSTANCE=nc-privileged CGROUPS=yes KEYS=(security.privileged=true)
		DESC="Privileged LXD instance (security.privileged=true, uid_map 0 0 4294967295, no security.nesting), cgroups mounted by hand"
		EXPECT="degraded: userns.idmap warn (identity map in a container: root inside is root on the host) and container.nesting warn"
		;;
	lxd-small-idmap)
		INSTANCE=nc-small-idmap CGROUPS=yes KEYS=(security.idmap.isolated=true security.idmap.size=1000)
		DESC="Unprivileged LXD instance with security.idmap.isolated=true and security.idmap.size=1000 (uid_map 0 165536 1000, no security.nesting), cgroups mounted by hand"
		EXPECT="not_ready: userns.idmap fail (1000 ids mapped) with a host remediation 'lxc config set NAME security.idmap.size ...'; container.nesting warn"
		;;
	*) return 1 ;;
	esac
}

# ground_truth NAME: dockerd inside, both images, one run each -> one line per image.
ground_truth() {
	local name=$1 out rc=0 bb="FAILS" nb="FAILS" err=""
	if ! out=$(lxd_docker_start "$name" 2>&1); then
		err="dockerd did not start: $(printf '%s\n' "$out" | first_line)"
	else
		out=$(docker_test_image_in "$name" 2>&1) || rc=$?
		case $rc in
		0) ;;
		2) err="docker import of local/nobody:1: $(printf '%s\n' "$out" | first_line)" ;;
		*) err="docker import of local/busybox:1: $(printf '%s\n' "$out" | first_line)" ;;
		esac
		if [ "$rc" != 1 ]; then
			if out=$(lxc exec "$name" -- timeout 60 "${RUN[@]}" local/busybox:1 true </dev/null 2>&1); then
				bb=works
			else
				err=${err:-$(printf '%s\n' "$out" | first_line)}
			fi
		fi
		if [ "$rc" = 0 ]; then
			if out=$(lxc exec "$name" -- timeout 60 "${RUN[@]}" local/nobody:1 true </dev/null 2>&1); then
				nb=works
			else
				err=${err:-$(printf '%s\n' "$out" | first_line)}
			fi
		fi
	fi
	printf '%s\n%s\n%s\n' "$bb" "$nb" "$err"
}

capture_one() {
	local fx=$1 dir=$FIXTURES/$1 gt bb nb err keys keys_md cg_md uidmap recorded
	spec "$fx" || { say "unknown fixture $fx"; return 1; }
	keys=${KEYS[*]:-}
	if [ -n "$keys" ]; then keys_md="\`$keys\`"; else keys_md="no extra config keys"; fi
	if [ "$CGROUPS" = yes ]; then
		cg_md="cgroups then mounted by hand (lxd_mount_cgroups)"
	else
		cg_md="cgroups NOT mounted (its busybox init mounts none)"
	fi
	say "$fx: instance $INSTANCE, keys: ${keys:-(none)}, cgroups mounted: $CGROUPS"
	lxd_launch "$INSTANCE" "$IMAGE" ${KEYS[@]+"${KEYS[@]}"} || return 1
	if [ "$CGROUPS" = yes ]; then lxd_mount_cgroups "$INSTANCE" || return 1; fi
	lxc file push -q -r "$TMP/nestcheck-bundle" "$INSTANCE/tmp/" </dev/null || return 1
	lxc file push -q "$SRC/scripts/capture-sysroot.sh" "$INSTANCE/tmp/capture-sysroot.sh" </dev/null || return 1
	lxc exec "$INSTANCE" -- sh -c 'rm -rf /tmp/cap && sh /tmp/capture-sysroot.sh /tmp/cap/root "/tmp/nestcheck-bundle/nestcheck-run"' \
		</dev/null || { say "$fx: capture-sysroot.sh failed inside $INSTANCE"; return 1; }
	uidmap=$(lxc exec "$INSTANCE" -- cat /proc/self/uid_map </dev/null | awk 'NR == 1 { $1 = $1; print }')
	mkdir -p "$dir" && rm -rf "$dir/root" "$TMP/pull" && mkdir -p "$TMP/pull" || return 1
	lxc file pull -q -r "$INSTANCE/tmp/cap/root" "$TMP/pull/" </dev/null || return 1
	mv "$TMP/pull/root" "$dir/root" || return 1
	# Then the ground truth, in the same instance (after the capture: dockerd
	# adds mounts and cgroups of its own).
	gt=$(ground_truth "$INSTANCE")
	bb=$(printf '%s\n' "$gt" | sed -n 1p) nb=$(printf '%s\n' "$gt" | sed -n 2p) err=$(printf '%s\n' "$gt" | sed -n 3p)
	say "$fx: docker run local/busybox:1 $bb, local/nobody:1 $nb${err:+ ($err)}"
	cat >"$dir/README.md" <<EOF
# $fx

$DESC.

Captured on the build machine (Debian 12, Firecracker-style kernel $(uname -r), no AppArmor, hybrid
cgroups, LXD $(lxd --version 2>/dev/null || echo '?') with a dir pool and no network) by
\`scripts/capture-lxd-fixtures.sh BUILD/nestcheck $fx\`: an instance of a busybox + Docker engine
image built from the host's binaries (tests/lxd/env.sh), launched as \`$INSTANCE\` with
$keys_md, $cg_md, then inside it ($NC_VERSION, bundled with scripts/bundle.sh):

    sh capture-sysroot.sh /tmp/cap/root "/tmp/nestcheck-bundle/nestcheck-run"

and \`lxc file pull -r\` of /tmp/cap/root. uid_map inside: \`$uidmap\`.

Docker ground truth observed in the same instance afterwards (dockerd inside,
\`docker run --rm --network none\`):

| image | result |
|---|---|
| local/busybox:1 (all files uid 0) | $bb |
| local/nobody:1 (a file owned by 65534) | $nb |
${err:+
First error: \`$err\`
}
Expected verdict: $EXPECT.
EOF
	recorded=$(sed -n 's/^container\.name=//p' "$dir/root/.nestcheck/observations" 2>/dev/null)
	if [ "$recorded" != "$INSTANCE" ]; then
		say "$fx: WARNING: nestcheck recorded container.name=${recorded:-(nothing)}, not the instance name $INSTANCE"
		cat >>"$dir/README.md" <<EOF

Note: nestcheck recorded \`container.name=${recorded:-(nothing)}\` (root/.nestcheck/observations), not the
instance name \`$INSTANCE\`, so the report's host-side \`lxc\` commands name the wrong instance.
Recapture with a nestcheck that records the name, then regenerate the goldens.
EOF
	fi
	lxd_delete "$INSTANCE" || return 1
	say "$fx: captured into $dir/root"
}

lxd_up || exit 1
lxd_image_build "$IMAGE" >&2 || exit 1
sh "$SRC/scripts/bundle.sh" "$TMP/nestcheck-bundle" "$NC" || exit 1
NC_VERSION=$("$NC" --version 2>/dev/null)
rc=0
for fx in "${WANT[@]}"; do
	if ! capture_one "$fx"; then
		say "$fx: FAILED"
		rc=1
	fi
done
say "next: UPDATE_GOLDEN=1 bash tests/replay-fixture.sh BUILD/nestcheck fixtures/FIXTURE, then review the goldens"
exit $rc
