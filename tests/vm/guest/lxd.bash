# shellcheck shell=bash
# shellcheck disable=SC2016 # scripts run inside instances are single-quoted on purpose
# SPDX-License-Identifier: Apache-2.0
#
# LXD 5.0 on the stock kernel (AppArmor on, cgroup v2 only), the instances
# built by tests/lxd/env.sh (busybox init, Docker engine, apparmor_parser).
# Scenarios, one after another; in each nestcheck runs inside first, then
# Docker's ground truth (dockerd inside, docker run), then the printed fix is
# applied where one is printed, and both run again:
#   ov  overlay never loaded on the host (the first thing this boot does)
#   n0  unprivileged, nesting off: the walk-through's failure; fix: nesting, from the host
#   n1  unprivileged, nesting on
#   r   nesting on, processes left in the container's root cgroup (no init moves them):
#       containers start, a memory limit fails; fix: move them to a leaf
#   p   privileged, nesting off; fix: nesting
#   aa  nesting on, apparmor_parser missing inside; fix: install apparmor (put back here)
# Except in r, processes are first moved to an /init sub-cgroup, as Docker's
# dind script and systemd do. `nestcheck lxd NAME` runs from the VM for n0 and n1.
# shellcheck source=common.bash
. /nc/common.bash
NESTCHECK_LXD_LOGDIR=/out
NESTCHECK_LXD_STATE=/tmp/nc-lxd.state
# shellcheck source=../../lxd/env.sh
. /nc/env.sh
IMAGE=nc-vm
NC_ENV=(--env NO_COLOR=1 --env "ASAN_OPTIONS=$ASAN_OPTIONS" --env "UBSAN_OPTIONS=$UBSAN_OPTIONS")


# nc_in NAME TAG: the bundled nestcheck --json inside NAME -> /out/NAME.TAG.json.
nc_in() {
	local rc
	lxc exec "$1" -- rm -rf /tmp/bundle </dev/null
	lxc file push -q -r /nc/bundle "$1/tmp/" </dev/null || not_ok "cannot push the bundle into $1"
	lxd_exec_out "$1" "/out/$1.$2.json" "/out/$1.$2.err" "${NC_ENV[@]}" -- /tmp/bundle/nestcheck-run --json
	rc=$?
	report_ok "$2" "/out/$1.$2.json" "$rc" "/out/$1.$2.err"
	expect "$2: container.detect evidence.name" "$(q "/out/$1.$2.json" checks.container.detect.evidence.name)" "$1"
}

# capture NAME TAG: a sysroot of NAME (replayed on the VM tier's host) -> /out/cap-NAME.TAG/root.
capture() {
	local d=/out/cap-$1.$2
	mkdir -p "$d"
	lxc file push -q /nc/capture-sysroot.sh "$1/tmp/capture-sysroot.sh" </dev/null &&
		lxc exec "$1" "${NC_ENV[@]}" -- sh -c 'rm -rf /tmp/nc-cap && sh /tmp/capture-sysroot.sh /tmp/nc-cap/root /tmp/bundle/nestcheck-run' \
			</dev/null >"$d.log" 2>&1 &&
		lxc file pull -q -r "$1/tmp/nc-cap/root" "$d/" </dev/null ||
		not_ok "capture in $1 failed: $(tail -n 3 "$d.log" | tr '\n' ' ')"
	lxc exec "$1" -- rm -rf /tmp/nc-cap </dev/null
}

# nc_lxd NAME TAG: `nestcheck lxd NAME --json` from the VM -> /out/NAME.TAG.json.
nc_lxd() {
	local rc
	"$NC" lxd "$1" --json >"/out/$1.$2.json" 2>"/out/$1.$2.err"
	rc=$?
	report_ok "$2" "/out/$1.$2.json" "$rc" "/out/$1.$2.err"
}


# mem_limit NAME: does a docker run with a memory limit work in NAME (dockerd running)?
mem_limit() {
	if lxc exec "$1" -- timeout 90 docker run --rm --network none --pull=never --memory 64m local/busybox:1 true \
		</dev/null >"/out/$1.memory.log" 2>&1; then echo works; else echo fails; fi
}

# apply_in NAME CMDS: run each printed container-side command inside NAME.
apply_in() {
	local cmd out
	applied=0 ok_fix=yes
	while IFS= read -r cmd; do
		[ -n "$cmd" ] || continue
		applied=$((applied + 1))
		say "apply in $1: $cmd"
		out=$(lxc exec "$1" -- sh -c "$cmd" </dev/null 2>&1) || { not_ok "fix failed in $1: $cmd: $out"; ok_fix=no; }
	done <<<"$2"
	[ "$applied" -gt 0 ] || ok_fix=no
}



launch() {
	local name=$1
	shift
	console "$name: $*"
	CFG=$name CFG_FAILS=0 applied=0 ok_fix=- fixed=
	lxd_launch "$name" "$IMAGE" "$@" || { not_ok "cannot launch $name"; return 1; }
}

CFG=setup
console "LXD up, image"
loaded=$(modules_loaded overlay)
lxd_up || { not_ok "lxd_up failed"; finish; exit; }
lxd_image_build "$IMAGE" || { not_ok "image build failed"; finish; exit; }
say "LXD and image ready; overlay loaded before the first scenario: ${loaded:-no}"

# ---- ov: overlay not loaded on the host
if launch ov security.nesting=true; then
	move_init ov
	expect "overlay not loaded on the host yet" "$(modules_loaded overlay)" ""
	nc_in ov first
	f=/out/ov.first.json
	expect "overlay.support: loaded on demand" "$(q $f checks.overlay.support.evidence.loaded_on_demand)" true
	expect "overlay.support" "$(q $f checks.overlay.support.status)" warn
	expect "overlay.mount" "$(q $f checks.overlay.mount.status)" pass
	if remedy_cmds "$f" overlay.support host | grep -q 'overlay'; then ok "overlay.support: host fix loads overlay at boot"; else not_ok "overlay.support has no host fix"; fi
	# Its own test mount loaded overlay: a capture taken now sees it registered.
	moved ov.first overlay.support modules.required
	capture ov first
	truth ov
	expect "dockerd's storage driver" "$GT_DRIVER" overlay2
	verdict_is_truth first "$f" "$GT"
	board ov "overlay module not loaded on the host, nesting on" "$(gt_text)" "$(q $f verdict)" "$(not_pass $f)" \
		"- (the kernel loads overlay on the first overlay mount, even from the container)"
	lxd_delete ov || not_ok "cannot delete ov"
fi

# ---- n0: nesting off (the walk-through)
if launch n0; then
	move_init n0
	nc_in n0 first
	f=/out/n0.first.json
	expect "container.nesting" "$(q $f checks.container.nesting.status)" fail
	expect "namespace.proc_mount" "$(q $f checks.namespace.proc_mount.status)" fail
	expect "apparmor.status (an AppArmor namespace of its own)" "$(q $f checks.apparmor.status.status)" pass
	capture n0 first
	nc_lxd n0 lxd
	expect "nestcheck lxd n0: lxd.instance" "$(q /out/n0.lxd.json checks.lxd.instance.status)" fail
	expect "nestcheck lxd n0: verdict" "$(q /out/n0.lxd.json verdict)" not_ready
	truth n0
	gt=$(gt_text)
	verdict_is_truth first "$f" "$GT"
	case $GT_ERR in *'error mounting "proc"'*'permission denied'*) ok "docker run fails on the proc mount" ;; *) not_ok "docker run error: $GT_ERR" ;; esac
	apply_host_cmds "$(remedy_cmds "$f" container.nesting host)" '^lxc (config set n0 security.nesting true|restart n0)$'
	[ "$applied" -gt 0 ] || ok_fix=no
	if [ "$ok_fix" = yes ]; then
		move_init n0
		after_fix n0 fixed container.nesting
	fi
	board n0 "unprivileged, nesting off" "$gt" "$(q $f verdict)" "$(not_pass $f)" \
		"$applied host commands -> $([ "$ok_fix" = yes ] && echo worked || echo FAILED): $fixed"
	lxd_delete n0 || not_ok "cannot delete n0"
fi

# ---- n1: nesting on
if launch n1 security.nesting=true; then
	move_init n1
	nc_in n1 first
	f=/out/n1.first.json
	expect "verdict" "$(q $f verdict)" ready degraded
	expect "apparmor.status" "$(q $f checks.apparmor.status.status)" pass
	expect "apparmor.status evidence.namespace_level" "$(q $f checks.apparmor.status.evidence.namespace_level)" 1
	expect "cgroup.delegation" "$(q $f checks.cgroup.delegation.status)" pass
	capture n1 first
	nc_lxd n1 lxd
	expect "nestcheck lxd n1: lxd.instance" "$(q /out/n1.lxd.json checks.lxd.instance.status)" pass warn
	expect "nestcheck lxd n1: verdict" "$(q /out/n1.lxd.json verdict)" ready degraded
	truth n1
	verdict_is_truth first "$f" "$GT"
	board n1 "unprivileged, nesting on" "$(gt_text)" "$(q $f verdict)" "$(not_pass $f)" "-"
	lxd_delete n1 || not_ok "cannot delete n1"
fi

# ---- r: processes in the container's root cgroup
if launch r security.nesting=true; then
	nc_in r first
	f=/out/r.first.json
	expect "cgroup.delegation (containers start, limits fail)" "$(q $f checks.cgroup.delegation.status)" warn
	capture r first
	truth r
	limit=$(mem_limit r)
	gt="$(gt_text); with --memory 64m: $limit"
	verdict_is_truth first "$f" "$GT"
	expect "docker run --memory 64m with processes in the root cgroup" "$limit" fails
	docker_stop r
	apply_in r "$(remedy_cmds "$f" cgroup.delegation container)"
	if [ "$ok_fix" = yes ]; then
		after_fix r fixed cgroup.delegation
		limit=$(mem_limit r)
		expect "after fix: docker run --memory 64m" "$limit" works || ok_fix=no
		fixed="$fixed; with --memory 64m: $limit"
	fi
	board r "nesting on, processes in the container's root cgroup" "$gt" "$(q $f verdict)" "$(not_pass $f)" \
		"$applied commands inside -> $([ "$ok_fix" = yes ] && echo worked || echo FAILED): $fixed"
	lxd_delete r || not_ok "cannot delete r"
fi

# ---- p: privileged, nesting off
if launch p security.privileged=true; then
	move_init p
	nc_in p first
	f=/out/p.first.json
	expect "userns.idmap (root inside is root on the host)" "$(q $f checks.userns.idmap.status)" warn
	expect "container.nesting" "$(q $f checks.container.nesting.status)" fail
	capture p first
	truth p
	gt=$(gt_text)
	verdict_is_truth first "$f" "$GT"
	apply_host_cmds "$(remedy_cmds "$f" container.nesting host)" '^lxc (config set p security.nesting true|restart p)$'
	[ "$applied" -gt 0 ] || ok_fix=no
	if [ "$ok_fix" = yes ]; then
		move_init p
		after_fix p fixed container.nesting
		expect "after fix: userns.idmap still warns" "$(q /out/p.fixed.json checks.userns.idmap.status)" warn
	fi
	board p "privileged, nesting off" "$gt" "$(q $f verdict)" "$(not_pass $f)" \
		"$applied host commands -> $([ "$ok_fix" = yes ] && echo worked || echo FAILED): $fixed"
	lxd_delete p || not_ok "cannot delete p"
fi

# ---- aa: no apparmor_parser inside
if launch aa security.nesting=true; then
	move_init aa
	_nc_in aa 'mv /usr/sbin/apparmor_parser /usr/sbin/apparmor_parser.absent' || not_ok "cannot hide apparmor_parser"
	nc_in aa first
	f=/out/aa.first.json
	expect "apparmor.parser" "$(q $f checks.apparmor.parser.status)" fail
	expect "apparmor.parser fix (inside)" "$(remedy_cmds "$f" apparmor.parser container)" "apt-get update && apt-get install -y apparmor"
	capture aa first
	truth aa
	gt=$(gt_text)
	verdict_is_truth first "$f" "$GT"
	# Installing the package, without a network: its binary comes back.
	_nc_in aa 'mv /usr/sbin/apparmor_parser.absent /usr/sbin/apparmor_parser' && applied=1 ok_fix=yes
	after_fix aa fixed apparmor.parser
	board aa "nesting on, apparmor_parser missing inside" "$gt" "$(q $f verdict)" "$(not_pass $f)" \
		"apparmor installed -> $([ "$ok_fix" = yes ] && echo worked || echo FAILED): $fixed"
	lxd_delete aa || not_ok "cannot delete aa"
fi

CFG=cleanup
lxd_cleanup || not_ok "lxd_cleanup"
lxd_down || not_ok "lxd_down"
finish
