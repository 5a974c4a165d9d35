#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2016 # scripts run inside instances are single-quoted on purpose
#
# tests/live/incus.sh NESTCHECK SOURCE_DIR JSONQ
#
# Live, as root: nestcheck under Incus 6.0 (bookworm-backports), started here
# without systemd beside LXD, with the busybox + Docker engine image of the LXD
# tier (tests/lxd/env.sh, NC_CLI=incus) and nestcheck pushed in as a bundle.
#   on   security.nesting=true, cgroups mounted, dockerd inside: container.detect
#        says Incus (platform incus, from /dev/.incus-mounts); Docker runs, the
#        verdict agrees, launch.container passes; no command of the report is
#        LXD's `lxc` or Proxmox's `pct`. Then `nestcheck incus NAME` from the
#        host (the image has none of nestcheck's libraries): lxd.instance with
#        platform incus passes, the instance is named, the launches agree with
#        Docker, nothing is left in the instance's /tmp; a missing instance is
#        one line and exit 2.
#   off  no security.nesting: container.nesting warns (no AppArmor on this
#        kernel) with `incus config set NAME security.nesting true` and `incus
#        restart NAME`; applied from the host as printed, nesting is on.
#   cg   nesting on, no cgroups mounted (busybox init mounts none): runc fails
#        ("no cgroup mount found in mountinfo"), cgroup.layout fails; its
#        container-side mounts, applied inside as printed, make Docker work.
#   id   security.idmap.isolated=true, security.idmap.size=1000: an image with a
#        file owned by 65534 fails to unpack (lchown), userns.idmap fails with
#        `incus config set NAME security.idmap.size N` and `incus restart NAME`,
#        and so does lxd.instance of `nestcheck incus NAME`; applied from the
#        host as printed, the image unpacks and runs.
#   priv security.privileged=true, cgroups mounted: Docker runs; the verdict
#        agrees; userns.idmap and lxd.instance warn, with Incus's commands.
#   host nestcheck on the host: Incus installed and running (container.detect's
#        platforms), runtime.incus passes with the installed version.
# Everything made here (instances, image, the daemon if started here) is removed.
set -uo pipefail

NC=$(readlink -f "$1") SRC=$(readlink -f "$2") JSONQ=$(readlink -f "$3")
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for c in incus dockerd busybox ldd; do
	command -v "$c" >/dev/null 2>&1 ||
		{ echo "SKIP: $c missing (apt-get install -t bookworm-backports incus; apt-get install docker.io busybox-static)"; exit 77; }
done

T0=$SECONDS
TMP=$(mktemp -d /tmp/nestcheck-live-incus.XXXXXX) || exit 2
NESTCHECK_LXD_STATE=$TMP.state
# shellcheck disable=SC2034 # read by env.sh
NESTCHECK_LXD_LOGDIR=$TMP
# shellcheck source=../lxd/env.sh
. "$SRC/tests/lxd/env.sh"
# shellcheck source=../lxd/incus.sh
. "$SRC/tests/lxd/incus.sh"
NC_CLI=incus
IMAGE=nc-incus-$$

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	incus_cleanup || rc=1
	incus_down || rc=1
	rm -f "$NESTCHECK_LXD_STATE" "$NESTCHECK_LXD_STATE".*
	rm -rf "$TMP"
	echo "live.incus: $((SECONDS - T0)) s"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# remedy_cmds, json_flat, apply_host_cmds (report.sh's ok/not_ok are replaced below).
# shellcheck source=../lxd/report.sh
. "$SRC/tests/lxd/report.sh"
fail=0
CFG=setup
ok() { echo "ok    [$CFG] $*"; }
bad() { echo "FAIL  [$CFG] $*"; fail=1; }
not_ok() { bad "$@"; }
check() { # check WHAT GOT WANT
	if [ "$2" = "$3" ]; then ok "$1 = $2"; else bad "$1 = '$2', want '$3'"; fi
}
q() { ASAN_OPTIONS=detect_leaks=0 "$JSONQ" "$1" "$2" 2>/dev/null; }
nci() { ASAN_OPTIONS=detect_leaks=0 "$NC" "$@"; }
# Every remediation command of a report, one a line.
commands() { tr -d '\n' <"$1" | grep -o '"commands": *\[[^]]*\]' | grep -o '"[^"]*"' | grep -v '^"commands"$' | tr -d '"' | sed 's#\\/#/#g'; }

# nc_in NAME TAG: the bundled nestcheck --json inside NAME -> $TMP/NAME.TAG.json
nc_in() {
	local name=$1 out=$TMP/$1.$2
	incus exec "$name" --env ASAN_OPTIONS=exitcode=86 --env UBSAN_OPTIONS=exitcode=87 -- \
		/tmp/nestcheck-bundle/nestcheck-run --json </dev/null >"$out.json" 2>"$out.err"
	local rc=$?
	[ "$(q "$out.json" schema_version)" = 1 ] || { bad "$2: no JSON from nestcheck (exit $rc): $(head -c 400 "$out.err")"; return 1; }
	[ -s "$out.err" ] && bad "$2: nestcheck wrote to stderr: $(head -c 400 "$out.err")"
	return 0
}
# no_other_platform FILE: no remediation command is LXD's or Proxmox's.
no_other_platform() {
	local bad_cmds
	bad_cmds=$(tr -d '\n' <"$1" | grep -o '"commands": *\[[^]]*\]' | grep -oE '"(lxc|pct) [^"]*"')
	if [ -z "$bad_cmds" ]; then ok "no lxc or pct command in the report"; else bad "other platforms' commands: $bad_cmds"; fi
}
setup() { # NAME CGROUPS(yes|no) KEY=VALUE...
	local name=$1 cg=$2
	shift 2
	lxd_launch "$name" "$IMAGE" "$@" || { bad "cannot launch $name"; return 1; }
	if [ "$cg" = yes ]; then lxd_mount_cgroups "$name" || bad "mounting cgroups in $name failed"; fi
	incus file push -q -r "$TMP/nestcheck-bundle" "$name/tmp/" </dev/null || { bad "cannot push the bundle"; return 1; }
}

incus_up || { bad "incus_up failed"; exit 1; }
lxd_image_build "$IMAGE" || { bad "image build failed"; exit 1; }
sh "$SRC/scripts/bundle.sh" "$TMP/nestcheck-bundle" "$NC" >/dev/null || { bad "bundle.sh failed"; exit 1; }
echo "      Incus $(incus --version) up, image and bundle ready after $((SECONDS - T0)) s"
BOARD=()

# --- nesting on ---------------------------------------------------------------------
CFG=on
name=nc-incus-on-$$
if setup "$name" yes security.nesting=true && lxd_docker_start "$name"; then
	docker_test_image_in "$name" >/dev/null 2>&1
	gt=$(incus exec "$name" -- docker run --rm --network none --pull=never local/busybox:1 true </dev/null 2>&1) && gt=works || gt="fails: $gt"
	if nc_in "$name" first; then
		f=$TMP/$name.first.json
		echo "      container.detect: $(q "$f" checks.container.detect.summary)"
		check "container.detect platform" "$(q "$f" checks.container.detect.evidence.platform)" incus
		check "container.detect platform_signal" "$(q "$f" checks.container.detect.evidence.platform_signal)" /dev/.incus-mounts
		check "container.nesting" "$(q "$f" checks.container.nesting.status)" pass
		check "launch.container" "$(q "$f" checks.launch.container.status)" pass
		case $(q "$f" verdict) in ready | degraded) predicted=works ;; *) predicted=fails ;; esac
		check "verdict $(q "$f" verdict) predicts docker run $predicted; docker says" "$gt" "$predicted"
		no_other_platform "$f"
		BOARD+=("| on | nesting on, cgroups mounted | docker run $gt | $(q "$f" verdict), platform $(q "$f" checks.container.detect.evidence.platform) | - |")
	fi
	# nestcheck incus NAME, from the host: pushed in with its libraries, run, removed.
	t=$SECONDS
	nci incus "$name" --json >"$TMP/cmd.json" 2>"$TMP/cmd.err"
	rc=$?
	echo "      nestcheck incus $name: $((SECONDS - t)) s, exit $rc"
	f=$TMP/cmd.json
	if [ "$(q "$f" schema_version)" = 1 ]; then
		ok "nestcheck incus: valid JSON"
		check "nestcheck incus: lxd.instance" "$(q "$f" checks.lxd.instance.status)" pass
		check "nestcheck incus: lxd.instance platform" "$(q "$f" checks.lxd.instance.evidence.platform)" incus
		check "nestcheck incus: container.detect name" "$(q "$f" checks.container.detect.evidence.name)" "$name"
		check "nestcheck incus: container.detect platform" "$(q "$f" checks.container.detect.evidence.platform)" incus
		check "nestcheck incus: launch.container (docker run $gt)" "$(q "$f" checks.launch.container.status)" \
			"$([ "$gt" = works ] && echo pass || echo fail)"
		check "nestcheck incus: exit status of verdict $(q "$f" verdict)" "$rc" "$([ "$(q "$f" verdict)" = not_ready ] && echo 1 || echo 0)"
		no_other_platform "$f"
		BOARD+=("| on | \`nestcheck incus $name\` from the host | docker run $gt | $(q "$f" verdict), lxd.instance $(q "$f" checks.lxd.instance.status) (platform $(q "$f" checks.lxd.instance.evidence.platform)), launch.container $(q "$f" checks.launch.container.status) | - |")
	else
		bad "nestcheck incus: no JSON (exit $rc): $(head -c 300 "$TMP/cmd.err")"
	fi
	[ -s "$TMP/cmd.err" ] && bad "nestcheck incus wrote to stderr: $(head -c 300 "$TMP/cmd.err")"
	left=$(incus exec "$name" -- ls /tmp </dev/null | grep -c '^nestcheck-[0-9a-f]*$') # not the bundle setup pushed
	check "nestcheck dirs left in $name:/tmp" "$left" 0
	nci incus "nc-incus-missing-$$" >"$TMP/missing.out" 2>"$TMP/missing.err"
	rc=$?
	check "nestcheck incus MISSING: exit" "$rc" 2
	check "nestcheck incus MISSING: lines on stderr" "$(wc -l <"$TMP/missing.err")" 1
	case $(cat "$TMP/missing.err") in *"Incus at "*"has no instance nc-incus-missing-$$"*) ok "nestcheck incus MISSING: $(cat "$TMP/missing.err")" ;;
	*) bad "nestcheck incus MISSING says: $(cat "$TMP/missing.err")" ;; esac
fi
lxd_delete "$name" || bad "cannot delete $name"

# --- nesting off: the printed fix, applied as printed ----------------------------------
CFG=off
name=nc-incus-off-$$
if setup "$name" yes && nc_in "$name" first; then
	f=$TMP/$name.first.json
	check "container.detect platform" "$(q "$f" checks.container.detect.evidence.platform)" incus
	check "container.nesting" "$(q "$f" checks.container.nesting.status)" warn
	no_other_platform "$f"
	cmds=$(tr -d '\n' <"$f" | grep -oE '"incus (config set|restart) [^"]*"' | tr -d '"' | sort -u)
	echo "      printed: $(echo "$cmds" | tr '\n' ';')"
	applied=0
	while IFS= read -r cmd; do
		case $cmd in
		"incus config set $name security.nesting true") timeout 60 $cmd </dev/null && applied=$((applied + 1)) ;;
		esac
	done <<<"$cmds"
	if [ "$applied" = 1 ] && grep -qx "incus restart $name" <<<"$cmds" && timeout 120 incus restart "$name" </dev/null; then
		ok "applied: incus config set $name security.nesting true; incus restart $name"
		lxd_mount_cgroups "$name" || bad "mounting cgroups after the restart failed"
		if nc_in "$name" fixed; then
			v=$TMP/$name.fixed.json
			check "after the fix: container.nesting" "$(q "$v" checks.container.nesting.status)" pass
			BOARD+=("| off | no security.nesting | (no AppArmor here: Docker runs) | container.nesting warn, platform incus | \`incus config set $name security.nesting true\`, \`incus restart $name\` -> container.nesting $(q "$v" checks.container.nesting.status) |")
		fi
	else
		bad "the printed fix is not 'incus config set $name security.nesting true' and 'incus restart $name': $cmds"
	fi
fi
lxd_delete "$name" || bad "cannot delete $name"

# --- nesting on, no cgroups mounted: the container-side fix ------------------------------
CFG=cg
name=nc-incus-cg-$$
truth() { # NAME IMAGE: docker run of IMAGE in NAME: works, or the first line of its error
	local out
	out=$(incus exec "$1" -- timeout 60 docker run --rm --network none --pull=never "$2" true </dev/null 2>&1) &&
		echo works || echo "fails: $(printf '%s\n' "$out" | head -n 1)"
}
if setup "$name" no security.nesting=true && nc_in "$name" first; then
	f=$TMP/$name.first.json
	lxd_docker_start "$name" && docker_test_image_in "$name" >/dev/null 2>&1
	gt=$(truth "$name" local/busybox:1)
	echo "      ground truth: docker run $gt"
	case $gt in *"no cgroup mount found"*) ok "runc: no cgroup mount found" ;; *) bad "docker run without cgroups: $gt" ;; esac
	check "cgroup.layout" "$(q "$f" checks.cgroup.layout.status)" fail
	check "verdict" "$(q "$f" verdict)" not_ready
	no_other_platform "$f"
	cmds=$(remedy_cmds "$f" cgroup.layout container)
	n=0
	while IFS= read -r cmd; do
		[ -n "$cmd" ] || continue
		n=$((n + 1))
		incus exec "$name" -- sh -c "$cmd" </dev/null >/dev/null 2>&1 || bad "in $name: $cmd failed"
	done <<<"$cmds"
	gt2=$(truth "$name" local/busybox:1)
	check "after $n printed mounts inside: docker run" "$gt2" works
	if nc_in "$name" fixed; then
		check "after the fix: cgroup.layout" "$(q "$TMP/$name.fixed.json" checks.cgroup.layout.status)" pass
	fi
	BOARD+=("| cg | nesting on, no cgroups mounted | docker run $gt | not_ready (cgroup.layout fail) | $n printed mounts inside -> docker run $gt2, cgroup.layout $(q "$TMP/$name.fixed.json" checks.cgroup.layout.status) |")
fi
lxd_delete "$name" || bad "cannot delete $name"

# --- a 1000-id isolated map: the host-side fix, applied as printed -------------------------
CFG=id
name=nc-incus-id-$$
if setup "$name" yes security.nesting=true security.idmap.isolated=true security.idmap.size=1000 &&
	nc_in "$name" first; then
	f=$TMP/$name.first.json
	lxd_docker_start "$name"
	imp=$(docker_test_image_in "$name" 2>&1)
	if [ $? = 2 ]; then
		nb="fails: import: $(printf '%s\n' "$imp" | grep -v '^\[lxd-env\]' | grep -m1 -o 'lchown[^"]*' || printf '%s\n' "$imp" | tail -n 1)"
	else
		nb=$(truth "$name" local/nobody:1)
	fi
	gt="busybox $(truth "$name" local/busybox:1), nobody $nb"
	echo "      ground truth: $gt; uid_map $(incus exec "$name" -- cat /proc/self/uid_map </dev/null | awk '{$1=$1; print}')"
	case $gt in *"nobody works"*) bad "the 65534 image runs with 1000 ids: $gt" ;; *) ok "the 65534 image fails: $gt" ;; esac
	check "userns.idmap" "$(q "$f" checks.userns.idmap.status)" fail
	no_other_platform "$f"
	nci incus "$name" --json --no-launch --only lxd.instance >"$TMP/cmd-id.json" 2>"$TMP/cmd-id.err"
	check "nestcheck incus: lxd.instance" "$(q "$TMP/cmd-id.json" checks.lxd.instance.status)" fail
	if commands "$TMP/cmd-id.json" | grep -qx "incus config set $name security.idmap.size 1000000"; then
		ok "nestcheck incus: lxd.instance prints incus config set $name security.idmap.size 1000000"
	else
		bad "nestcheck incus: lxd.instance commands: $(commands "$TMP/cmd-id.json" | tr '\n' ';')"
	fi
	no_other_platform "$TMP/cmd-id.json"
	cmds=$(remedy_cmds "$f" userns.idmap host "security.idmap.size")
	echo "      printed: $(printf '%s\n' "$cmds" | tr '\n' ';')"
	apply_host_cmds "$cmds" "^incus (config set|restart) $name( [A-Za-z0-9._=-]+)*\$"
	if [ "$ok_fix" = yes ] && [ "$applied" -ge 2 ]; then
		lxd_mount_cgroups "$name" || bad "mounting cgroups after the restart failed"
		lxd_docker_start "$name"
		docker_test_image_in "$name" >/dev/null 2>&1
		gt2=$(truth "$name" local/nobody:1)
		check "after the fix: docker run local/nobody:1" "$gt2" works
		if nc_in "$name" fixed; then
			check "after the fix: userns.idmap" "$(q "$TMP/$name.fixed.json" checks.userns.idmap.status)" pass
		fi
		BOARD+=("| id | isolated map of 1000 ids | $gt | userns.idmap fail | $applied printed host commands (incus config set ... security.idmap.size, incus restart) -> nobody $gt2, userns.idmap $(q "$TMP/$name.fixed.json" checks.userns.idmap.status) |")
	else
		bad "the printed userns.idmap fix could not be applied: [$cmds]"
	fi
fi
lxd_delete "$name" || bad "cannot delete $name"

# --- privileged ---------------------------------------------------------------------------
CFG=priv
name=nc-incus-priv-$$
if setup "$name" yes security.privileged=true && lxd_docker_start "$name"; then
	docker_test_image_in "$name" >/dev/null 2>&1
	gt=$(truth "$name" local/busybox:1)
	if nc_in "$name" first; then
		f=$TMP/$name.first.json
		case $(q "$f" verdict) in ready | degraded) predicted=works ;; *) predicted="fails: $(q "$f" verdict)" ;; esac
		check "verdict $(q "$f" verdict) predicts docker run" "$gt" "$predicted"
		check "userns.idmap" "$(q "$f" checks.userns.idmap.status)" warn
		check "container.detect platform" "$(q "$f" checks.container.detect.evidence.platform)" incus
		if commands "$f" | grep -qx "incus config unset $name security.privileged"; then
			ok "userns.idmap prints incus config unset $name security.privileged"
		else
			bad "userns.idmap commands: $(commands "$f" | tr '\n' ';')"
		fi
		no_other_platform "$f"
		nci incus "$name" --json --no-launch --only lxd.instance >"$TMP/cmd-priv.json" 2>"$TMP/cmd-priv.err"
		check "nestcheck incus: lxd.instance" "$(q "$TMP/cmd-priv.json" checks.lxd.instance.status)" warn
		check "nestcheck incus: lxd.instance privileged" "$(q "$TMP/cmd-priv.json" checks.lxd.instance.evidence.privileged)" true
		no_other_platform "$TMP/cmd-priv.json"
		BOARD+=("| priv | security.privileged=true | docker run $gt | $(q "$f" verdict), userns.idmap $(q "$f" checks.userns.idmap.status); nestcheck incus: lxd.instance $(q "$TMP/cmd-priv.json" checks.lxd.instance.status) | - (a warning: \`incus config unset $name security.privileged\`) |")
	fi
fi
lxd_delete "$name" || bad "cannot delete $name"

# --- the host ---------------------------------------------------------------------------
CFG=host
"$NC" --json --only container.detect,runtime.incus >"$TMP/host.json" 2>"$TMP/host.err"
p=$(q "$TMP/host.json" checks.container.detect.evidence.platforms)
echo "      host: platforms $p; runtime.incus: $(q "$TMP/host.json" checks.runtime.incus.summary)"
case $p in *"incus (running)"*) ok "container.detect: incus (running)" ;; *) bad "container.detect platforms: '$p'" ;; esac
check "runtime.incus" "$(q "$TMP/host.json" checks.runtime.incus.status)" pass
v=$(incus --version)
case $(q "$TMP/host.json" checks.runtime.incus.summary) in *"Incus ${v%%-*}"*) ok "runtime.incus names $v" ;; *) bad "runtime.incus does not name $v" ;; esac
[ -s "$TMP/host.err" ] && bad "nestcheck wrote to stderr: $(head -c 300 "$TMP/host.err")"

echo
echo "| scenario | Incus instance | Docker ground truth | nestcheck | fix applied -> result |"
echo "|---|---|---|---|---|"
printf '%s\n' "${BOARD[@]}"
exit $fail
