#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2016 # scripts run inside containers are single-quoted on purpose
#
# tests/live/lxc.sh NESTCHECK SOURCE_DIR JSONQ
#
# Live, as root: nestcheck under plain LXC (the lxc package: lxc-create,
# lxc-start, lxc-attach; no LXD, no Incus). The containers are privileged (no
# lxc.idmap), in the default lxcpath /var/lib/lxc (the path nestcheck's fixes
# name), made with the lxc-local template from the busybox + Docker engine root
# file system of the LXD tier (tests/lxd/env.sh, built from this host's own
# binaries: no registry, no download), with common.conf, no network
# (lxc.net.0.type = empty) and nestcheck pushed in as a bundle. busybox init
# mounts no cgroups and liblxc leaves them to an init that keeps CAP_SYS_ADMIN,
# so they are mounted inside as tests/lxd/env.sh does. common.conf's devices
# list lacks /dev/net/tun, which Docker's default rules give every container:
# on a cgroup v1 host runc cannot grant more than the container's devices
# cgroup has, so `on` and `off` allow it (c 10:200); `dev` keeps the stock list.
#   on   nesting on as nestcheck words it (lxc.apparmor.profile = generated,
#        lxc.apparmor.allow_nesting = 1): container.detect says plain LXC (platform lxc),
#        container.nesting and launch.container pass, Docker runs and the
#        verdict agrees; no command of the report is LXD's `lxc`, Incus' or
#        Proxmox's `pct`.
#   off  no nesting: container.nesting warns (no AppArmor on this kernel) with
#        exactly those two lines appended to /var/lib/lxc/NAME/config by echo,
#        and `lxc-stop -n NAME; lxc-start -n NAME`; applied on the host as
#        printed, container.nesting passes and Docker runs.
#   dev  nesting on, the stock devices list: runc cannot write "c 10:200 rwm"
#        to the devices cgroup, Docker fails, and so does launch.container, with
#        the catalog's D4 and its host step (`echo 'lxc.cgroup.devices.allow =
#        c 10:200 rwm' >> .../config`, the cgroup2 key on a v2 host, and the
#        restart); applied as printed, Docker runs and launch.container passes.
# Everything made here (containers, their directories, the temp dir) is removed.
set -uo pipefail

NC=$(readlink -f "$1") SRC=$(readlink -f "$2") JSONQ=$(readlink -f "$3")
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for c in lxc-create lxc-start lxc-attach lxc-stop lxc-destroy lxc-info lxc-config dockerd busybox ldd xz; do
	command -v "$c" >/dev/null 2>&1 ||
		{ echo "SKIP: $c missing (apt-get install lxc docker.io busybox-static xz-utils)"; exit 77; }
done
# lxc_cli, lxc_prepare, lxc_ct_create, lxc_ct_boot, lxc_ct_destroy, lxc_ct_cleanup (after env.sh's helpers are loaded).
# shellcheck source=../lxd/lxc.sh disable=SC1091
. "$SRC/tests/lxd/lxc.sh"
for f in /usr/share/lxc/templates/lxc-local "$LXC_NESTING" "$LXC_COMMON"; do
	[ -f "$f" ] || { echo "SKIP: $f missing"; exit 77; }
done
[ "$(lxc-config lxc.lxcpath)" = "$LXC_PATH" ] ||
	{ echo "SKIP: lxc.lxcpath is $(lxc-config lxc.lxcpath), not $LXC_PATH (the path nestcheck's fixes name)"; exit 77; }

T0=$SECONDS
TMP=$(mktemp -d /tmp/nestcheck-live-lxc.XXXXXX) || exit 2
NESTCHECK_LXD_STATE=$TMP.state
# shellcheck disable=SC2034 # read by env.sh
NESTCHECK_LXD_LOGDIR=$TMP
# _nc_image_rootfs, lxd_mount_cgroups, lxd_docker_start, docker_test_image_in.
# shellcheck source=../lxd/env.sh disable=SC1091
. "$SRC/tests/lxd/env.sh"
# remedy_cmds, json_flat (report.sh's ok is replaced below).
# shellcheck source=../lxd/report.sh disable=SC1091
. "$SRC/tests/lxd/report.sh"

# shellcheck disable=SC2034 # read by env.sh
NC_CLI=lxc_cli

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	lxc_ct_cleanup || rc=1
	rm -f "$NESTCHECK_LXD_STATE" "$NESTCHECK_LXD_STATE".*
	rm -rf "$TMP"
	echo "live.lxc: $((SECONDS - T0)) s"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail=0
CFG=setup
ok() { echo "ok    [$CFG] $*"; }
bad() { echo "FAIL  [$CFG] $*"; fail=1; }
check() { # check WHAT GOT WANT
	if [ "$2" = "$3" ]; then ok "$1 = $2"; else bad "$1 = '$2', want '$3'"; fi
}
q() { ASAN_OPTIONS=detect_leaks=0 "$JSONQ" "$1" "$2" 2>/dev/null; }
# Every remediation command of a report, one a line.
commands() { json_flat <"$1" | awk -F'\t' '$1 ~ /\.remediation\.[0-9]+\.commands\.[0-9]+$/ { print $2 }'; }

# nc_in NAME TAG: the bundled nestcheck --json inside NAME -> $TMP/NAME.TAG.json
nc_in() {
	local name=$1 out=$TMP/$1.$2
	lxc-attach -n "$name" --clear-env -v PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		-v ASAN_OPTIONS=exitcode=86 -v UBSAN_OPTIONS=exitcode=87 -- \
		/tmp/nestcheck-bundle/nestcheck-run --json </dev/null >"$out.json" 2>"$out.err"
	local rc=$?
	[ "$(q "$out.json" schema_version)" = 1 ] || { bad "$2: no JSON from nestcheck (exit $rc): $(head -c 400 "$out.err")"; return 1; }
	[ -s "$out.err" ] && bad "$2: nestcheck wrote to stderr: $(head -c 400 "$out.err")"
	return 0
}
# no_other_platform FILE: no remediation command is LXD's `lxc`, Incus' or Proxmox's.
no_other_platform() {
	local bad_cmds
	bad_cmds=$(commands "$1" | grep -E '^(lxc|incus|pct) ')
	if [ -z "$bad_cmds" ]; then ok "no lxc, incus or pct command in the report"; else bad "other platforms' commands: $(printf '%s\n' "$bad_cmds" | tr '\n' ';')"; fi
}
# truth NAME: docker run in NAME: works, or the cause of its error
truth() {
	local out
	out=$(lxc_cli exec "$1" -- timeout 60 docker run --rm --network none --pull=never local/busybox:1 true </dev/null 2>&1) &&
		{ echo works; return; }
	out=$(printf '%s\n' "$out" | head -n 1)
	case $out in
	*'failed to write "'*) echo "fails: failed to write \"${out#*failed to write \"}" | sed 's/: operation not permitted.*/: EPERM/; s#/sys/fs/cgroup/devices/docker/[0-9a-f]*/#.../#' ;;
	*) echo "fails: $out" ;;
	esac
}
# setup NAME CONFIG-LINE...: create NAME (lxc-local), start it, mount cgroups, push the bundle.
setup() {
	local name=$1
	shift
	lxc_ct_create "$name" "$TMP" "$@" || { bad "cannot create $name"; return 1; }
	cp -a "$TMP/nestcheck-bundle" "$LXC_PATH/$name/rootfs/tmp/" || { bad "cannot copy the bundle into $name"; return 1; }
}
# docker_up NAME: dockerd and the local test image in NAME.
docker_up() {
	lxd_docker_start "$1" || { bad "dockerd did not start in $1"; return 1; }
	docker_test_image_in "$1" >/dev/null 2>&1 || { bad "cannot import local/busybox:1 in $1"; return 1; }
}
# predicts FILE GROUND-TRUTH: the verdict agrees with docker run.
predicts() {
	local predicted
	case $(q "$1" verdict) in ready | degraded) predicted=works ;; *) predicted=fails ;; esac
	check "verdict $(q "$1" verdict) predicts docker run $predicted; docker says" "${2%%:*}" "$predicted"
}

# --- the root file system, the metadata for lxc-local, the bundle -------------------------------
lxc_prepare "$TMP" || { bad "cannot prepare the rootfs and metadata"; exit 1; }
sh "$SRC/scripts/bundle.sh" "$TMP/nestcheck-bundle" "$NC" >/dev/null || { bad "bundle.sh failed"; exit 1; }
TUN=('lxc.cgroup.devices.allow = c 10:200 rwm' 'lxc.cgroup2.devices.allow = c 10:200 rwm')
# Nesting as nestcheck's fix words it (and Proxmox VE's nesting feature writes it).
NEST=('lxc.apparmor.profile = generated' 'lxc.apparmor.allow_nesting = 1')
echo "      LXC $(lxc-start --version): rootfs and bundle ready after $((SECONDS - T0)) s"
BOARD=()

# --- nesting on ------------------------------------------------------------------------------
CFG=on
name=nc-lxc-on-$$
if setup "$name" "${NEST[@]}" "${TUN[@]}" && docker_up "$name"; then
	gt=$(truth "$name")
	echo "      ground truth: docker run $gt"
	if nc_in "$name" first; then
		f=$TMP/$name.first.json
		echo "      container.detect: $(q "$f" checks.container.detect.summary); $(q "$f" checks.container.detect.evidence.platform_signal)"
		check "container.detect platform" "$(q "$f" checks.container.detect.evidence.platform)" lxc
		check "container.nesting" "$(q "$f" checks.container.nesting.status)" pass
		check "launch.container" "$(q "$f" checks.launch.container.status)" pass
		predicts "$f" "$gt"
		no_other_platform "$f"
		BOARD+=("| on | privileged, generated profile with allow_nesting, tun allowed, cgroups mounted | docker run $gt | $(q "$f" verdict), platform $(q "$f" checks.container.detect.evidence.platform), container.nesting $(q "$f" checks.container.nesting.status) | - |")
	fi
fi
lxc_ct_destroy "$name" || bad "cannot remove $name"

# --- nesting off: the printed fix, applied as printed ---------------------------------------------
CFG=off
name=nc-lxc-off-$$
if setup "$name" "${TUN[@]}" && docker_up "$name"; then
	gt=$(truth "$name")
	echo "      ground truth: docker run $gt"
	if nc_in "$name" first; then
		f=$TMP/$name.first.json
		check "container.detect platform" "$(q "$f" checks.container.detect.evidence.platform)" lxc
		check "container.nesting" "$(q "$f" checks.container.nesting.status)" warn
		predicts "$f" "$gt"
		no_other_platform "$f"
		cmds=$(remedy_cmds "$f" container.nesting host)
		echo "      printed: $(printf '%s\n' "$cmds" | tr '\n' ';')"
		want="echo 'lxc.apparmor.profile = generated' >> $LXC_PATH/$name/config
echo 'lxc.apparmor.allow_nesting = 1' >> $LXC_PATH/$name/config
lxc-stop -n $name; lxc-start -n $name"
		if [ "$cmds" = "$want" ]; then
			ok "container.nesting's host commands are the plain LXC ones"
			applied=0
			while IFS= read -r cmd; do
				echo "      apply on host: $cmd"
				if out=$(timeout 120 sh -c "$cmd" </dev/null 2>&1); then applied=$((applied + 1)); else bad "$cmd: $out"; break; fi
			done <<<"$cmds"
			if [ "$applied" = 3 ] && lxc_ct_boot "$name" && docker_up "$name"; then
				gt2=$(truth "$name")
				check "after the fix: docker run" "$gt2" works
				if nc_in "$name" fixed; then
					v=$TMP/$name.fixed.json
					check "after the fix: container.nesting" "$(q "$v" checks.container.nesting.status)" pass
					check "after the fix: launch.container" "$(q "$v" checks.launch.container.status)" pass
					predicts "$v" "$gt2"
					BOARD+=("| off | privileged, no nesting, tun allowed | docker run $gt (no AppArmor here) | $(q "$f" verdict), container.nesting $(q "$f" checks.container.nesting.status), platform $(q "$f" checks.container.detect.evidence.platform) | \`echo 'lxc.apparmor.profile = generated' >> ...\`, \`echo 'lxc.apparmor.allow_nesting = 1' >> ...\`, \`lxc-stop -n $name; lxc-start -n $name\` -> container.nesting $(q "$v" checks.container.nesting.status), docker run $gt2 |")
				fi
			fi
		else
			bad "container.nesting's host commands are not the plain LXC ones: got [$(printf '%s\n' "$cmds" | tr '\n' ';')], want [$(printf '%s\n' "$want" | tr '\n' ';')]"
			BOARD+=("| off | privileged, no nesting, tun allowed | docker run $gt (no AppArmor here) | $(q "$f" verdict), container.nesting $(q "$f" checks.container.nesting.status), platform $(q "$f" checks.container.detect.evidence.platform) | not applied: printed $(printf '%s\n' "$cmds" | sed 's/.*/`&`/' | paste -sd, -) |")
		fi
	fi
fi
lxc_ct_destroy "$name" || bad "cannot remove $name"

# --- nesting on, the stock devices list: runc cannot allow /dev/net/tun ------------------------------
CFG=dev
name=nc-lxc-dev-$$
if setup "$name" "${NEST[@]}" && docker_up "$name"; then
	gt=$(truth "$name")
	echo "      ground truth: docker run $gt"
	case $gt in *'c 10:200 rwm'*) ok "runc: cannot allow c 10:200 in the devices cgroup" ;; *) bad "docker run with the stock devices list: $gt" ;; esac
	if nc_in "$name" first; then
		f=$TMP/$name.first.json
		check "container.detect platform" "$(q "$f" checks.container.detect.evidence.platform)" lxc
		check "container.nesting" "$(q "$f" checks.container.nesting.status)" pass
		check "launch.container" "$(q "$f" checks.launch.container.status)" fail
		predicts "$f" "$gt"
		no_other_platform "$f"
		check "launch.container known_failure" "$(q "$f" checks.launch.container.evidence.known_failure)" "devices-cgroup-narrower (D4)"
		# The printed host step: tun allowed with the key of this host's devices hierarchy, then the restart.
		cmds=$(remedy_cmds "$f" launch.container host "devices.allow")
		echo "      printed: $(printf '%s\n' "$cmds" | tr '\n' ';')"
		key=lxc.cgroup2.devices.allow
		grep -q '^[0-9]*:[^:]*devices' /proc/self/cgroup && key=lxc.cgroup.devices.allow
		want="echo '$key = c 10:200 rwm' >> $LXC_PATH/$name/config
lxc-stop -n $name; lxc-start -n $name"
		if [ "$cmds" = "$want" ]; then
			ok "launch.container's host commands allow c 10:200 with $key and restart"
			applied=0
			while IFS= read -r cmd; do
				echo "      apply on host: $cmd"
				if out=$(timeout 120 sh -c "$cmd" </dev/null 2>&1); then applied=$((applied + 1)); else bad "$cmd: $out"; break; fi
			done <<<"$cmds"
			if [ "$applied" = 2 ] && lxc_ct_boot "$name" && docker_up "$name"; then
				gt2=$(truth "$name")
				check "after the fix: docker run" "$gt2" works
				if nc_in "$name" fixed; then
					v=$TMP/$name.fixed.json
					check "after the fix: launch.container" "$(q "$v" checks.launch.container.status)" pass
					predicts "$v" "$gt2"
				fi
				BOARD+=("| dev | privileged, nesting on, stock devices list | docker run $gt | $(q "$f" verdict), launch.container $(q "$f" checks.launch.container.status) (D4) | \`echo '$key = c 10:200 rwm' >> .../config\`, \`lxc-stop -n $name; lxc-start -n $name\` -> docker run $gt2, launch.container $(q "$TMP/$name.fixed.json" checks.launch.container.status) |")
			fi
		else
			bad "launch.container's host commands: got [$(printf '%s\n' "$cmds" | tr '\n' ';')], want [$(printf '%s\n' "$want" | tr '\n' ';')]"
			BOARD+=("| dev | privileged, nesting on, stock devices list | docker run $gt | $(q "$f" verdict), launch.container $(q "$f" checks.launch.container.status) | not applied |")
		fi
	fi
fi
lxc_ct_destroy "$name" || bad "cannot remove $name"

echo
echo "| scenario | LXC container | Docker ground truth | nestcheck | fix applied -> result |"
echo "|---|---|---|---|---|"
printf '%s\n' "${BOARD[@]}"
exit $fail
