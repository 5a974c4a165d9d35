# shellcheck shell=bash
# shellcheck disable=SC2016 # scripts run inside containers are single-quoted on purpose
# SPDX-License-Identifier: Apache-2.0
#
# Plain LXC (Debian 12's lxc) and Incus 6.0 (bookworm-backports) on the stock
# kernel (AppArmor on, cgroup v2 only), with the rootfs and image of
# tests/lxd/env.sh (busybox init, Docker engine, apparmor_parser). In each
# scenario nestcheck runs inside first, then Docker's ground truth (dockerd
# inside, docker run), then the printed fix is applied where one is printed,
# and both run again:
#   l0  plain LXC, privileged, no nesting: the fix is lxc.apparmor.profile =
#       generated and lxc.apparmor.allow_nesting = 1 in /var/lib/lxc/NAME/config
#       and lxc-stop; lxc-start, from the host
#   l1  plain LXC, privileged, nesting.conf included: its profile
#       (lxc-container-default-with-nesting) still denies Docker's overlay
#       mounts; apparmor.status's printed fix (the same two lines) is applied
#   i0  Incus, unprivileged, nesting off. Docker's containers start: Incus's
#       profile allows the proc mount. CONTRACT.md's container.nesting still
#       fails (nesting off under AppArmor), so the verdict is not_ready: the
#       one disagreement with Docker here, asserted as such, and
#       `nestcheck incus NAME`'s lxd.instance warns. The fix is incus config
#       set, incus restart, from the host
#   i1  Incus, unprivileged, nesting on; `nestcheck incus NAME` from the VM
# No report may hold another platform's command (lxc config, pct, lxc-* in
# Incus; incus, lxc config, pct in plain LXC). Processes are first moved to an
# /init sub-cgroup, as Docker's dind script and systemd do.
# shellcheck source=common.bash
. /nc/common.bash
NESTCHECK_LXD_LOGDIR=/out
NESTCHECK_LXD_STATE=/tmp/nc-lxd.state
# shellcheck source=../../lxd/env.sh
. /nc/env.sh
# shellcheck source=../../lxd/incus.sh
. /nc/incus.sh
# shellcheck source=../../lxd/lxc.sh
. /nc/lxc.sh
IMAGE=nc-vm
NC_ENV=(NO_COLOR=1 "ASAN_OPTIONS=$ASAN_OPTIONS" "UBSAN_OPTIONS=$UBSAN_OPTIONS")



# push_bundle NAME: the bundle at /tmp/bundle in NAME.
push_bundle() {
	if [ "$NC_CLI" = incus ]; then
		incus exec "$1" -- rm -rf /tmp/bundle </dev/null
		incus file push -q -r /nc/bundle "$1/tmp/" </dev/null
	else
		rm -rf "$LXC_PATH/$1/rootfs/tmp/bundle" && cp -a /nc/bundle "$LXC_PATH/$1/rootfs/tmp/"
	fi || not_ok "cannot push the bundle into $1"
}

# nc_in NAME TAG: the bundled nestcheck --json inside NAME -> /out/NAME.TAG.json.
nc_in() {
	local rc e args=()
	push_bundle "$1"
	if [ "$NC_CLI" = incus ]; then
		for e in "${NC_ENV[@]}"; do args+=(--env "$e"); done
		incus exec "$1" "${args[@]}" -- /tmp/bundle/nestcheck-run --json </dev/null >"/out/$1.$2.json" 2>"/out/$1.$2.err"
	else
		for e in "${NC_ENV[@]}"; do args+=(-v "$e"); done
		lxc-attach -n "$1" --clear-env -v PATH=/usr/sbin:/usr/bin:/sbin:/bin "${args[@]}" -- \
			/tmp/bundle/nestcheck-run --json </dev/null >"/out/$1.$2.json" 2>"/out/$1.$2.err"
	fi
	rc=$?
	report_ok "$2" "/out/$1.$2.json" "$rc" "/out/$1.$2.err"
	expect "$2: container.detect evidence.name" "$(q "/out/$1.$2.json" checks.container.detect.evidence.name)" "$1"
}

# capture NAME TAG: a sysroot of NAME (replayed on the VM tier's host) -> /out/cap-NAME.TAG/root.
capture() {
	local d=/out/cap-$1.$2
	mkdir -p "$d"
	"$NC_CLI" file push -q /nc/capture-sysroot.sh "$1/tmp/capture-sysroot.sh" </dev/null &&
		_nc_in "$1" 'rm -rf /tmp/nc-cap && sh /tmp/capture-sysroot.sh /tmp/nc-cap/root /tmp/bundle/nestcheck-run' >"$d.log" 2>&1 ||
		{ not_ok "capture in $1 failed: $(tail -n 3 "$d.log" | tr '\n' ' ')"; return; }
	if [ "$NC_CLI" = incus ]; then
		incus file pull -q -r "$1/tmp/nc-cap/root" "$d/" </dev/null || not_ok "cannot pull the capture of $1"
	else
		cp -a "$LXC_PATH/$1/rootfs/tmp/nc-cap/root" "$d/" || not_ok "cannot copy the capture of $1"
	fi
	in_ct "$1" rm -rf /tmp/nc-cap
}


# no_other FILE PATTERN: no remediation command of FILE matches PATTERN (ERE).
no_other() {
	local cmds
	cmds=$(json_flat <"$1" | awk -F'\t' '$1 ~ /\.remediation\.[0-9]+\.commands\.[0-9]+$/ { print $2 }' | grep -E "$2")
	if [ -z "$cmds" ]; then ok "$CFG: no other platform's command"; else not_ok "$CFG: other platforms' commands: $(printf '%s\n' "$cmds" | tr '\n' ';')"; fi
}

# apply_host_sh CMDS WANT: run the printed host commands with sh when they are exactly WANT.
apply_host_sh() {
	local cmd out
	applied=0 ok_fix=no
	if [ "$1" != "$2" ]; then
		not_ok "$CFG: the printed host commands [$(printf '%s\n' "$1" | tr '\n' ';')] are not [$(printf '%s\n' "$2" | tr '\n' ';')]"
		return
	fi
	ok_fix=yes
	while IFS= read -r cmd; do
		say "apply on the host: $cmd"
		applied=$((applied + 1))
		out=$(timeout 120 sh -c "$cmd" </dev/null 2>&1) || { not_ok "$cmd: $out"; ok_fix=no; return; }
	done <<<"$1"
}


# nc_incus NAME TAG: `nestcheck incus NAME --json` from the VM -> /out/NAME.TAG.json.
nc_incus() {
	local rc
	"$NC" incus "$1" --json >"/out/$1.$2.json" 2>"/out/$1.$2.err"
	rc=$?
	report_ok "$2" "/out/$1.$2.json" "$rc" "/out/$1.$2.err"
}

CFG=setup
console "plain LXC rootfs"
mkdir -p /tmp/lxc-prep && lxc_prepare /tmp/lxc-prep || { not_ok "lxc_prepare failed"; finish; exit; }
NC_CLI=lxc_cli

# ---- l0: plain LXC, no nesting
CFG=l0 CFG_FAILS=0 applied=0 ok_fix=- fixed=
console "l0"
if lxc_ct_create l0 /tmp/lxc-prep; then
	move_init l0
	nc_in l0 first
	f=/out/l0.first.json
	expect "container.detect platform" "$(q $f checks.container.detect.evidence.platform)" lxc
	expect "container.nesting" "$(q $f checks.container.nesting.status)" fail
	no_other "$f" '^(lxc |incus |pct )'
	# The first run of this boot: its network probes had the kernel load nf_tables, which a capture sees.
	moved l0.first modules.required
	capture l0 first
	truth l0
	gt=$(gt_text)
	verdict_is_truth first "$f" "$GT"
	docker_stop l0
	apply_host_sh "$(remedy_cmds "$f" container.nesting host)" \
		"echo 'lxc.apparmor.profile = generated' >> $LXC_PATH/l0/config
echo 'lxc.apparmor.allow_nesting = 1' >> $LXC_PATH/l0/config
lxc-stop -n l0; lxc-start -n l0"
	if [ "$ok_fix" = yes ]; then
		if lxc_ct_boot l0; then
			move_init l0
			after_fix l0 fixed container.nesting
		else
			ok_fix=no
		fi
	fi
	board l0 "plain LXC, privileged, no nesting" "$gt" "$(q $f verdict)" "$(not_pass $f)" \
		"$applied host commands -> $([ "$ok_fix" = yes ] && echo worked || echo FAILED): $fixed"
fi
lxc_ct_destroy l0 || not_ok "cannot remove l0"

# ---- l1: plain LXC, nesting.conf included
CFG=l1 CFG_FAILS=0 applied=0 ok_fix=- fixed=
console "l1"
if lxc_ct_create l1 /tmp/lxc-prep "lxc.include = $LXC_NESTING"; then
	move_init l1
	nc_in l1 first
	f=/out/l1.first.json
	expect "container.detect platform" "$(q $f checks.container.detect.evidence.platform)" lxc
	expect "container.nesting" "$(q $f checks.container.nesting.status)" pass
	expect "apparmor.status" "$(q $f checks.apparmor.status.status)" fail
	no_other "$f" '^(lxc |incus |pct )'
	capture l1 first
	truth l1
	gt=$(gt_text)
	verdict_is_truth first "$f" "$GT"
	docker_stop l1
	apply_host_sh "$(remedy_cmds "$f" apparmor.status host)" \
		"echo 'lxc.apparmor.profile = generated' >> $LXC_PATH/l1/config
echo 'lxc.apparmor.allow_nesting = 1' >> $LXC_PATH/l1/config
lxc-stop -n l1; lxc-start -n l1"
	if [ "$ok_fix" = yes ]; then
		if lxc_ct_boot l1; then
			move_init l1
			after_fix l1 fixed overlay.mount
		else
			ok_fix=no
		fi
	fi
	board l1 "plain LXC, privileged, nesting.conf" "$gt" "$(q $f verdict)" "$(not_pass $f)" \
		"$applied host commands -> $([ "$ok_fix" = yes ] && echo worked || echo FAILED): $fixed"
fi
lxc_ct_destroy l1 || not_ok "cannot remove l1"
lxc_ct_cleanup || not_ok "lxc_ct_cleanup"

# ---- Incus
CFG=setup
console "Incus up, image"
NC_CLI=incus
incus_up || { not_ok "incus_up failed"; finish; exit; }
lxd_image_build "$IMAGE" || { not_ok "image build failed"; finish; exit; }
say "Incus $(incus --version) and image ready"

launch() {
	local name=$1
	shift
	console "$name: $*"
	CFG=$name CFG_FAILS=0 applied=0 ok_fix=- fixed=
	lxd_launch "$name" "$IMAGE" "$@" || { not_ok "cannot launch $name"; return 1; }
}

# ---- i0: nesting off
if launch i0; then
	move_init i0
	nc_in i0 first
	f=/out/i0.first.json
	expect "container.detect platform" "$(q $f checks.container.detect.evidence.platform)" incus
	# Incus's profile lets proc be mounted without nesting; the contract's rule fails all the same.
	expect "container.nesting (the contract's rule)" "$(q $f checks.container.nesting.status)" fail
	expect "container.nesting evidence.proc_mount" "$(q $f checks.container.nesting.evidence.proc_mount)" ok
	no_other "$f" '^(lxc |pct |lxc-)'
	capture i0 first
	nc_incus i0 incus
	expect "nestcheck incus i0: lxd.instance" "$(q /out/i0.incus.json checks.lxd.instance.status)" warn
	expect "nestcheck incus i0: lxd.instance platform" "$(q /out/i0.incus.json checks.lxd.instance.evidence.platform)" incus
	no_other /out/i0.incus.json '^(lxc |pct |lxc-)'
	truth i0
	gt=$(gt_text)
	# The disagreement the contract keeps: not_ready although Docker's containers start.
	expect "first: docker run (Incus without nesting)" "$GT" works
	expect "first: verdict (container.nesting fails by the contract's rule)" "$(q $f verdict)" not_ready
	apply_host_sh "$(remedy_cmds "$f" container.nesting host)" "incus config set i0 security.nesting true
incus restart i0"
	if [ "$ok_fix" = yes ]; then
		move_init i0
		after_fix i0 fixed container.nesting
	fi
	board i0 "Incus, unprivileged, nesting off" "$gt" "$(q $f verdict)" "$(not_pass $f)" \
		"$applied host commands -> $([ "$ok_fix" = yes ] && echo worked || echo FAILED): $fixed"
	lxd_delete i0 || not_ok "cannot delete i0"
fi

# ---- i1: nesting on
if launch i1 security.nesting=true; then
	move_init i1
	nc_in i1 first
	f=/out/i1.first.json
	expect "container.detect platform" "$(q $f checks.container.detect.evidence.platform)" incus
	expect "verdict" "$(q $f verdict)" ready degraded
	expect "apparmor.status" "$(q $f checks.apparmor.status.status)" pass
	no_other "$f" '^(lxc |pct |lxc-)'
	capture i1 first
	nc_incus i1 incus
	expect "nestcheck incus i1: lxd.instance" "$(q /out/i1.incus.json checks.lxd.instance.status)" pass warn
	expect "nestcheck incus i1: verdict" "$(q /out/i1.incus.json verdict)" ready degraded
	truth i1
	verdict_is_truth first "$f" "$GT"
	board i1 "Incus, unprivileged, nesting on" "$(gt_text)" "$(q $f verdict)" "$(not_pass $f)" "-"
	lxd_delete i1 || not_ok "cannot delete i1"
fi

CFG=cleanup
incus_cleanup || not_ok "incus_cleanup"
incus_down || not_ok "incus_down"
finish
