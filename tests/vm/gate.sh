#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# tests/vm/gate.sh NESTCHECK SOURCE_DIR JSONQ
#
# scripts/kernel-gate.sh as a CI job runs it, on Debian 12's stock kernel:
#   1. no baseline: the report is written, the verdict is ready and the exit status 0;
#   2. the same kernel as the baseline: nothing got worse, exit 0;
#   3. the kernel booted with module_blacklist=overlay (a kernel that lost overlay):
#      overlay.support fails with the fix for the command line, dockerd falls back to vfs
#      (containers start, runtime.engine warns), and against the first report the gate
#      exits 1 and names overlay.support;
#   4. a baseline that is no report: exit 2, one line.
# Needs root and the VM tools (scripts/setup.sh --test); nothing is left outside the cache.
set -uo pipefail

if [ $# -lt 3 ]; then
	echo "usage: bash ${0##*/} NESTCHECK SOURCE_DIR JSONQ" >&2
	exit 2
fi
NC=$(readlink -f "$1") SRC=$(readlink -f "$2") JSONQ=$(readlink -f "$3")
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
T0=$SECONDS
TMP=$(mktemp -d /tmp/nestcheck-gatetest.XXXXXX) || exit 1
GATE_PID=
# A signal reaches the running gate too (its own trap stops its VM), then this script ends.
stop() {
	[ -n "$GATE_PID" ] && kill -TERM "$GATE_PID" 2>/dev/null && wait "$GATE_PID"
	exit "$1"
}
trap 'rm -rf "$TMP"; echo "vm.gate: $((SECONDS - T0)) s"' EXIT
trap 'stop 130' INT
trap 'stop 143' TERM
CFG=gate CFG_FAILS=0
# shellcheck source=../lxd/report.sh
. "$SRC/tests/lxd/report.sh"
GATE=$SRC/scripts/kernel-gate.sh
# gate NAME ARGS...: kernel-gate.sh ARGS, stdout and stderr to $TMP/NAME.out and .err; its exit status.
gate() {
	local name=$1 rc
	shift
	"$GATE" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	GATE_PID=$!
	wait "$GATE_PID"
	rc=$?
	GATE_PID=
	return $rc
}
APPEND="apparmor=1 security=apparmor systemd.unified_cgroup_hierarchy=1"

gate base --nestcheck "$NC" -o "$TMP/base.json"
rc=$?
expect "no baseline: exit status" "$rc" 0
expect "no baseline: verdict" "$(q "$TMP/base.json" verdict)" ready
expect "no baseline: launch.container" "$(q "$TMP/base.json" checks.launch.container.status)" pass
expect "no baseline: AppArmor enforcing in the VM (apparmor.status)" "$(q "$TMP/base.json" checks.apparmor.status.status)" pass
if grep -q '^verdict: READY' "$TMP/base.out"; then ok "the human report is printed"; else not_ok "no human report: $(tail -n 3 "$TMP/base.out")"; fi

gate same --nestcheck "$NC" --baseline "$TMP/base.json" -o "$TMP/same.json"
expect "same kernel against its baseline: exit status" "$?" 0

gate noov --nestcheck "$NC" --append "$APPEND module_blacklist=overlay" --baseline "$TMP/base.json" \
	-o "$TMP/noov.json"
expect "module_blacklist=overlay against the baseline: exit status" "$?" 1
expect "module_blacklist=overlay: overlay.support (blacklisted)" "$(q "$TMP/noov.json" checks.overlay.support.status)" fail
expect "module_blacklist=overlay: overlay.support evidence.blacklisted" "$(q "$TMP/noov.json" checks.overlay.support.evidence.blacklisted)" true
# dockerd falls back to vfs there: containers start, and the engine check says so.
expect "module_blacklist=overlay: launch.container (vfs)" "$(q "$TMP/noov.json" checks.launch.container.status)" pass
expect "module_blacklist=overlay: runtime.engine (vfs)" "$(q "$TMP/noov.json" checks.runtime.engine.status)" warn
if grep -q 'overlay.support' "$TMP/noov.out"; then ok "the diff names overlay.support"; else not_ok "the diff does not name overlay.support: $(tail -n 5 "$TMP/noov.out")"; fi

echo '{"not": "a report"}' >"$TMP/junk.json"
gate junk --nestcheck "$NC" --baseline "$TMP/junk.json" -o "$TMP/x.json"
expect "a baseline that is no report: exit status" "$?" 2
expect "a baseline that is no report: one line on stderr" "$(wc -l <"$TMP/junk.err")" 1

[ -z "$(pgrep -f qemu-system-x86_64)" ] && ok "no qemu left" || not_ok "a qemu process is left"
leftover=$(find /tmp -maxdepth 1 -name 'nestcheck-vm.*' -o -maxdepth 1 -name 'nestcheck-gate.*' -o -maxdepth 1 -name 'nestcheck-initrd.*')
expect "no temporary directory left" "${leftover:-none}" none
echo "$N_OK ok, $N_FAIL failed"
[ "$N_FAIL" = 0 ]
