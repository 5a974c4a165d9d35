# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# tests/lxd/incus.sh - sourceable, after tests/lxd/env.sh: start and stop Incus
# (6.0 from bookworm-backports) on a test host without systemd, so that env.sh's
# image and instance helpers can drive it with NC_CLI=incus.
#
#   . tests/lxd/env.sh; . tests/lxd/incus.sh
#   incus_up                      # incusd --group root, a dir pool, no network
#   NC_CLI=incus lxd_image_build IMG; NC_CLI=incus lxd_launch c1 IMG ...
#   incus_cleanup; incus_down     # instances and images recorded, the daemon if started here
#
# Incus answers on /var/lib/incus/unix.socket (INCUS_DIR); it runs beside LXD.

NESTCHECK_INCUS_SOCKET=${NESTCHECK_INCUS_SOCKET:-/var/lib/incus/unix.socket}

_nc_incus_answering() {
	[ -S "$NESTCHECK_INCUS_SOCKET" ] && incus info >/dev/null 2>&1
}

incus_up() {
	local d pid
	if _nc_incus_answering; then
		_nc_log "incus already answering: not started here"
	else
		for d in /usr/libexec/incus/incusd /usr/lib/incus/incusd /opt/incus/bin/incusd; do
			[ -x "$d" ] && break
		done
		[ -x "$d" ] || { _nc_log "incusd not found (apt-get install -t bookworm-backports incus)"; return 1; }
		pid=$(_nc_spawn "$NESTCHECK_LXD_LOGDIR/nestcheck-incus.log" "$d" --group root) || return 1
		_nc_state_add incus_pid "$pid"
		incus admin waitready --timeout 60 >/dev/null 2>&1 || {
			_nc_log "incusd did not become ready; log tail:"
			tail -n 20 "$NESTCHECK_LXD_LOGDIR/nestcheck-incus.log" >&2
			return 1
		}
	fi
	_nc_default_pool incus incus admin init
}

# Instances and images this session made (recorded by env.sh's helpers), through incus.
incus_cleanup() {
	local rc=0 n
	_nc_incus_answering || return 0
	for n in $(_nc_state_get instance | tac); do
		NC_CLI=incus lxd_delete "$n" || rc=1
	done
	for n in $(_nc_state_get image | tac); do
		if incus image info "$n" >/dev/null 2>&1; then
			incus image delete "$n" </dev/null || rc=1
		fi
		_nc_state_del image "$n"
	done
	return $rc
}

# Stop the incusd incus_up started (none when it was already running), and
# unmount what it left under /var/lib/incus.
incus_down() {
	local pid rc=0
	local kids k
	for pid in $(_nc_state_get incus_pid); do
		if _nc_pid_is "$pid" incusd; then
			# Its helpers (forkstart and the like) go with it: wait for them too.
			kids=$(pgrep -P "$pid" 2>/dev/null || true)
			_nc_stop_pid "$pid" incusd 30 || rc=1
			for k in $kids; do
				for _ in $(seq 1 100); do [ -d "/proc/$k" ] || break; sleep 0.1; done
				[ -d "/proc/$k" ] && kill -KILL "$k" 2>/dev/null
			done
			# The instances' monitors (forked by it, then on their own) end shortly after: wait, not kill.
			for _ in $(seq 1 100); do pgrep -f '^/usr/libexec/incus/incusd' >/dev/null || break; sleep 0.1; done
		fi
		_nc_state_del incus_pid "$pid"
		_nc_mounts_under /var/lib/incus | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
	done
	return $rc
}
