#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2016 # scripts run inside instances are single-quoted on purpose
#
# tests/live/launch_lxd.sh NESTCHECK SOURCE_DIR JSONQ
#
# Live, as root: the engine checks inside LXD instances that run their own
# dockerd (tests/lxd/env.sh), against what that dockerd really does.
#   ok  unprivileged, security.nesting=true, cgroups mounted: launch.container
#       passes, and the uid map the probe saw is the one a busybox container
#       of that engine sees;
#   e   security.idmap.isolated=true, security.idmap.size=1000 (uid_map
#       "0 N 1000"): launch.container fails on the probe image's file owned by
#       65534, with the engine's "lchown ... invalid argument" text and the fix
#       `lxc config set NAME security.idmap.size ...`; that fix is applied and
#       the launch passes after it.
#   lo  nesting on, lo taken down in the instance: launch.network fails with
#       N8 and the fix `ip link set lo up`; Docker agrees (docker run -p
#       127.0.0.1:... fails: "Error starting userland proxy: ... cannot assign
#       requested address"); after the fix both work.
#   xt  nesting on, iptables without its extension libraries: dockerd does not
#       start ("unable to add return rule in DOCKER-ISOLATION-STAGE-1 chain");
#       network.iptables fails naming the RETURN rule (rehearsed in a private
#       network namespace) with the reinstall fix, and runtime.engine reads the
#       reason from dockerd's log; putting the libraries back (what the
#       reinstall does) makes dockerd start and every launch pass.
# In ok, lo and xt the walk-through's workload runs for real beside nestcheck
# (a network, a server with a published port reached from the instance, a
# second container reaching it by name), and launch.network agrees with it.
# All: nothing of nestcheck's is left in the engine afterwards.
# Needs (fresh Debian 12): apt-get install lxd lxc lxcfs docker.io busybox-static.
# Starts lxcfs/LXD only if LXD is not answering; removes what it creates.
set -uo pipefail

NC=$(readlink -f "$1") SRC=$(readlink -f "$2") JSONQ=$(readlink -f "$3")
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for c in lxc lxd lxcfs dockerd busybox ldd; do
	command -v "$c" >/dev/null 2>&1 ||
		{ echo "SKIP: $c missing (apt-get install lxd lxc lxcfs docker.io busybox-static)"; exit 77; }
done

T0=$SECONDS
TMP=$(mktemp -d /tmp/nestcheck-live-launch-lxd.XXXXXX) || exit 2
NESTCHECK_LXD_STATE=$TMP.state
# shellcheck disable=SC2034 # read by env.sh
NESTCHECK_LXD_LOGDIR=$TMP
# shellcheck source=../lxd/env.sh
. "$SRC/tests/lxd/env.sh"
IMAGE=nc-launch-$$

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	lxd_session_end || rc=1
	rm -rf "$TMP"
	echo "live.launch_lxd: $((SECONDS - T0)) s"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail=0
BOARD=()
ok() { echo "ok    [$CFG] $*"; }
bad() { echo "FAIL  [$CFG] $*"; fail=1; }
check() { # check WHAT GOT WANT
	if [ "$2" = "$3" ]; then ok "$1 = $2"; else bad "$1 = '$2', want '$3'"; fi
}
q() { ASAN_OPTIONS=detect_leaks=0 "$JSONQ" "$1" "$2" 2>/dev/null; }
# Remediation text, "\/" undone.
remedies() { q "$1" "checks.$2.remediation" | sed 's#\\/#/#g'; }

# nc_in NAME TAG: the bundled nestcheck --json inside NAME, timed -> $TMP/NAME.TAG.json
nc_in() {
	local name=$1 out=$TMP/$1.$2 t
	t=$(date +%s%N)
	lxc exec "$name" --env ASAN_OPTIONS=exitcode=86 --env UBSAN_OPTIONS=exitcode=87 -- \
		/tmp/nestcheck-bundle/nestcheck-run --json --only runtime.engine,launch,userns.idmap,network \
		</dev/null >"$out.json" 2>"$out.err"
	local rc=$?
	echo "      nestcheck inside $name: exit $rc, $((($(date +%s%N) - t) / 1000000)) ms"
	[ "$(q "$out.json" schema_version)" = 1 ] || { bad "$2: no JSON from nestcheck (exit $rc): $(head -c 400 "$out.err")"; return 1; }
	[ -s "$out.err" ] && bad "$2: nestcheck wrote to stderr: $(head -c 400 "$out.err")"
	return 0
}
leftovers() { # NAME: "CONTAINERS IMAGES" with nestcheck's label in NAME's engine (and NETWORKS when not 0)
	lxc exec "$1" -- sh -c 'n=$(docker network ls -q --filter label=io.nestcheck.probe | wc -l)
		echo "$(docker ps -aq --filter label=io.nestcheck.probe | wc -l) $(docker images -q --filter label=io.nestcheck.probe | wc -l)${n#0}"' </dev/null
}
# workload NAME: the walk-through's workload with the docker CLI inside NAME: a
# network, a busybox httpd publishing a port reached from the instance, a second
# container fetching from it by name. "works", or the first step's error.
workload() {
	lxc exec "$1" -- sh -c '
		d=/tmp/wl; rm -rf $d; mkdir -p $d/bin $d/www; cp /bin/busybox $d/bin/
		for a in sh httpd wget; do ln -s busybox $d/bin/$a; done; echo served >$d/www/index.html
		tar -C $d -c . | docker import - nc/wl:1 >/dev/null || { echo "import failed"; exit 0; }
		r=works
		if ! e=$(docker network create nc-wl 2>&1); then r="network create: $e"
		elif ! e=$(docker run -d --pull=never --name nc-wl-web --network nc-wl -p 8000 nc/wl:1 httpd -f -p 8000 -h /www 2>&1); then r="docker run -p: $e"
		else
			port=$(docker port nc-wl-web 8000/tcp | sed -n "s/^0\.0\.0\.0://p" | head -n 1)
			e=; for i in 1 2 3 4 5 6 7 8 9 10; do e=$(timeout 3 wget -qO- "http://127.0.0.1:$port/" 2>&1) && break; sleep 0.2; done
			case $e in served) ;; *) r="published port $port: ${e:-no answer}" ;; esac
			if [ "$r" = works ] && ! e=$(docker run --rm --pull=never --network nc-wl nc/wl:1 wget -qO- http://nc-wl-web:8000/ 2>&1); then r="by name: $e"; fi
		fi
		if [ "$r" = works ] && ! e=$(docker run -d --pull=never --name nc-wl-lo -p 127.0.0.1:8001:8000 nc/wl:1 httpd -f -p 8000 -h /www 2>&1); then r="docker run -p 127.0.0.1: $e"; fi
		docker rm -f nc-wl-web nc-wl-lo >/dev/null 2>&1; docker network rm nc-wl >/dev/null 2>&1; docker rmi nc/wl:1 >/dev/null 2>&1
		echo "$r"' </dev/null 2>&1 | tail -n 1
}
setup() { # NAME KEY=VALUE...
	local name=$1
	shift
	lxd_launch "$name" "$IMAGE" "$@" || { bad "cannot launch $name"; return 1; }
	lxd_mount_cgroups "$name" || bad "lxd_mount_cgroups $name failed"
	lxd_docker_start "$name" || { bad "dockerd does not start in $name"; return 1; }
	lxc file push -q -r "$TMP/nestcheck-bundle" "$name/tmp/" </dev/null || { bad "cannot push the bundle"; return 1; }
	echo "      uid_map in $name: $(lxc exec "$name" -- cat /proc/self/uid_map </dev/null | awk '{$1=$1; print}')"
}
summary() { # FILE
	for id in network.iptables runtime.engine launch.container launch.nested launch.network; do
		echo "      $id: $(q "$1" "checks.$id.status"): $(q "$1" "checks.$id.summary")"
	done
}

CFG=setup
lxd_up || { bad "lxd_up failed"; exit 1; }
lxd_image_build "$IMAGE" || { bad "image build failed"; exit 1; }
sh "$SRC/scripts/bundle.sh" "$TMP/nestcheck-bundle" "$NC" >/dev/null || { bad "bundle.sh failed"; exit 1; }
echo "      LXD up, image and bundle ready after $((SECONDS - T0)) s"

# --- a container that runs Docker --------------------------------------------------
CFG=ok
name=nc-launch-ok-$$
if setup "$name" security.nesting=true && nc_in "$name" first; then
	f=$TMP/$name.first.json
	summary "$f"
	check "runtime.engine" "$(q "$f" checks.runtime.engine.status)" pass
	check "launch.container" "$(q "$f" checks.launch.container.status)" pass
	# The truth: a busybox container of the same engine.
	truth=$(lxc exec "$name" -- sh -c '
		d=/tmp/bb; rm -rf $d; mkdir -p $d/bin; cp /bin/busybox $d/bin/
		tar -C $d -c . | docker import - nc/bb:1 >/dev/null &&
		docker run --rm --network none nc/bb:1 /bin/busybox cat /proc/self/uid_map; docker rmi nc/bb:1 >/dev/null' </dev/null |
		awk '{printf "%s%s %s %s", (NR>1?", ":""), $1, $2, $3}')
	check "probe uid map = a container's" "$(q "$f" checks.launch.container.evidence.probe_uid_map)" "$truth"
	echo "      launch.container phases (ms): $(for p in import create start wait remove remove_image; do printf '%s=%s ' $p "$(q "$f" checks.launch.container.evidence.ms_$p)"; done)"
	check "launch.network" "$(q "$f" checks.launch.network.status)" pass
	check "network.iptables (rehearsed)" "$(q "$f" checks.network.iptables.evidence.rehearsal | cut -d' ' -f1)" ok
	check "left in the engine" "$(leftovers "$name")" "0 0"
	check "the workload by hand" "$(workload "$name")" works
	BOARD+=("| ok | nesting on, lo up | workload works | launch.network $(q "$f" checks.launch.network.status) | - |")
fi
lxd_delete "$name" || bad "cannot delete $name"

# --- lo down in the instance ------------------------------------------------------------
CFG=lo
name=nc-launch-lo-$$
if setup "$name" security.nesting=true && lxc exec "$name" -- ip link set lo down </dev/null && nc_in "$name" first; then
	f=$TMP/$name.first.json
	summary "$f"
	check "launch.container (lo plays no part)" "$(q "$f" checks.launch.container.status)" pass
	check "launch.network" "$(q "$f" checks.launch.network.status)" fail
	check "known failure" "$(q "$f" checks.launch.network.evidence.known_failure)" "loopback-down (N8)"
	check "network.loopback" "$(q "$f" checks.network.loopback.status)" warn
	gt=$(workload "$name")
	echo "      the workload by hand: $gt"
	case $gt in works) bad "the workload works with lo down: nestcheck says it fails" ;; *) ok "the workload fails too: $gt" ;; esac
	check "left in the engine" "$(leftovers "$name")" "0 0"
	cmd=$(remedies "$f" launch.network | grep -o 'ip link set lo up' | head -n 1)
	if [ -n "$cmd" ] && lxc exec "$name" -- sh -c "$cmd" </dev/null && nc_in "$name" fixed; then
		v=$TMP/$name.fixed.json
		echo "      applied in $name: $cmd"
		check "after the fix: launch.network" "$(q "$v" checks.launch.network.status)" pass
		gt2=$(workload "$name")
		check "after the fix: the workload by hand" "$gt2" works
		BOARD+=("| lo | nesting on, lo down | workload: $gt | launch.network $(q "$f" checks.launch.network.status) (N8) | \`$cmd\` in the instance -> launch.network $(q "$v" checks.launch.network.status), workload $gt2 |")
	else
		bad "no 'ip link set lo up' fix, or it could not be applied: $(remedies "$f" launch.network)"
	fi
fi
lxd_delete "$name" || bad "cannot delete $name"

# --- iptables without its extension libraries ----------------------------------------------
CFG=xt
name=nc-launch-xt-$$
xt=/usr/lib/x86_64-linux-gnu/xtables
[ -d "$xt" ] || xt=/usr/lib/xtables
if lxd_launch "$name" "$IMAGE" security.nesting=true && lxd_mount_cgroups "$name" &&
	lxc exec "$name" -- sh -c "mv $xt $xt.absent" </dev/null &&
	lxc file push -q -r "$TMP/nestcheck-bundle" "$name/tmp/" </dev/null; then
	# dockerd makes its socket before it sets up networking: whether it answers is the truth.
	lxd_docker_start "$name" 2>"$TMP/xt-start.err"
	up=no
	for _ in $(seq 20); do
		lxc exec "$name" -- docker version </dev/null >/dev/null 2>&1 && { up=yes; break; }
		lxc exec "$name" -- pidof dockerd </dev/null >/dev/null 2>&1 || break
		sleep 0.5
	done
	if [ "$up" = yes ]; then
		bad "dockerd answers without iptables' extensions"
		gt="dockerd starts"
	else
		gt="dockerd does not start: $(lxc exec "$name" -- sh -c 'grep -o "unable to add return rule[^(]*" /var/log/dockerd.log | head -n 1' </dev/null)"
		ok "ground truth: $gt"
	fi
	if nc_in "$name" first; then
		f=$TMP/$name.first.json
		summary "$f"
		check "network.iptables" "$(q "$f" checks.network.iptables.status)" fail
		r=$(q "$f" checks.network.iptables.evidence.rehearsal_failed_rule)
		case $r in *"-j RETURN"*) ok "the failing rule is named: $r" ;; *) bad "rehearsal_failed_rule: '$r'" ;; esac
		check "runtime.engine" "$(q "$f" checks.runtime.engine.status)" fail
		check "runtime.engine: known failure from dockerd's log" "$(q "$f" checks.runtime.engine.evidence.known_failure)" \
			"iptables-extensions-missing (N9)"
		if remedies "$f" network.iptables | grep -q 'apt-get install -y --reinstall iptables'; then
			ok "network.iptables prints the reinstall"
		else
			bad "no reinstall step: $(remedies "$f" network.iptables)"
		fi
		# The reinstall puts the libraries back: the same here, without a package manager in the instance.
		lxc exec "$name" -- sh -c "mv $xt.absent $xt; rm -f /var/run/docker.sock" </dev/null
		if lxd_docker_start "$name" && nc_in "$name" fixed; then
			v=$TMP/$name.fixed.json
			summary "$v"
			check "after the fix: network.iptables" "$(q "$v" checks.network.iptables.status)" pass
			check "after the fix: launch.container" "$(q "$v" checks.launch.container.status)" pass
			check "after the fix: launch.network" "$(q "$v" checks.launch.network.status)" pass
			gt2=$(workload "$name")
			check "after the fix: the workload by hand" "$gt2" works
			check "left in the engine" "$(leftovers "$name")" "0 0"
			BOARD+=("| xt | nesting on, iptables without extensions | $gt | network.iptables $(q "$f" checks.network.iptables.status), runtime.engine $(q "$f" checks.runtime.engine.status) (N9) | libraries put back (the reinstall) -> dockerd starts, launch.network $(q "$v" checks.launch.network.status), workload $gt2 |")
		else
			bad "dockerd does not start after the libraries are back"
		fi
	fi
else
	bad "cannot set up $name"
fi
lxd_delete "$name" || bad "cannot delete $name"


# --- an id map too small for the probe image ---------------------------------------
CFG=e
name=nc-launch-e-$$
if setup "$name" security.idmap.isolated=true security.idmap.size=1000 && nc_in "$name" first; then
	f=$TMP/$name.first.json
	summary "$f"
	check "launch.container" "$(q "$f" checks.launch.container.status)" fail
	check "failed phase" "$(q "$f" checks.launch.container.evidence.failed_phase)" import
	check "known failure" "$(q "$f" checks.launch.container.evidence.known_failure)" "uidmap-too-small (U1)"
	if q "$f" checks.launch.container.evidence.engine_error | grep -q 'lchown .*invalid argument'; then
		ok "the engine's own text: $(q "$f" checks.launch.container.evidence.engine_error)"
	else
		bad "engine_error lacks lchown: $(q "$f" checks.launch.container.evidence.engine_error)"
	fi
	cmd=$(remedies "$f" launch.container | grep -o "lxc config set $name security.idmap.size [0-9]*" | head -n 1)
	if [ -n "$cmd" ]; then ok "the fix names the instance: $cmd"; else bad "no 'lxc config set $name security.idmap.size' step: $(remedies "$f" launch.container)"; fi
	check "launch.nested" "$(q "$f" checks.launch.nested.status)" skip
	check "left in the engine" "$(leftovers "$name")" "0 0"
	# Apply the fix as printed, restart, and launch again.
	if [ -n "$cmd" ] && timeout 120 $cmd </dev/null && lxc restart "$name" </dev/null; then
		echo "      applied: $cmd; lxc restart $name"
		lxd_mount_cgroups "$name" || bad "lxd_mount_cgroups after restart failed"
		lxd_docker_start "$name" || bad "dockerd does not start after the fix"
		echo "      uid_map after: $(lxc exec "$name" -- cat /proc/self/uid_map </dev/null | awk '{$1=$1; print}')"
		if nc_in "$name" fixed; then
			v=$TMP/$name.fixed.json
			summary "$v"
			check "after the fix: launch.container" "$(q "$v" checks.launch.container.status)" pass
			check "after the fix: left in the engine" "$(leftovers "$name")" "0 0"
		fi
	else
		bad "could not apply the fix"
	fi
fi
lxd_delete "$name" || bad "cannot delete $name"
echo
echo "| scenario | LXD instance | Docker ground truth | nestcheck | fix applied -> result |"
echo "|---|---|---|---|---|"
printf '%s\n' "${BOARD[@]}"
exit $fail
