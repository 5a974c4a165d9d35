# shellcheck shell=bash
# shellcheck disable=SC2016  # scripts run inside instances are single-quoted on purpose
# tests/lxd/env.sh - sourceable helpers to run Docker inside LXD instances on a
# test host (Debian 12, root, no systemd, no network registry).
#
#   . tests/lxd/env.sh
#   lxd_up                                  # start lxcfs + lxd if not answering
#   lxd_image_build nestcheck-docker        # busybox + docker engine image
#   lxd_launch c1 nestcheck-docker security.nesting=true
#   lxd_mount_cgroups c1
#   lxd_docker_start c1
#   docker_test_image_in c1                 # local/busybox:1, local/nobody:1
#   lxd_delete c1                           # one instance, forced
#   lxd_cleanup                             # instances + images created here
#   lxd_down                                # daemons started by lxd_up
#
# Every function returns non-zero on failure and never exits the caller. The
# library does not change the caller's shell options; it works under
# `set -euo pipefail`.
#
# What was created is recorded in a state file, one "KIND VALUE" line each:
#   lxd_pid N, lxcfs_pid N, lxcfs_mount DIR, instance NAME, image NAME
# (plus STATE.premounts: mounts under /var/lib/lxd before lxd_up started LXD).
# Default: /tmp/nestcheck-lxd.<pid of the sourcing shell>.state. Set
# NESTCHECK_LXD_STATE before sourcing to share one between processes (e.g. a
# fixture step that runs lxd_up and lxd_down in different processes).
#
# Logs: /tmp/nestcheck-lxd.log and /tmp/nestcheck-lxcfs.log (NESTCHECK_LXD_LOGDIR
# to move them); dockerd inside an instance logs to /var/log/dockerd.log there.

# The client the image and instance helpers drive: LXD's `lxc`, or `incus`
# (tests/lxd/incus.sh starts Incus; the daemon helpers here are LXD's).
NC_CLI=${NC_CLI:-lxc}
NESTCHECK_LXD_STATE=${NESTCHECK_LXD_STATE:-/tmp/nestcheck-lxd.$$.state}
NESTCHECK_LXD_LOGDIR=${NESTCHECK_LXD_LOGDIR:-/tmp}
NESTCHECK_LXD_SOCKET=${NESTCHECK_LXD_SOCKET:-/var/lib/lxd/unix.socket}
NESTCHECK_LXCFS_DIR=${NESTCHECK_LXCFS_DIR:-/var/lib/lxcfs}

# ---------------------------------------------------------------- internals

_nc_log() { printf '[lxd-env] %s\n' "$*" >&2; }

_nc_state_add() { # KIND VALUE
	printf '%s %s\n' "$1" "$2" >>"$NESTCHECK_LXD_STATE"
}

_nc_state_get() { # KIND -> values, one a line, in recorded order
	[ -f "$NESTCHECK_LXD_STATE" ] || return 0
	awk -v k="$1" '$1 == k { sub(/^[^ ]+ /, ""); print }' "$NESTCHECK_LXD_STATE"
}

_nc_state_del() { # KIND VALUE
	[ -f "$NESTCHECK_LXD_STATE" ] || return 0
	local tmp
	tmp=$(mktemp "$NESTCHECK_LXD_STATE.XXXXXX") || return 1
	awk -v k="$1" -v v="$2" '!($1 == k && substr($0, length(k) + 2) == v)' \
		"$NESTCHECK_LXD_STATE" >"$tmp" && mv -f "$tmp" "$NESTCHECK_LXD_STATE"
	[ -s "$NESTCHECK_LXD_STATE" ] || rm -f "$NESTCHECK_LXD_STATE"
}

# Is DIR a mount point (per /proc/self/mountinfo)?
_nc_is_mounted() {
	awk -v d="$1" '$5 == d { f = 1 } END { exit !f }' /proc/self/mountinfo
}

# Mount points at or below DIR, deepest first.
_nc_mounts_under() {
	awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r -u
}

# Start "$@" in a new session, detached, stdout+stderr to LOG. Prints the pid of
# the daemon itself: the process writes its own pid before exec, so this is right
# even when setsid has to fork (caller is a process group leader).
_nc_spawn() { # LOG CMD...
	local log=$1 pidf pid=
	shift
	pidf=$(mktemp /tmp/nestcheck-spawn.XXXXXX) || return 1
	: >"$pidf"
	# shellcheck disable=SC2016
	setsid sh -c 'echo $$ >"$0"; exec "$@"' "$pidf" "$@" >"$log" 2>&1 </dev/null &
	for _ in $(seq 1 100); do
		pid=$(cat "$pidf" 2>/dev/null || true)
		[ -n "$pid" ] && break
		sleep 0.05
	done
	rm -f "$pidf"
	[ -n "$pid" ] || return 1
	echo "$pid"
}

# Is PID alive and running executable NAME?
_nc_pid_is() { # PID NAME
	[ -n "$1" ] && [ -d "/proc/$1" ] || return 1
	local exe
	exe=$(readlink "/proc/$1/exe" 2>/dev/null) || return 1
	[ "${exe##*/}" = "$2" ]
}

# SIGTERM PID, wait up to SECS, then SIGKILL.
_nc_stop_pid() { # PID NAME SECS
	local pid=$1 name=$2 secs=${3:-30}
	_nc_pid_is "$pid" "$name" || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 1 $((secs * 10))); do
		_nc_pid_is "$pid" "$name" || return 0
		sleep 0.1
	done
	_nc_log "$name (pid $pid) ignored SIGTERM for ${secs}s, sending SIGKILL"
	kill -KILL "$pid" 2>/dev/null || true
	for _ in $(seq 1 50); do
		_nc_pid_is "$pid" "$name" || return 0
		sleep 0.1
	done
	return 1
}

_nc_lxd_answering() {
	[ -S "$NESTCHECK_LXD_SOCKET" ] && lxc info >/dev/null 2>&1
}

# Find a host binary, preferring the distribution's own paths (a stray
# /usr/local/bin/docker must not win over docker.io's /usr/bin/docker).
_nc_find_bin() {
	local d
	for d in /usr/sbin /usr/bin /sbin /bin; do
		if [ -x "$d/$1" ]; then
			echo "$d/$1"
			return 0
		fi
	done
	command -v "$1" 2>/dev/null
}

# Run shell SCRIPT inside instance NAME with its busybox sh; ARGS become $1...
_nc_in() { # NAME SCRIPT [ARGS...]
	local name=$1 script=$2
	shift 2
	"$NC_CLI" exec "$name" -- /bin/sh -c "$script" sh "$@" </dev/null
}

# lxd_exec_out NAME OUT ERR [EXEC-OPTION...] -- CMD...: CMD in instance NAME, its
# stdout in file OUT and its stderr in file ERR here; returns CMD's exit status
# (125 when its output cannot be fetched). The streams go to files in the
# instance and come back through the file API: LXD before 5.14 can lose an
# exec's streamed output on a busy host (canonical/lxd#11422).
lxd_exec_out() {
	local name=${1:?usage: lxd_exec_out NAME OUT ERR [OPTION...] -- CMD...} out=${2:?} err=${3:?}
	local f=/tmp/.nc-exec.$$ rc opts=()
	shift 3
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	[ $# -gt 1 ] || { _nc_log "lxd_exec_out: no command"; return 2; }
	shift
	"$NC_CLI" exec "$name" "${opts[@]}" -- /bin/sh -c 'f=$1; shift; "$@" >"$f.out" 2>"$f.err"' sh "$f" "$@" \
		</dev/null 2>"$err.exec"
	rc=$?
	if "$NC_CLI" file pull -q "$name$f.out" "$out" </dev/null 2>>"$err.exec" &&
		"$NC_CLI" file pull -q "$name$f.err" "$err" </dev/null 2>>"$err.exec"; then
		cat "$err.exec" >>"$err"
	else
		: >"$out"
		mv -f "$err.exec" "$err"
		[ "$rc" != 0 ] || rc=125
	fi
	rm -f "$err.exec"
	"$NC_CLI" exec "$name" -- rm -f "$f.out" "$f.err" </dev/null >/dev/null 2>&1
	return "$rc"
}

# ---------------------------------------------------------------- LXD daemon

# Start lxcfs and lxd unless LXD already answers; initialise storage pool
# "default" (dir driver) and a default profile with only a root disk (no
# bridge: `lxd init --auto` cannot work without a free subnet).
lxd_up() {
	local pid
	if ! _nc_lxd_answering; then
		# A socket that exists may belong to a daemon still starting.
		if [ -S "$NESTCHECK_LXD_SOCKET" ] && lxd waitready --timeout 10 >/dev/null 2>&1 &&
			_nc_lxd_answering; then
			:
		else
			# lxcfs first: LXD only uses it if it is mounted when LXD starts.
			if _nc_is_mounted "$NESTCHECK_LXCFS_DIR" && ! ls "$NESTCHECK_LXCFS_DIR/proc" >/dev/null 2>&1; then
				_nc_log "stale lxcfs mount at $NESTCHECK_LXCFS_DIR (daemon gone), unmounting it"
				umount -l "$NESTCHECK_LXCFS_DIR" || return 1
			fi
			if ! _nc_is_mounted "$NESTCHECK_LXCFS_DIR"; then
				mkdir -p "$NESTCHECK_LXCFS_DIR" || return 1
				# -f: lxcfs daemonizes by default, and then its pid would be lost.
				pid=$(_nc_spawn "$NESTCHECK_LXD_LOGDIR/nestcheck-lxcfs.log" \
					lxcfs -f --pidfile="$NESTCHECK_LXD_STATE.lxcfs.pid" "$NESTCHECK_LXCFS_DIR") || {
					_nc_log "cannot start lxcfs"
					return 1
				}
				_nc_state_add lxcfs_pid "$pid"
				for _ in $(seq 1 100); do
					_nc_is_mounted "$NESTCHECK_LXCFS_DIR" && break
					sleep 0.1
				done
				if ! _nc_is_mounted "$NESTCHECK_LXCFS_DIR"; then
					_nc_log "lxcfs did not mount $NESTCHECK_LXCFS_DIR:"
					tail -n 20 "$NESTCHECK_LXD_LOGDIR/nestcheck-lxcfs.log" >&2
					return 1
				fi
				_nc_state_add lxcfs_mount "$NESTCHECK_LXCFS_DIR"
			fi
			# Remember mounts LXD already had, so lxd_down only removes new ones.
			_nc_mounts_under /var/lib/lxd >"$NESTCHECK_LXD_STATE.premounts" || true
			pid=$(_nc_spawn "$NESTCHECK_LXD_LOGDIR/nestcheck-lxd.log" lxd --group root) || {
				_nc_log "cannot start lxd"
				return 1
			}
			_nc_state_add lxd_pid "$pid"
			if ! lxd waitready --timeout 60; then
				_nc_log "lxd not ready after 60s:"
				tail -n 20 "$NESTCHECK_LXD_LOGDIR/nestcheck-lxd.log" >&2
				return 1
			fi
		fi
	fi
	_nc_default_pool lxc lxd init
}

# _nc_default_pool CLI INIT...: a dir pool "default" with the default profile's
# root disk on it (no network: no free subnet here), through CLI; INIT... is the
# daemon's init command, given --preseed.
_nc_default_pool() {
	local cli=$1
	shift
	if ! "$cli" storage show default >/dev/null 2>&1; then
		"$@" --preseed <<'EOF' || return 1
storage_pools:
- name: default
  driver: dir
profiles:
- name: default
  devices:
    root: {path: /, pool: default, type: disk}
EOF
	elif ! "$cli" profile device get default root pool >/dev/null 2>&1; then
		"$cli" profile device add default root disk path=/ pool=default || return 1
	fi
}

# Stop only the daemons lxd_up started (by their recorded pid) and remove the
# lxcfs mount (and any mount LXD left under /var/lib/lxd) it created.
lxd_down() {
	local pid m rc=0
	for pid in $(_nc_state_get lxd_pid); do
		if _nc_pid_is "$pid" lxd; then
			_nc_stop_pid "$pid" lxd 60 || {
				_nc_log "lxd pid $pid would not stop"
				rc=1
				continue
			}
		fi
		_nc_state_del lxd_pid "$pid"
		# LXD may leave its shmounts/devlxd tmpfs mounted; remove those it added.
		for m in $(_nc_mounts_under /var/lib/lxd); do
			if ! grep -qxF "$m" "$NESTCHECK_LXD_STATE.premounts" 2>/dev/null; then
				umount "$m" 2>/dev/null || umount -l "$m" || rc=1
			fi
		done
		rm -f "$NESTCHECK_LXD_STATE.premounts"
	done
	for pid in $(_nc_state_get lxcfs_pid); do
		if _nc_pid_is "$pid" lxcfs; then
			_nc_stop_pid "$pid" lxcfs 10 || {
				_nc_log "lxcfs pid $pid would not stop"
				rc=1
				continue
			}
		fi
		_nc_state_del lxcfs_pid "$pid"
	done
	for m in $(_nc_state_get lxcfs_mount); do
		if _nc_is_mounted "$m"; then
			umount "$m" 2>/dev/null || umount -l "$m" || {
				rc=1
				continue
			}
		fi
		_nc_state_del lxcfs_mount "$m"
	done
	rm -f "$NESTCHECK_LXD_STATE.lxcfs.pid"
	return $rc
}

# ---------------------------------------------------------------- image

# Build an LXD image from this host's own binaries: static busybox (+ applet
# links, busybox init as /sbin/init), the Docker engine, iptables (nft),
# apparmor_parser (where the host has it) and every shared library they need. Imported with alias NAME; skipped if the
# alias already exists (and then not recorded, so lxd_cleanup keeps it).
# With a second argument `python`, the host's python3 and its standard library
# are in the image too (what Ansible's modules need on a managed host).
lxd_image_build() {
	local name=${1:?usage: lxd_image_build NAME [python]} extra=${2:-}
	case $extra in "" | python) ;; *) _nc_log "lxd_image_build: unknown variant $extra"; return 1 ;; esac
	if "$NC_CLI" image info "$name" >/dev/null 2>&1; then
		_nc_log "image $name exists, not rebuilding"
		return 0
	fi
	(
		tmp=$(mktemp -d /tmp/nestcheck-image.XXXXXX) || exit 1
		trap 'rm -rf "$tmp"' EXIT
		_nc_image_rootfs "$tmp/rootfs" "$extra" || exit 1
		cat >"$tmp/metadata.yaml" <<EOF || exit 1
architecture: x86_64
creation_date: $(date +%s)
properties:
  architecture: x86_64
  description: nestcheck busybox + docker engine (built from host binaries)
  os: busybox
  release: "$("$(_nc_find_bin busybox)" 2>/dev/null | sed -n '1s/^BusyBox v\([^ ]*\).*/\1/p')"
  name: $name
EOF
		tar -C "$tmp" --numeric-owner -c metadata.yaml rootfs | gzip -1 >"$tmp/image.tar.gz" || exit 1
		"$NC_CLI" image import "$tmp/image.tar.gz" --alias "$name" || exit 1
	) || {
		_nc_log "image build of $name failed"
		return 1
	}
	_nc_state_add image "$name"
}

# Fill ROOT with the image's root file system (merged /usr like Debian 12).
_nc_image_rootfs() {
	local r=$1 extra=${2:-} b p d f bins=() xt libs py
	mkdir -p "$r"/usr/bin "$r"/usr/sbin "$r"/usr/lib "$r"/usr/lib64 || return 1
	ln -s usr/bin "$r/bin" && ln -s usr/sbin "$r/sbin" &&
		ln -s usr/lib "$r/lib" && ln -s usr/lib64 "$r/lib64" || return 1
	mkdir -p "$r"/etc/init.d "$r"/dev "$r"/proc "$r"/sys "$r"/run "$r"/tmp "$r"/root \
		"$r"/var/lib "$r"/var/log "$r"/var/tmp "$r"/home "$r"/mnt || return 1
	chmod 1777 "$r/tmp" "$r/var/tmp" && chmod 700 "$r/root" || return 1
	ln -s ../run "$r/var/run" || return 1

	# busybox and its applets (as /usr/bin/busybox + absolute symlinks).
	p=$(_nc_find_bin busybox) || { _nc_log "busybox not found (apt-get install busybox-static)"; return 1; }
	ldd "$p" >/dev/null 2>&1 && _nc_log "note: $p is not static; its libraries are copied too"
	cp -L "$p" "$r/usr/bin/busybox" || return 1
	bins+=("$p")
	while read -r f; do
		[ -n "$f" ] || continue
		[ -e "$r/$f" ] || [ -L "$r/$f" ] || ln -s /usr/bin/busybox "$r/$f" || return 1
	done < <("$p" --list-full)
	[ -L "$r/sbin/init" ] || ln -sf /usr/bin/busybox "$r/sbin/init" || return 1

	# Docker engine and friends.
	for b in dockerd containerd containerd-shim-runc-v2 runc docker docker-init docker-proxy; do
		p=$(_nc_find_bin "$b") || { _nc_log "$b not found (apt-get install docker.io)"; return 1; }
		rm -f "$r/usr/bin/$b" && cp -L "$p" "$r/usr/bin/$b" || return 1
		bins+=("$p")
	done
	# iptables (nft backend) under all the names dockerd may call.
	p=$(_nc_find_bin xtables-nft-multi) || { _nc_log "xtables-nft-multi not found (apt-get install iptables)"; return 1; }
	cp -L "$p" "$r/usr/sbin/xtables-nft-multi" || return 1
	bins+=("$p")
	for b in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore \
		iptables-nft iptables-nft-save iptables-nft-restore ip6tables-nft ip6tables-nft-save \
		ip6tables-nft-restore; do
		rm -f "$r/usr/sbin/$b" && ln -s xtables-nft-multi "$r/usr/sbin/$b" || return 1
	done
	# iptables loads its match/target extensions with dlopen (ldd cannot see them).
	for xt in /usr/lib/x86_64-linux-gnu/xtables /usr/lib/xtables; do
		[ -d "$xt" ] || continue
		mkdir -p "$r$xt" && cp -a "$xt/." "$r$xt/" || return 1
		for f in "$xt"/*.so; do bins+=("$f"); done
		break
	done

	# AppArmor's parser and the policy files Docker's profile includes, where this
	# host has them: dockerd loads docker-default with it whenever AppArmor is on.
	if p=$(_nc_find_bin apparmor_parser); then
		cp -L "$p" "$r/usr/sbin/apparmor_parser" || return 1
		bins+=("$p")
		for d in /etc/apparmor.d/abi /etc/apparmor.d/tunables /etc/apparmor.d/abstractions /etc/apparmor /usr/share/apparmor-features; do
			[ -d "$d" ] || continue
			mkdir -p "$r$d" && cp -a "$d/." "$r$d/" || return 1
		done
	fi

	# python3 and its standard library (no test suite, no GUI), extension modules included.
	if [ "$extra" = python ]; then
		p=$(_nc_find_bin python3) || { _nc_log "python3 not found (apt-get install python3)"; return 1; }
		p=$(readlink -f "$p")
		py=/usr/lib/${p##*/}
		[ -d "$py" ] || { _nc_log "$py: no standard library beside $p"; return 1; }
		cp -L "$p" "$r/usr/bin/${p##*/}" && ln -sf "${p##*/}" "$r/usr/bin/python3" || return 1
		bins+=("$p")
		mkdir -p "$r$py" || return 1
		tar -C "$py" --exclude=./test --exclude=./idlelib --exclude=./tkinter --exclude=./turtledemo \
			--exclude=./ensurepip -cf - . | tar -C "$r$py" -xf - || return 1
		for f in "$py"/lib-dynload/*.so; do bins+=("$f"); done
	fi

	# Every shared library ldd lists, and the dynamic loader itself.
	libs=$(for b in "${bins[@]}"; do ldd "$b" 2>/dev/null; done |
		awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)
	for f in $libs; do
		d=$(dirname "$f")
		mkdir -p "$r$d" && cp -L "$f" "$r$f" || return 1
	done
	printf '%s\n' /usr/local/lib /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu >"$r/etc/ld.so.conf"
	ldconfig -r "$r" 2>/dev/null || _nc_log "warning: ldconfig -r failed (loader default paths still apply)"

	# /etc
	cat >"$r/etc/os-release" <<'EOF' || return 1
NAME="nestcheck busybox"
ID=nestcheck-busybox
PRETTY_NAME="nestcheck busybox + docker test rootfs"
VERSION_ID=1
EOF
	printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' \
		'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin' >"$r/etc/passwd"
	printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$r/etc/group"
	printf '%s\n' '127.0.0.1 localhost' '::1 localhost ip6-localhost ip6-loopback' >"$r/etc/hosts"
	: >"$r/etc/resolv.conf"
	printf '%s\n' 'passwd: files' 'group: files' 'shadow: files' 'hosts: files' >"$r/etc/nsswitch.conf"
	for f in /etc/protocols /etc/services /etc/ethertypes; do
		[ -f "$f" ] && cp "$f" "$r$f"
	done
	echo nestcheck >"$r/etc/hostname"
	# busybox init: run rcS once, then idle forever (no getty/respawn entries).
	cat >"$r/etc/inittab" <<'EOF' || return 1
::sysinit:/etc/init.d/rcS
::shutdown:/bin/sync
EOF
	cat >"$r/etc/init.d/rcS" <<'EOF' || return 1
#!/bin/sh
# Deliberately does NOT mount cgroups (that is a test scenario).
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /run 2>/dev/null || true
mkdir -p /run/lock
# lo up, as every distribution's init does (a loopback left down is a scenario of its own).
ip link set lo up 2>/dev/null || true
EOF
	chmod 755 "$r/etc/init.d/rcS"
}

# ---------------------------------------------------------------- instances

# lxd_launch NAME IMAGE [KEY=VALUE...]: create, configure, start, wait for exec.
lxd_launch() {
	local name=${1:?usage: lxd_launch NAME IMAGE [KEY=VALUE...]} image=${2:?usage: lxd_launch NAME IMAGE [KEY=VALUE...]} kv
	shift 2
	if "$NC_CLI" info "$name" >/dev/null 2>&1; then
		_nc_log "instance $name already exists (not created here, left alone)"
		return 1
	fi
	_nc_state_add instance "$name"
	"$NC_CLI" init -q "$image" "$name" </dev/null || return 1
	for kv in "$@"; do
		"$NC_CLI" config set "$name" "${kv%%=*}" "${kv#*=}" </dev/null || return 1
	done
	"$NC_CLI" start -q "$name" </dev/null || {
		"$NC_CLI" info "$name" --show-log 2>/dev/null | tail -n 30 >&2
		return 1
	}
	for _ in $(seq 1 60); do
		"$NC_CLI" exec "$name" -- true </dev/null >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	_nc_log "instance $name: exec not working after 30s"
	return 1
}

# Delete one instance (force) and forget it.
lxd_delete() {
	local name=${1:?usage: lxd_delete NAME}
	if "$NC_CLI" info "$name" >/dev/null 2>&1; then
		"$NC_CLI" delete --force "$name" </dev/null || return 1
	fi
	_nc_state_del instance "$name"
}

# Mount cgroups inside NAME like cgroupfs-mount: tmpfs at /sys/fs/cgroup, one
# mount per v1 hierarchy of /proc/self/cgroup, cgroup2 at /sys/fs/cgroup/unified.
lxd_mount_cgroups() {
	local name=${1:?usage: lxd_mount_cgroups NAME}
	_nc_in "$name" '
set -e
ismnt() { cut -d" " -f5 /proc/self/mountinfo | grep -qxF "$1"; }
mkdir -p /sys/fs/cgroup
ismnt /sys/fs/cgroup || mount -t tmpfs -o mode=755,nosuid,nodev,noexec cgroup /sys/fs/cgroup
while IFS=: read -r id ctrl path; do
	if [ -z "$ctrl" ]; then
		d=/sys/fs/cgroup/unified
		mkdir -p "$d"
		ismnt "$d" || mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$d"
	else
		d=/sys/fs/cgroup/${ctrl#name=}
		mkdir -p "$d"
		ismnt "$d" || mount -t cgroup -o "nosuid,nodev,noexec,$ctrl" cgroup "$d"
	fi
done </proc/self/cgroup
'
}

# Start dockerd inside NAME (own session, log /var/log/dockerd.log inside) and
# wait up to 30 s for /var/run/docker.sock. Extra args: DOCKERD_ARGS.
lxd_docker_start() {
	local name=${1:?usage: lxd_docker_start NAME} st= try
	# A dockerd that died before writing a word (seen right after a container's
	# restart under plain LXC, once in several runs) is started once more.
	for try in 1 2; do
		# shellcheck disable=SC2086
		_nc_in "$name" '
if [ -S /var/run/docker.sock ] && docker version >/dev/null 2>&1; then exit 0; fi
mkdir -p /var/log
setsid dockerd "$@" >/var/log/dockerd.log 2>&1 </dev/null &
' ${DOCKERD_ARGS:-} || return 1
		local silent=0
		for _ in $(seq 1 60); do
			st=$(_nc_in "$name" 'if [ -S /var/run/docker.sock ]; then echo up
				elif pidof dockerd >/dev/null; then echo starting
				elif [ -s /var/log/dockerd.log ]; then echo dead; else echo silent; fi' 2>/dev/null) || st=
			case $st in
			up) return 0 ;;
			dead) break ;;
			silent) silent=$((silent + 1)) && [ "$silent" -ge 3 ] && break ;;
			esac
			sleep 0.5
		done
		[ "$st" = silent ] && [ "$try" = 1 ] && { _nc_log "dockerd in $name died without a word: once more"; continue; }
		break
	done
	_nc_log "dockerd in $name: no /var/run/docker.sock (dockerd ${st:-?}); log tail:"
	"$NC_CLI" exec "$name" -- tail -n 15 /var/log/dockerd.log </dev/null >&2 || true
	return 1
}

# Build two local images inside NAME with its busybox and `docker import`:
#   local/busybox:1  busybox + applet links (sh, true, ...), all files uid 0
#   local/nobody:1   same plus /nobody owned by 65534:65534
# If the instance cannot chown to 65534 (uid not in its idmap), the tar for
# local/nobody:1 is made on the host with GNU tar and pushed in instead.
# Returns 0 if both imported, 1 if local/busybox:1 failed, 2 if only
# local/nobody:1 failed (its error is on stderr).
docker_test_image_in() {
	local name=${1:?usage: docker_test_image_in NAME} out tmp
	_nc_in "$name" '
set -e
d=/tmp/nc-img
rm -rf "$d" /tmp/nc-nobody.tar && mkdir -p "$d/bin"
cp /bin/busybox "$d/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$d/bin/$a"; done
tar -C "$d" -c . | docker import - local/busybox:1 >/dev/null
' || return 1
	out=$(_nc_in "$name" '
d=/tmp/nc-img
touch "$d/nobody" || exit 1
if ! err=$(chown 65534:65534 "$d/nobody" 2>&1); then
	rm -f "$d/nobody"
	echo "CHOWN-REFUSED: $err"
	exit 0
fi
tar -C "$d" -c . >/tmp/nc-nobody.tar || exit 1
rm -f "$d/nobody"
' 2>&1) || {
		printf '%s\n' "$out" >&2
		return 2
	}
	if [ "${out#CHOWN-REFUSED: }" != "$out" ]; then
		_nc_log "$name: ${out#CHOWN-REFUSED: } -> building the local/nobody:1 tar on the host"
		tmp=$(mktemp -d /tmp/nestcheck-nobody.XXXXXX) || return 2
		# (no set -e here: it would be ignored inside an if condition)
		if ! {
			mkdir -p "$tmp/r/bin" &&
				cp -L "$(_nc_find_bin busybox)" "$tmp/r/bin/busybox" &&
				"$tmp/r/bin/busybox" --list | grep -vx busybox |
				while read -r a; do ln -s busybox "$tmp/r/bin/$a" || exit 1; done &&
				touch "$tmp/r/nobody" &&
				chown 65534:65534 "$tmp/r/nobody" &&
				tar -C "$tmp/r" --numeric-owner -cf "$tmp/nobody.tar" . &&
				"$NC_CLI" file push -q "$tmp/nobody.tar" "$name/tmp/nc-nobody.tar" </dev/null
		}; then
			rm -rf "$tmp"
			return 2
		fi
		rm -rf "$tmp"
	fi
	out=$(_nc_in "$name" '
docker import /tmp/nc-nobody.tar local/nobody:1 >/dev/null
rc=$?
rm -rf /tmp/nc-nobody.tar /tmp/nc-img
exit $rc
' 2>&1) || {
		printf '%s\n' "$out" >&2
		return 2
	}
	return 0
}

# ---------------------------------------------------------------- cleanup

# Delete every instance and image this library created (per the state file).
lxd_cleanup() {
	local n rc=0
	if ! _nc_lxd_answering; then
		[ -z "$(_nc_state_get instance)$(_nc_state_get image)" ] ||
			_nc_log "lxd not answering: cannot delete recorded instances/images"
		[ -z "$(_nc_state_get instance)$(_nc_state_get image)" ] || return 1
		return 0
	fi
	for n in $(_nc_state_get instance | tac); do
		lxd_delete "$n" || {
			_nc_log "cannot delete instance $n"
			rc=1
		}
	done
	for n in $(_nc_state_get image | tac); do
		if "$NC_CLI" image info "$n" >/dev/null 2>&1; then
			"$NC_CLI" image delete "$n" </dev/null || {
				_nc_log "cannot delete image $n"
				rc=1
				continue
			}
		fi
		_nc_state_del image "$n"
	done
	return $rc
}

# lxd_session_end: what every script using this library does last, also on
# failure: remove its instances and images, stop the daemons it started, and
# drop its state files. Returns non-zero when any of that failed.
lxd_session_end() {
	local rc=0
	lxd_cleanup || rc=1
	lxd_down || rc=1
	rm -f "$NESTCHECK_LXD_STATE" "$NESTCHECK_LXD_STATE".*
	return $rc
}
