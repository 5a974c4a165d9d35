#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Exit status, verdict and summary of CONTRACT.md on small synthetic sysroots:
# all pass/skip -> 0 ready; a warn -> 0 degraded (1 with --strict); a fail or
# an error -> 1 not_ready. The summary counts equal the checks' statuses, and
# every warn and fail carries remediation (non-empty text, where host|container).
# Usage: bash exit_status.sh NESTCHECK_BINARY SOURCE_DIR JSONQ_BINARY
# shellcheck disable=SC2016,SC2317 # check ... eval '...' expands when eval runs; helpers run through check
set -u
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash" "$@"

# expect NAME ROOT RC VERDICT STRICT_RC: run the sysroot for JSON, human and
# --strict, and check exit statuses, verdict, stderr, summary and remediation.
expect() {
	local name=$1 root=$2 rc=$3 verdict=$4 strict_rc=$5 f
	echo "# $name: expect exit $rc, verdict $verdict, exit $strict_rc with --strict"
	nc "$name" --root "$root" --json
	f=$(out "$name")
	check "$name: exit $rc" rc_is "$rc" || show "$name"
	check "$name: nothing on stderr" is_empty "$(err "$name")"
	check "$name: valid JSON" json_valid "$f"
	check "$name: verdict $verdict" [ "$(jget "$f" verdict)" = "$verdict" ]
	check "$name: mode replay, schema_version 1" \
		eval '[ "$(jget "$f" mode)" = replay ] && [ "$(jget "$f" schema_version)" = 1 ]'
	check "$name: all $N_CHECKS checks reported" [ "$(json_ids "$f" | tr '\n' ' ')" = "$(echo "$ALL_IDS" | tr '\n' ' ')" ]
	check "$name: summary counts equal the checks' statuses (and the verdict follows)" summary_consistent "$f"
	check "$name: every warn/fail has remediation with text and where host|container" all_remediation_ok "$f"

	nc "$name.human" --root "$root"
	check "$name: the human report exits $rc too" rc_is "$rc"
	nc "$name.strict" --root "$root" --json --strict
	check "$name: --strict exits $strict_rc" rc_is "$strict_rc"
	check "$name: --strict does not change the verdict" [ "$(jget "$(out "$name.strict")" verdict)" = "$verdict" ]
}
# statuses NAME: "id=status ..." of a run, for messages.
statuses() {
	local id
	for id in $(json_ids "$(out "$1")"); do printf '%s=%s ' "$id" "$(jget "$(out "$1")" "checks.$id.status")"; done
}
# only_these NAME STATUS ID...: the IDs have STATUS, every other check passes or skips.
only_these() {
	local name=$1 want=$2 id st f; shift 2
	f=$(out "$name")
	for id in $(json_ids "$f"); do
		st=$(jget "$f" "checks.$id.status")
		if [[ " $* " == *" $id "* ]]; then
			[ "$st" = "$want" ] || { echo "  $id is $st, not $want: $(statuses "$name")"; return 1; }
		else
			case $st in pass | skip) ;; *) echo "  $id is $st: $(statuses "$name")"; return 1 ;; esac
		fi
	done
}

# --- ready: a plain host where everything passes or skips ---
R=$TMP/ready
sysroot_host "$R"
expect ready "$R" 0 ready 0
check "ready: every check passes or skips" only_these ready pass
check "ready: host.kernel_release from proc/sys/kernel/osrelease" \
	[ "$(jget "$(out ready)" host.kernel_release)" = 6.1.0-18-amd64 ]
check "ready: host.os from etc/os-release PRETTY_NAME" \
	[ "$(jget "$(out ready)" host.os)" = "Debian GNU/Linux 12 (bookworm)" ]
check "ready: host.container_runtime none" [ "$(jget "$(out ready)" host.container_runtime)" = none ]
check "ready: human verdict line says READY" grep -q '^verdict: READY' "$(out ready.human)"

# --- degraded: the memory controller is missing from the cgroup mounts ---
R=$TMP/warn-memory
sysroot_host "$R"
put "$R" proc/self/mountinfo "$MOUNTINFO_BASE$MOUNTINFO_HYBRID_NO_MEMORY"
expect warn-memory "$R" 0 degraded 1
check "warn-memory: cgroup.layout is the only warn" only_these warn-memory warn cgroup.layout
check "warn-memory: evidence.missing names memory" \
	[ "$(jget "$(out warn-memory)" checks.cgroup.layout.evidence.missing)" = memory ]
check "warn-memory: human verdict line says DEGRADED" grep -q '^verdict: DEGRADED' "$(out warn-memory.human)"

# --- degraded: AppArmor restricts unprivileged user namespaces (Ubuntu 24.04) ---
R=$TMP/warn-userns
sysroot_host "$R"
put "$R" proc/sys/kernel/apparmor_restrict_unprivileged_userns $'1\n'
expect warn-userns "$R" 0 degraded 1
check "warn-userns: userns.enabled is the only warn" only_these warn-userns warn userns.enabled

# --- not ready: kernel 3.2.0 ---
R=$TMP/fail-kernel
sysroot_host "$R"
put "$R" proc/sys/kernel/osrelease $'3.2.0-4-amd64\n'
expect fail-kernel "$R" 1 not_ready 1
check "fail-kernel: kernel.version is the only fail" only_these fail-kernel fail kernel.version
check "fail-kernel: evidence major 3, minor 2" \
	eval '[ "$(jget "$(out fail-kernel)" checks.kernel.version.evidence.major)" = 3 ] &&
	      [ "$(jget "$(out fail-kernel)" checks.kernel.version.evidence.minor)" = 2 ]'
nc fail-kernel.skipped --root "$R" --json --skip kernel.version
check "fail-kernel: --skip kernel.version leaves nothing failing: exit 0" rc_is 0

# --- not ready: a kernel config without required options ---
R=$TMP/fail-config
sysroot_host "$R"
# Options no module check looks at, so that kernel.config alone notices.
kconfig_text CGROUP_FREEZER POSIX_MQUEUE | gzip -9n >"$R/proc/config.gz"
expect fail-config "$R" 1 not_ready 1
check "fail-config: kernel.config is the only fail" only_these fail-config fail kernel.config
check "fail-config: evidence.missing names both options" \
	[ "$(jget "$(out fail-config)" checks.kernel.config.evidence.missing)" = "CONFIG_CGROUP_FREEZER CONFIG_POSIX_MQUEUE" ]
# A module option missing shows in modules.required and network.bridge_nf too.
R=$TMP/fail-config-modules
sysroot_host "$R"
kconfig_text VETH BRIDGE_NETFILTER | gzip -9n >"$R/proc/config.gz"
expect fail-config-modules "$R" 1 not_ready 1
check "fail-config-modules: modules.required says br_netfilter is not in this kernel" \
	grep -q 'br_netfilter' <(jget "$(out fail-config-modules)" checks.modules.required.evidence.missing_optional)

# --- not ready: an LXC container without nesting, AppArmor confined, no cgroup mounts ---
R=$TMP/fail-lxc
sysroot_host "$R"
printf 'container=lxc\0' >"$R/proc/1/environ"
put "$R" sys/module/apparmor/parameters/enabled $'Y\n'
put "$R" proc/self/attr/current $'lxc-web1_</var/lib/lxd> (enforce)\n'
put "$R" proc/self/uid_map $'         0    1000000      65536\n'
put "$R" proc/self/gid_map $'         0    1000000      65536\n'
put "$R" proc/self/mountinfo "$MOUNTINFO_BASE"
expect fail-lxc "$R" 1 not_ready 1
check "fail-lxc: container.nesting, cgroup.layout and apparmor.status fail" \
	only_these fail-lxc fail container.nesting cgroup.layout apparmor.status
check "fail-lxc: runtime lxc" [ "$(jget "$(out fail-lxc)" host.container_runtime)" = lxc ]
check "fail-lxc: the nesting fix runs on the host" \
	grep -q '"where": "host"' <(jget "$(out fail-lxc)" checks.container.nesting.remediation)
check "fail-lxc: the nesting fix is 'lxc config set NAME security.nesting true'" \
	grep -qF 'lxc config set NAME security.nesting true' <(jget "$(out fail-lxc)" checks.container.nesting.remediation)
check "fail-lxc: mounting cgroups is done in the container" \
	grep -q '"where": "container"' <(jget "$(out fail-lxc)" checks.cgroup.layout.remediation)

# --- not ready: the checker breaks on a malformed uid_map (error) ---
R=$TMP/error-uidmap
sysroot_host "$R"
put "$R" proc/self/uid_map $'0 0 not-a-number\n'
expect error-uidmap "$R" 1 not_ready 1
check "error-uidmap: userns.idmap is the only error, the rest pass or skip" \
	only_these error-uidmap error userns.idmap
check "error-uidmap: the error has a summary" summary_nonempty "$(out error-uidmap)" userns.idmap
check "error-uidmap: the human report marks it ERROR" grep -qE '^  ERROR +userns\.idmap ' "$(out error-uidmap.human)"
nc error-uidmap.skipped --root "$R" --json --skip userns
check "error-uidmap: --skip userns leaves nothing broken: exit 0, verdict ready" \
	eval 'rc_is 0 && [ "$(jget "$(out error-uidmap.skipped)" verdict)" = ready ]'

# --- warn and fail together: the fail wins ---
R=$TMP/warn-and-fail
sysroot_host "$R"
put "$R" proc/self/mountinfo "$MOUNTINFO_BASE$MOUNTINFO_HYBRID_NO_MEMORY"
put "$R" proc/sys/kernel/osrelease $'3.2.0-4-amd64\n'
expect warn-and-fail "$R" 1 not_ready 1

# --- exit 2: the output cannot be written; the message names the real error ---
# /dev/full fails every write with ENOSPC: each writer says so, not a stand-in
# (EIO) nor an errno left over from an earlier call, and not nothing at all.
R=$SRCDIR/fixtures/lxd-nesting/root
# full NAME ARGS...: run with stdout on /dev/full; exit 2, one line naming ENOSPC.
full() {
	local name=$1
	shift
	timeout -k 2 10 "$NESTCHECK" "$@" >/dev/full 2>"$TMP/$name.err" </dev/null
	RC=$?
	check "$name: exit 2" rc_is 2
	check "$name: one line on stderr, 'No space left on device'" \
		eval 'one_line "$(err "$name")" && contains "$(err "$name")" "No space left on device"' ||
		cat "$(err "$name")"
}
full full-human --root "$R"
full full-json --root "$R" --json
full full-manifest --print-manifest
full full-explain explain "cannot mount cgroup"
full full-explain-json explain --json "cannot mount cgroup"
full full-diff diff "$SRCDIR/fixtures/lxd-nesting/expected.json" "$SRCDIR/fixtures/lxd-privileged/expected.json"
timeout -k 2 10 "$NESTCHECK" --root "$R" --junit /dev/full >/dev/null 2>"$TMP/full-junit.err" </dev/null
RC=$?
check "full-junit: exit 2" rc_is 2
check "full-junit: one line on stderr, 'No space left on device'" \
	eval 'one_line "$(err full-junit)" && contains "$(err full-junit)" "No space left on device"' ||
	cat "$(err full-junit)"

finish
