#!/bin/bash
# tests/lxd/ground-truth.sh - reproduce the "Docker inside LXD" ground-truth table
# of environment.md on this host: one LXD instance per configuration, dockerd
# inside, `docker run --rm --network none` of locally built images.
#
# Prints a markdown table on stdout (progress on stderr). Per configuration the
# observed uid_map, cgroup / nesting mounts, docker info and dockerd log go to
# $LXD_OBSERVED_DIR/<config>.txt (default /tmp/lxd-observed).
#
# Everything it creates (instances, the image, temp files) is removed on exit,
# also on failure. LXD/lxcfs are stopped again only if this script started them.
#
# Env: GT_IMAGE=alias  use an existing image instead of building one (then kept).
#      GT_ONLY="a c"   run only these configurations.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OBS_DIR=${LXD_OBSERVED_DIR:-/tmp/lxd-observed}
# Own state file: never share (and clean up) what a calling script created.
NESTCHECK_LXD_STATE=$(mktemp /tmp/nestcheck-gt.XXXXXX)
# shellcheck source=env.sh
. "$HERE/env.sh"

IMAGE=${GT_IMAGE:-nestcheck-gt-$$}
ONLY=${GT_ONLY:-a b c d e}
RUN=(docker run --rm --network none --pull=never)

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	lxd_session_end || rc=1
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
say() { printf '[ground-truth] %s\n' "$*" >&2; }

# First meaningful line of an error text (library notes "[lxd-env] ..." skipped).
first_err() {
	printf '%s\n' "$1" | awk '!done && NF && !/^\[lxd-env\]/ {
		gsub(/\|/, "\\|"); sub(/[ \t\r]+$/, ""); print; done = 1 }'
}

# Observed state of instance NAME under heading TITLE.
observe() { # NAME TITLE
	local f
	echo "## $2"
	for f in /proc/self/uid_map /proc/self/gid_map /proc/self/cgroup /proc/1/cgroup; do
		echo "### $f"
		lxc exec "$1" -- cat "$f" </dev/null 2>&1 || true
	done
	echo "### /proc/self/mountinfo | grep -E 'cgroup|/dev/.lxc'"
	lxc exec "$1" -- cat /proc/self/mountinfo </dev/null 2>&1 | grep -E 'cgroup|/dev/.lxc' || echo "(none)"
	echo
}

# run_config ID CGROUPS(yes|no) NOBODY(yes|no) DESCRIPTION [KEY=VALUE...]
run_config() {
	local id=$1 cg=$2 nobody=$3 desc=$4
	shift 4
	local name="ncgt-$id-$$" obs="$OBS_DIR/$id.txt" out err="" bb="-" nb="-" uidmap="-" t0
	t0=$(now)
	say "config $id: $desc"
	{
		echo "# config $id: $desc"
		echo "# lxc config keys: ${*:-(none)}; cgroups mounted by hand: $cg"
		echo
	} >"$obs"

	if ! out=$(lxd_launch "$name" "$IMAGE" "$@" 2>&1); then
		err="lxd_launch: $(first_err "$out")"
		bb=FAILS
		[ "$nobody" = no ] || nb=FAILS
	else
		uidmap=$(lxc exec "$name" -- cat /proc/self/uid_map </dev/null 2>&1 | awk 'NR == 1 { $1 = $1; print }') || true
		observe "$name" "before lxd_mount_cgroups" >>"$obs"
		if [ "$cg" = yes ] && ! out=$(lxd_mount_cgroups "$name" 2>&1); then
			err="mount cgroups: $(first_err "$out")"
		fi
		[ "$cg" = no ] || observe "$name" "after lxd_mount_cgroups" >>"$obs"
		if [ -z "$err" ] && ! out=$(lxd_docker_start "$name" 2>&1); then
			err="dockerd: $(first_err "$out")"
		fi
		local img_rc=0 img_err=""
		if [ -z "$err" ]; then
			out=$(docker_test_image_in "$name" 2>&1) || img_rc=$?
			[ -z "$out" ] || printf '## docker_test_image_in (rc %s)\n%s\n\n' "$img_rc" "$out" >>"$obs"
			case $img_rc in
			0) ;;
			2) img_err="docker import local/nobody:1: $(first_err "$out")" ;;
			*) err="docker import local/busybox:1: $(first_err "$out")" ;;
			esac
		fi
		if [ -z "$err" ]; then
			echo "## ${RUN[*]} local/busybox:1 true" >>"$obs"
			if out=$(lxc exec "$name" -- "${RUN[@]}" local/busybox:1 true </dev/null 2>&1); then
				bb=works
			else
				bb=FAILS
				err=$(first_err "$out")
			fi
			printf '%s\n\n' "${out:-(no output)}" >>"$obs"
			if [ "$nobody" = yes ]; then
				echo "## ${RUN[*]} local/nobody:1 true" >>"$obs"
				if out=$(lxc exec "$name" -- "${RUN[@]}" local/nobody:1 true </dev/null 2>&1); then
					nb=works
				else
					nb=FAILS
					# The import error says why; "No such image" would not.
					[ -n "$err" ] || err=${img_err:-$(first_err "$out")}
				fi
				printf '%s\n\n' "${out:-(no output)}" >>"$obs"
			fi
		else
			bb=FAILS
			[ "$nobody" = no ] || nb=FAILS
		fi
		{
			echo "## docker info (selected)"
			lxc exec "$name" -- docker info </dev/null 2>&1 |
				grep -E 'Storage Driver|Cgroup|Security Options|seccomp|Profile|userns|rootless|Kernel Version|Server Version' || true
			echo
			echo "## /var/log/dockerd.log (warnings/errors, last 25)"
			lxc exec "$name" -- cat /var/log/dockerd.log </dev/null 2>&1 |
				grep -E 'level=(warn|error|fatal)' | tail -n 25 || true
		} >>"$obs"
	fi
	if ! out=$(lxd_delete "$name" 2>&1); then
		say "cannot delete $name: $out"
	fi
	# shellcheck disable=SC2016
	printf '| %s | %s | %s | `%s` | %s | %s | %s |\n' \
		"$id" "$desc" "$cg" "$uidmap" "$bb" "$nb" "${err:+\`$err\`}"
	say "config $id done in $(since "$t0") s"
}

T_START=$(now)
mkdir -p "$OBS_DIR"
lxd_up
T_IMG=$(now)
lxd_image_build "$IMAGE" >&2
IMG_SECS=$(since "$T_IMG")
say "image $IMAGE ready in $IMG_SECS s"

printf '| config | LXD instance | cgroups mounted inside | uid_map | local/busybox:1 | local/nobody:1 | first error |\n'
printf '|---|---|---|---|---|---|---|\n'
for id in $ONLY; do
	case $id in
	a) run_config a no no "unprivileged, security.nesting=true" security.nesting=true ;;
	b) run_config b yes no "unprivileged, security.nesting=true" security.nesting=true ;;
	c) run_config c yes no "unprivileged, no security.nesting" ;;
	d) run_config d yes no "security.privileged=true" security.privileged=true ;;
	e) run_config e yes yes "security.idmap.isolated=true, security.idmap.size=1000" \
		security.idmap.isolated=true security.idmap.size=1000 ;;
	*) say "unknown config $id" ;;
	esac
done
printf '\nimage build: %s s; whole run (until cleanup): %s s; details: %s/<config>.txt\n' \
	"$IMG_SECS" "$(since "$T_START")" "$OBS_DIR"
