# shellcheck shell=bash
# shellcheck disable=SC2016 # scripts run inside instances are single-quoted on purpose
# SPDX-License-Identifier: Apache-2.0
#
# tests/vm/guest/common.bash: sourced by the VM tier's scenarios, inside the VM
# (scripts/vm/init runs /nc/scenario as root; /out comes back to the host).
# /nc holds: bundle/ (nestcheck and its libraries), jsonq, env.sh, report.sh,
# capture-sysroot.sh and these scripts.
set -uo pipefail
export NO_COLOR=1
JSONQ=/nc/jsonq
# nestcheck itself: the VM has its libraries (the bundle's wrapper is for the instances).
NC=/nc/bundle/nestcheck
# Sanitizer reports get exit codes of their own (a failing check exits 1).
export ASAN_OPTIONS=exitcode=86:detect_leaks=1 UBSAN_OPTIONS=exitcode=87:print_stacktrace=1
CFG=setup CFG_FAILS=0
# shellcheck source=../../lxd/report.sh
. /nc/report.sh
T0=$SECONDS

# console MESSAGE: progress on the serial console (the host shows it when a boot fails).
console() { echo "nc-vm: [$((SECONDS - T0)) s] $*" >/dev/console; }

# board ID DESCRIPTION GROUND_TRUTH VERDICT NOT_PASS FIX: one scoreboard row.
board() {
	printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" "${5:--}" "${6:--}" \
		"$([ "$CFG_FAILS" = 0 ] && echo ok || echo "$CFG_FAILS FAILED")" >>/out/board
}

# finish: the counts for the host side, then the scenario's exit status.
finish() {
	echo "$N_OK $N_FAIL" >/out/counts
	console "$N_OK ok, $N_FAIL failed"
	[ "$N_FAIL" = 0 ]
}

# verdict_is_truth TAG FILE TRUTH(works|fails): ready/degraded <=> Docker works.
verdict_is_truth() {
	local verdict predicted
	verdict=$(q "$2" verdict)
	case $verdict in ready | degraded) predicted=works ;; *) predicted=fails ;; esac
	expect "$1: verdict $verdict predicts docker run $predicted; docker says" "$3" "$predicted"
}

# report_ok TAG FILE RC ERRFILE: valid JSON, exit status per verdict, empty stderr,
# a remediation on every warn and fail, no check that broke.
report_ok() {
	local tag=$1 f=$2 rc=$3 err=$4 verdict want
	if [ "$(q "$f" schema_version)" != 1 ]; then
		not_ok "$tag: no valid JSON report (exit $rc): $(head -c 600 "$err")"
		return 1
	fi
	verdict=$(q "$f" verdict)
	case $verdict in not_ready) want=1 ;; *) want=0 ;; esac
	expect "$tag: exit status for verdict $verdict" "$rc" "$want"
	[ -s "$err" ] && not_ok "$tag: nestcheck wrote to stderr: $(head -c 600 "$err")"
	expect "$tag: checks that broke (summary.error)" "$(q "$f" summary.error)" 0
	remediation_complete "$tag" "$f"
	return 0
}

# busybox_rootfs DIR: a root file system of static busybox and its applets.
busybox_rootfs() {
	local a
	mkdir -p "$1/bin" && cp /bin/busybox "$1/bin/busybox" || return 1
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -sf busybox "$1/bin/$a" || return 1
	done
}

# modules_loaded NAME...: which of NAME are in /proc/modules, space separated.
modules_loaded() {
	local m out=
	for m in "$@"; do
		grep -q "^$m " /proc/modules && out="$out $m"
	done
	echo "${out# }"
}

# moved TAG ID...: checks whose answer the run of TAG itself changed (a module its
# probes made the kernel load), so a capture taken after it differs there.
moved() {
	local tag=$1
	shift
	printf '%s\n' "$@" >>"/out/$tag.moved"
}

# ---- instances of LXD, Incus or plain LXC, through NC_CLI (lxc, incus or lxc_cli; env.sh's helpers)

# in_ct NAME CMD...: CMD in NAME.
in_ct() {
	local name=$1
	shift
	"$NC_CLI" exec "$name" -- "$@" </dev/null
}

# move_init NAME: every process of NAME into /init, controllers enabled for children.
move_init() {
	_nc_in "$1" 'mkdir -p /sys/fs/cgroup/init && xargs -rn1 </sys/fs/cgroup/cgroup.procs >/sys/fs/cgroup/init/cgroup.procs 2>/dev/null
sed -e "s/ / +/g" -e "s/^/+/" </sys/fs/cgroup/cgroup.controllers >/sys/fs/cgroup/cgroup.subtree_control' ||
		not_ok "moving the processes of $1 to /init failed"
}

docker_stop() {
	_nc_in "$1" 'p=$(cat /var/run/docker.pid 2>/dev/null) || exit 0
kill "$p"; i=0; while [ -d "/proc/$p" ] && [ $i -lt 60 ]; do sleep 0.5; i=$((i + 1)); done' || true
}

# truth NAME: dockerd inside, local/busybox:1, one docker run; GT (works|fails), GT_ERR, GT_DRIVER.
truth() {
	local out
	GT=fails GT_ERR= GT_DRIVER=
	if ! out=$(lxd_docker_start "$1" 2>&1); then
		GT_ERR="dockerd: $(printf '%s\n' "$out" | grep -v '^\[lxd-env\]' | grep -E 'level=(error|fatal)' | tail -n 1 | cut -c1-300)"
		return
	fi
	GT_DRIVER=$(in_ct "$1" docker info --format '{{.Driver}}' 2>/dev/null)
	out=$(docker_test_image_in "$1" 2>&1)
	[ $? = 1 ] && { GT_ERR="import: $(printf '%s\n' "$out" | tail -n 1)"; return; }
	if out=$(in_ct "$1" timeout 90 docker run --rm --network none --pull=never local/busybox:1 true 2>&1); then
		GT=works
	else
		GT_ERR=$(printf '%s\n' "$out" | head -n 1 | cut -c1-300)
	fi
}
gt_text() { echo "docker run $GT${GT_DRIVER:+ ($GT_DRIVER)}${GT_ERR:+: \`$GT_ERR\`}"; }

# after_fix NAME TAG CHECK: nestcheck (the scenario's nc_in) and Docker again after a fix; CHECK must pass now.
after_fix() {
	local f=/out/$1.$2.json
	nc_in "$1" "$2"
	truth "$1"
	expect "$2: $3" "$(q "$f" "checks.$3.status")" pass || ok_fix=no
	expect "$2: docker run" "$GT" works || ok_fix=no
	verdict_is_truth "$2" "$f" "$GT"
	fixed="$(gt_text); verdict $(q "$f" verdict)"
}
