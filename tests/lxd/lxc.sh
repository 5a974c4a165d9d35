# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# tests/lxd/lxc.sh - sourceable, after tests/lxd/env.sh: plain LXC containers
# (the lxc package: lxc-create, lxc-start, lxc-attach; no LXD, no Incus) made
# from env.sh's busybox + Docker engine root file system, so that env.sh's
# helpers (lxd_mount_cgroups, lxd_docker_start, docker_test_image_in) drive
# them through NC_CLI=lxc_cli.
#
#   . tests/lxd/env.sh; . tests/lxd/lxc.sh
#   lxc_prepare DIR                     # the rootfs and lxc-local's metadata, in DIR
#   lxc_ct_create NAME DIR LINE...      # lxc-create (config lines LINE), lxc-start, cgroups mounted
#   lxc_ct_boot NAME                    # after a (re)start: wait for its rcS, mount its cgroups
#   lxc_ct_destroy NAME; lxc_ct_cleanup # one container; every container made here
#
# Containers live in /var/lib/lxc (the path nestcheck's fixes name), have no
# network (lxc.net.0.type = empty) and are privileged (no lxc.idmap).

LXC_PATH=/var/lib/lxc
LXC_NESTING=/usr/share/lxc/config/nesting.conf
LXC_COMMON=/usr/share/lxc/config/common.conf
LXC_CTS=()	# the containers made here
LXC_MONITORS=() # their monitors' pids

# The part of the LXD client env.sh's helpers use, for plain LXC:
#   exec NAME -- CMD...          lxc-attach, with a clean environment
#   file push [-q] SRC NAME/PATH a copy into the container's rootfs
lxc_cli() {
	local name
	case $1 in
	exec)
		name=$2
		shift 3
		lxc-attach -n "$name" --clear-env -v PATH=/usr/sbin:/usr/bin:/sbin:/bin -- "$@"
		;;
	file)
		[ "$2" = push ] || return 1
		shift 2
		[ "$1" = -q ] && shift
		name=${2%%/*}
		cp "$1" "$LXC_PATH/$name/rootfs/${2#*/}"
		;;
	*) return 1 ;;
	esac
}

# lxc_prepare DIR: DIR/rootfs.tar.xz and DIR/meta.tar.xz for the lxc-local template.
lxc_prepare() {
	local dir=$1
	_nc_image_rootfs "$dir/rootfs" >"$dir/rootfs.log" 2>&1 || { _nc_log "rootfs: $(tail -n 5 "$dir/rootfs.log")"; return 1; }
	# lxc-local unpacks both with tar -J; xz -0 keeps this to seconds.
	tar -C "$dir/rootfs" --numeric-owner -cf - . | xz -0 -T0 >"$dir/rootfs.tar.xz" || return 1
	rm -rf "$dir/rootfs"
	mkdir -p "$dir/meta" && printf '%s\n' "lxc.include = $LXC_COMMON" 'lxc.arch = x86_64' >"$dir/meta/config" &&
		tar -C "$dir/meta" -cJf "$dir/meta.tar.xz" config
}

# lxc-start daemonizes: its monitor ("[lxc monitor] /var/lib/lxc NAME") is
# handed to PID 1, ends with the container and waits for PID 1 to reap it.
_lxc_monitor_note() {
	local pid
	pid=$(pgrep -f "^\[lxc monitor\] $LXC_PATH $1\$") && LXC_MONITORS+=("$pid")
}

# lxc_ct_boot NAME: wait until NAME's rcS has mounted /run, then mount its cgroups.
lxc_ct_boot() {
	local name=$1
	for _ in $(seq 1 120); do
		if lxc_cli exec "$name" -- /bin/sh -c 'cut -d" " -f5 /proc/self/mountinfo | grep -qx /run' </dev/null >/dev/null 2>&1; then
			_lxc_monitor_note "$name"
			NC_CLI=lxc_cli lxd_mount_cgroups "$name" || { _nc_log "mounting cgroups in $name failed"; return 1; }
			return 0
		fi
		sleep 0.25
	done
	_nc_log "$name: not up after 30 s: $(lxc-info -n "$name" 2>&1 | tr '\n' ' ')"
	return 1
}

# lxc_ct_create NAME DIR CONFIG-LINE...: create NAME from DIR's tarballs (lxc_prepare), start it, mount cgroups.
lxc_ct_create() {
	local name=$1 dir=$2 conf=$2/$1.conf
	shift 2
	if [ -e "$LXC_PATH/$name" ]; then
		_nc_log "$LXC_PATH/$name exists (not made here, left alone)"
		return 1
	fi
	LXC_CTS+=("$name")
	printf '%s\n' 'lxc.net.0.type = empty' "$@" >"$conf"
	lxc-create -n "$name" -f "$conf" -t local -- --metadata "$dir/meta.tar.xz" --fstree "$dir/rootfs.tar.xz" \
		</dev/null >"$dir/$name.create.log" 2>&1 || { _nc_log "lxc-create $name: $(tail -n 5 "$dir/$name.create.log")"; return 1; }
	lxc-start -n "$name" -l ERROR -o "$dir/$name.start.log" </dev/null ||
		{ _nc_log "lxc-start $name: $(tail -n 10 "$dir/$name.start.log")"; return 1; }
	lxc_ct_boot "$name"
}

# lxc_ct_destroy NAME: stop and destroy a container made here.
lxc_ct_destroy() {
	local name=$1
	[ -e "$LXC_PATH/$name" ] || return 0
	lxc-stop -k -n "$name" >/dev/null 2>&1
	lxc-destroy -f -n "$name" >/dev/null 2>&1
	[ -e "$LXC_PATH/$name" ] && rm -rf --one-file-system "${LXC_PATH:?}/$name"
	[ ! -e "$LXC_PATH/$name" ]
}

# lxc_ct_cleanup: every container made here destroyed; their monitors waited for (20 s at most).
lxc_ct_cleanup() {
	local n pid left rc=0
	for n in "${LXC_CTS[@]}"; do
		lxc_ct_destroy "$n" || { _nc_log "cannot remove container $n"; rc=1; }
	done
	for _ in $(seq 1 200); do
		left=
		for pid in "${LXC_MONITORS[@]}"; do
			[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = lxc-start ] && left="$left $pid"
		done
		[ -z "$left" ] && return $rc
		sleep 0.1
	done
	_nc_log "note: lxc-start monitors not reaped by PID 1 after 20 s:$left"
	return $rc
}
