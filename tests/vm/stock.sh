#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# tests/vm/stock.sh NESTCHECK SOURCE_DIR JSONQ
#
# The VM tier: Debian 12's stock kernel under qemu (scripts/vm/vm.sh) with
# AppArmor on, cgroup v2 only and modules loaded on demand, the hosts users run.
# Three boots, scenarios one after another in each (tests/vm/guest):
#   host.bash  the VM as a Docker host (h0 fresh boot, h1 apparmor_parser missing and
#              its fix, h2 the engine as installed)
#   lxd.bash   LXD 5.0 in the VM: overlay never loaded, nesting off (the printed fix
#              applied), nesting on, processes in the container's root cgroup,
#              privileged, privileged with nesting, apparmor_parser missing inside;
#              `nestcheck lxd NAME` from the VM for the first three
#   plat.bash  plain LXC without and with nesting.conf (the printed fix applied),
#              Incus 6.0 with nesting off (the printed fix applied) and on;
#              `nestcheck incus NAME` from the VM for both
# Each scenario compares nestcheck's verdict with real Docker runs; the
# guest prints ok/FAIL lines and a scoreboard row. Here, every capture taken in
# the VM is replayed with NESTCHECK and must give the live statuses.
#
# Needs root and the VM tools (scripts/setup.sh --test installs them). The kernel
# and root file system are cached (NESTCHECK_VM_CACHE, default
# /var/cache/nestcheck/vm); everything else lives in a temporary directory that is
# removed on exit, also on a timeout or a signal (qemu is stopped first).
# Env: NESTCHECK_VM_ONLY="host", "lxd" or "plat" runs one boot; NESTCHECK_VM_KEEP=DIR keeps
# every boot's output (reports, captures, logs) in DIR.
set -uo pipefail

if [ $# -lt 3 ]; then
	echo "usage: bash ${0##*/} NESTCHECK SOURCE_DIR JSONQ" >&2
	exit 2
fi
NC=$(readlink -f "$1") SRC=$(readlink -f "$2") JSONQ=$(readlink -f "$3")
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
T0=$SECONDS
# shellcheck source=../../scripts/vm/vm.sh
. "$SRC/scripts/vm/vm.sh"
TMP=
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	vm_cleanup
	[ -n "$TMP" ] && rm -rf "$TMP"
	echo "vm.stock: $((SECONDS - T0)) s"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

CFG=host CFG_FAILS=0
# shellcheck source=../lxd/report.sh
. "$SRC/tests/lxd/report.sh"

vm_need || { not_ok "the VM tools are missing (scripts/setup.sh --test)"; exit 1; }
t=$SECONDS
vm_kernel || { not_ok "no kernel"; exit 1; }
vm_rootfs || { not_ok "no root file system"; exit 1; }
say "kernel $VM_KREL and root file system ready in $((SECONDS - t)) s ($VM_CACHE); accelerator: $(vm_accel)"
TMP=$(mktemp -d /tmp/nestcheck-vmtier.XXXXXX) || exit 1
IN=$TMP/in
mkdir -p "$IN" || exit 1
sh "$SRC/scripts/bundle.sh" "$IN/bundle" "$NC" >/dev/null || { not_ok "bundle.sh failed"; exit 1; }
cp "$JSONQ" "$IN/jsonq" && cp "$SRC/tests/lxd/env.sh" "$SRC/tests/lxd/report.sh" "$SRC/tests/lxd/incus.sh" \
	"$SRC/tests/lxd/lxc.sh" "$SRC"/tests/vm/guest/*.bash \
	"$SRC/scripts/capture-sysroot.sh" "$IN/" || exit 1

BOARD=()
# boot NAME LIMIT: run tests/vm/guest/NAME.bash in a fresh VM; adds its counts and rows.
boot() {
	local name=$1 limit=$2 out=$TMP/out-$1 rc counts f live d
	printf '#!/bin/bash\n. /nc/%s.bash\n' "$name" >"$IN/scenario" && chmod 755 "$IN/scenario"
	CFG=$name CFG_FAILS=0
	say "booting for $name.bash"
	vm_boot "$IN" "$out" "$limit" apparmor=1 security=apparmor systemd.unified_cgroup_hierarchy=1
	rc=$?
	[ -f "$out/scenario.log" ] && grep -E '^(ok|FAIL|----) ' "$out/scenario.log"
	counts=$(cat "$out/counts" 2>/dev/null)
	if [ -z "$counts" ]; then
		not_ok "$name: the VM gave no result (exit $rc); console tail:"
		tail -n 30 "$out/console.log" 2>/dev/null | sed 's/^/      /'
		tail -n 30 "$out/scenario.log" 2>/dev/null | sed 's/^/      /'
		return
	fi
	N_OK=$((N_OK + ${counts% *})) N_FAIL=$((N_FAIL + ${counts#* }))
	[ "$rc" = 0 ] || [ "${counts#* }" != 0 ] || not_ok "$name: scenario exit status $rc"
	grep -F 'ERROR: AddressSanitizer' "$out"/*.err "$out/scenario.log" 2>/dev/null && not_ok "$name: sanitizer report"
	[ -f "$out/board" ] && mapfile -t -O "${#BOARD[@]}" BOARD <"$out/board"
	# Every capture replays here to the statuses it was taken with.
	for d in "$out"/cap-*/root; do
		[ -d "$d" ] || continue
		f=${d%/root}
		f=${f##*/cap-}
		live=$out/$f.json
		[ -f "$live" ] || continue
		"$NC" --root "$d" --json >"$d.replay.json" 2>"$d.replay.err"
		[ -s "$d.replay.err" ] && not_ok "$f: replay wrote to stderr: $(head -c 300 "$d.replay.err")"
		# Captures carry no launches (capture-sysroot.sh records with --no-launch), and a
		# check the live run itself changed (moved) is compared by neither side.
		local drop='^launch\.'
		[ -f "$out/$f.moved" ] && drop="$drop|^($(paste -sd'|' "$out/$f.moved" | sed 's/\./\\./g')) "
		if diff <(statuses "$live" | grep -Ev "$drop") <(statuses "$d.replay.json" | grep -Ev "$drop") >"$d.diff"; then
			ok "$f: the capture taken in the VM replays here to the live statuses${drop:+ (not compared: launch.*$([ -f "$out/$f.moved" ] && printf ', %s' $(cat "$out/$f.moved")))}"
		else
			not_ok "$f: replay differs from live (< live, > replay): $(grep '^[<>]' "$d.diff" | tr '\n' ' ')"
		fi
	done
	if [ -n "${NESTCHECK_VM_KEEP:-}" ]; then
		mkdir -p "$NESTCHECK_VM_KEEP" && rm -rf "${NESTCHECK_VM_KEEP:?}/$name" && cp -a "$out" "$NESTCHECK_VM_KEEP/$name"
	fi
	rm -rf "$out"
}

for b in ${NESTCHECK_VM_ONLY:-host lxd plat}; do
	case $b in
	host) boot host 900 ;;
	lxd) boot lxd 1500 ;;
	plat) boot plat 900 ;;
	*) not_ok "unknown boot $b" ;;
	esac
done

echo
echo "| scenario | setting | Docker ground truth | nestcheck verdict | warn/fail checks | remediation applied -> result | assertions |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${BOARD[@]}"
echo
echo "$N_OK ok, $N_FAIL failed, $((SECONDS - T0)) s (kernel $VM_KREL)"
[ "$N_FAIL" = 0 ]
