#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2016 # scripts run inside instances are single-quoted on purpose
#
# tests/e2e/lxd.sh NESTCHECK SOURCE_DIR JSONQ
#
# Live, as root: nestcheck inside LXD instances against what Docker really does
# in them. For each configuration of the ground-truth table in environment.md
#   a  unprivileged, security.nesting=true, cgroups NOT mounted
#   b  unprivileged, security.nesting=true, cgroups mounted
#   c  unprivileged, no security.nesting, cgroups mounted
#   d  security.privileged=true, cgroups mounted
#   e  security.idmap.isolated=true + security.idmap.size=1000, cgroups mounted
# it launches an instance of a busybox + Docker engine image built from this
# host's binaries, runs the bundled nestcheck (scripts/bundle.sh) inside with
# --json, then the ground truth: dockerd inside, `docker run --rm --network none`
# of local/busybox:1 (files all uid 0) and local/nobody:1 (a file owned by 65534).
#
# Asserted per configuration: the verdict agrees with Docker (ready/degraded
# <=> both images run), the exit status agrees with the verdict, the statuses
# the table implies, the instance name in container.detect and in every
# host-side `lxc` command, a remediation on every warn/fail, no sanitizer
# output, and that a capture (scripts/capture-sysroot.sh inside) replays to the
# same statuses. For a and e it then APPLIES the printed fix (a: the
# cgroup.layout commands inside the instance; e: the `lxc config set ...
# security.idmap.size` step and restart on the host) and checks nestcheck and
# Docker again. A scoreboard is printed at the end.
#
# Needs (fresh Debian 12, root): apt-get install lxd lxc lxcfs docker.io busybox-static.
# Starts lxcfs/LXD only if LXD is not answering, and stops only what it started.
# Everything it creates (instances, image, temp dir) is removed on exit. In every scenario a
# capture and a bundle (nestcheck collect) taken inside replay to the live statuses.
# Env: LXD_LIVE_ONLY="a e" runs only these configurations (a-e: environment.md's table;
# f: only cgroup2 mounted; g: the data root on overlay; h: no Docker engine installed until
# the install step).
set -uo pipefail

if [ $# -lt 3 ]; then
	echo "usage: bash ${0##*/} NESTCHECK SOURCE_DIR JSONQ" >&2
	exit 2
fi
NC=$(readlink -f "$1") SRC=$(readlink -f "$2") JSONQ=$(readlink -f "$3")
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for c in lxc lxd lxcfs dockerd busybox ldd; do
	command -v "$c" >/dev/null 2>&1 ||
		{ echo "SKIP: $c missing (apt-get install lxd lxc lxcfs docker.io busybox-static)"; exit 77; }
done
for f in "$NC" "$JSONQ"; do [ -x "$f" ] || { echo "not executable: $f" >&2; exit 2; }; done

T0=$SECONDS
# Own state file: lxd_cleanup/lxd_down then touch only what this run created.
TMP=$(mktemp -d /tmp/nestcheck-live-lxd.XXXXXX) || exit 2
NESTCHECK_LXD_STATE=$TMP.state
# shellcheck disable=SC2034 # read by env.sh: lxd/lxcfs logs, if this run starts them
NESTCHECK_LXD_LOGDIR=$TMP
# shellcheck source=../lxd/env.sh
. "$SRC/tests/lxd/env.sh"
IMAGE=nc-live-$$
ONLY=${LXD_LIVE_ONLY:-a b c d e f g h}
RUN=(docker run --rm --network none --pull=never)
# Sanitizer reports get exit codes of their own (a failing check exits 1).
NC_ENV=(--env ASAN_OPTIONS=exitcode=86 --env UBSAN_OPTIONS=exitcode=87:print_stacktrace=1 --env NO_COLOR=1)

VOLUMES=() # storage volumes a printed fix created: removed after their instances
drop_volumes() {
	local v
	for v in "${VOLUMES[@]}"; do
		lxc storage volume show default "$v" >/dev/null 2>&1 </dev/null || continue
		lxc storage volume delete default "$v" </dev/null || return 1
	done
	VOLUMES=()
}
cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	lxd_cleanup || rc=1
	drop_volumes || rc=1
	lxd_session_end || rc=1
	rm -rf "$TMP"
	echo "e2e.lxd: $((SECONDS - T0)) s"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck source=../lxd/report.sh
. "$SRC/tests/lxd/report.sh"

# nc_live NAME TAG: run the bundled nestcheck --json in NAME -> $TMP/NAME.TAG.json;
# asserts valid JSON, exit status matching the verdict and empty stderr.
nc_live() {
	local name=$1 tag=$2 out=$TMP/$1.$2 rc verdict want
	lxd_exec_out "$name" "$out.json" "$out.err" "${NC_ENV[@]}" -- /tmp/nestcheck-bundle/nestcheck-run --json
	rc=$?
	if [ "$(q "$out.json" schema_version)" != 1 ]; then
		not_ok "$tag: nestcheck --json inside $name printed no valid JSON (exit $rc): $(head -c 600 "$out.err")"
		return 1
	fi
	verdict=$(q "$out.json" verdict)
	case $verdict in not_ready) want=1 ;; *) want=0 ;; esac
	expect "$tag: exit status for verdict $verdict" "$rc" "$want"
	if [ -s "$out.err" ]; then
		not_ok "$tag: nestcheck wrote to stderr: $(head -c 600 "$out.err")"
	fi
	return 0
}

# docker_truth NAME: dockerd inside, both test images, one `docker run` each.
# Sets GT_BB and GT_NB (works|FAILS) and GT_ERR (first error).
docker_truth() {
	local name=$1 out rc=0
	GT_BB=FAILS GT_NB=FAILS GT_ERR=
	if ! out=$(lxd_docker_start "$name" 2>&1); then
		GT_ERR="dockerd: $(printf '%s\n' "$out" | grep -v '^\[lxd-env\]' | head -n 1)"
		return 0
	fi
	out=$(docker_test_image_in "$name" 2>&1) || rc=$?
	if [ "$rc" = 1 ]; then
		GT_ERR="import local/busybox:1: $(printf '%s\n' "$out" | grep -v '^\[lxd-env\]' | head -n 1)"
		return 0
	fi
	[ "$rc" = 0 ] || GT_ERR="import local/nobody:1: $(printf '%s\n' "$out" | grep -v '^\[lxd-env\]' | head -n 1)"
	if out=$(lxc exec "$name" -- timeout 60 "${RUN[@]}" local/busybox:1 true </dev/null 2>&1); then
		GT_BB=works
	else
		GT_ERR=${GT_ERR:-run local/busybox:1: $(printf '%s\n' "$out" | head -n 1)}
	fi
	if [ "$rc" = 0 ]; then
		if out=$(lxc exec "$name" -- timeout 60 "${RUN[@]}" local/nobody:1 true </dev/null 2>&1); then
			GT_NB=works
		else
			GT_ERR=${GT_ERR:-run local/nobody:1: $(printf '%s\n' "$out" | head -n 1)}
		fi
	fi
	return 0
}

# verdict_agrees TAG FILE: ready|degraded <=> both images ran.
verdict_agrees() {
	local verdict predicted truth
	verdict=$(q "$2" verdict)
	case $verdict in ready | degraded) predicted=works ;; *) predicted=fails ;; esac
	if [ "$GT_BB" = works ] && [ "$GT_NB" = works ]; then truth=works; else truth=fails; fi
	expect "$1: verdict $verdict predicts docker run $predicted; docker says" "$truth" "$predicted"
}

# common_asserts NAME TAG FILE: what holds in every configuration.
common_asserts() {
	local name=$1 tag=$2 f=$3 bad other cmd
	expect "$tag: container.detect evidence.runtime" "$(q "$f" checks.container.detect.evidence.runtime)" lxc
	expect "$tag: container.detect evidence.name" "$(q "$f" checks.container.detect.evidence.name)" "$name"
	expect "$tag: checks that broke (summary.error)" "$(q "$f" summary.error)" 0
	# Every warn and fail carries at least one remediation step (contract).
	remediation_complete "$tag" "$f"
	expect "$tag: container.detect evidence.platform" "$(q "$f" checks.container.detect.evidence.platform)" lxd
	# Host-side lxc commands name this instance; no command is another platform's.
	bad= other=
	while IFS= read -r cmd; do
		case $cmd in incus\ * | pct\ * | lxc-* | *" /var/lib/lxc/"* | *" /etc/pve/"*) other="$other [$cmd]" ;; esac
		case $cmd in lxc\ *) ;; *) continue ;; esac
		# The instance, or a volume named after it ("NAME-docker").
		case " $cmd " in *" $name "* | *" $name-"*) ;; *) bad="$bad [$cmd]" ;; esac
	done < <(json_flat <"$f" | awk -F'\t' '$1 ~ /\.remediation\.[0-9]+\.commands\.[0-9]+$/ { print $2 }')
	if [ -n "$bad" ]; then not_ok "$tag: host lxc commands without the instance name $name:$bad"; else ok "$tag: lxc commands name $name"; fi
	if [ -n "$other" ]; then not_ok "$tag: other platforms' commands in an LXD instance:$other"; else ok "$tag: no incus, pct or plain-LXC command"; fi
}

# capture_replay NAME TAG LIVEJSON: capture-sysroot.sh inside, pull, replay on
# the host; the replayed statuses must equal the live ones.
capture_replay() {
	local name=$1 tag=$2 live=$3 dir=$TMP/cap-$1-$2 d
	mkdir -p "$dir"
	if ! lxc exec "$name" "${NC_ENV[@]}" -- sh -c 'rm -rf /tmp/nc-cap && sh /tmp/capture-sysroot.sh /tmp/nc-cap/root "/tmp/nestcheck-bundle/nestcheck-run"' \
		</dev/null >"$dir/capture.log" 2>&1; then
		not_ok "$tag: capture-sysroot.sh inside $name failed: $(head -c 400 "$dir/capture.log")"
		return 1
	fi
	lxc file pull -q -r "$name/tmp/nc-cap/root" "$dir/" </dev/null || { not_ok "$tag: lxc file pull of the capture failed"; return 1; }
	lxc exec "$name" -- rm -rf /tmp/nc-cap </dev/null
	"$NC" --root "$dir/root" --json >"$dir/replay.json" 2>"$dir/replay.err"
	if [ -s "$dir/replay.err" ]; then not_ok "$tag: replay wrote to stderr: $(head -c 400 "$dir/replay.err")"; fi
	if d=$(diff <(statuses "$live") <(statuses "$dir/replay.json")); then
		ok "$tag: replay of the capture gives the live statuses"
	else
		not_ok "$tag: replay of the capture differs from live (< live, > replay): $(printf '%s' "$d" | grep '^[<>]' | tr '\n' ' ')"
	fi
	# A triage bundle collected inside (nestcheck collect) replays to the same statuses too.
	if lxc exec "$name" "${NC_ENV[@]}" -- /tmp/nestcheck-bundle/nestcheck-run collect -o /tmp/nc-bundle.tar.gz \
		</dev/null >"$dir/collect.log" 2>&1 &&
		lxc file pull -q "$name/tmp/nc-bundle.tar.gz" "$dir/bundle.tar.gz" </dev/null; then
		"$NC" --root "$dir/bundle.tar.gz" --json >"$dir/bundle.json" 2>"$dir/bundle.err"
		if [ -s "$dir/bundle.err" ]; then not_ok "$tag: bundle replay wrote to stderr: $(head -c 400 "$dir/bundle.err")"; fi
		if d=$(diff <(statuses "$live") <(statuses "$dir/bundle.json")); then
			ok "$tag: replay of a bundle collected inside gives the live statuses"
		else
			not_ok "$tag: bundle replay differs from live (< live, > replay): $(printf '%s' "$d" | grep '^[<>]' | tr '\n' ' ')"
		fi
	else
		not_ok "$tag: nestcheck collect inside $name failed: $(head -c 400 "$dir/collect.log")"
	fi
	lxc exec "$name" -- rm -f /tmp/nc-bundle.tar.gz </dev/null
}

# push NAME: the bundle and the capture script into /tmp of NAME.
push() {
	lxc exec "$1" -- rm -rf /tmp/nestcheck-bundle </dev/null &&
		lxc file push -q -r "$TMP/nestcheck-bundle" "$1/tmp/" </dev/null &&
		lxc file push -q "$SRC/scripts/capture-sysroot.sh" "$1/tmp/capture-sysroot.sh" </dev/null
}

# probes_agree NAME JSON: the live probes against what dockerd in NAME really does.
probes_agree() {
	local name=$1 f=$2 drv
	drv=$(lxc exec "$name" -- docker info --format '{{.Driver}}' </dev/null 2>/dev/null)
	if [ "$drv" = overlay2 ]; then
		expect "overlay.mount agrees with dockerd's storage driver ($drv)" "$(q "$f" checks.overlay.mount.status)" pass
	elif [ -n "$drv" ]; then
		expect "overlay.mount agrees with dockerd's storage driver ($drv)" "$(q "$f" checks.overlay.mount.status)" fail
	fi
	# runc mounts proc and sysfs in every container it starts: where a run worked, so did they.
	if [ "$GT_BB" = works ]; then
		expect "namespace.proc_mount: docker run mounted proc" "$(q "$f" checks.namespace.proc_mount.status)" pass warn
		expect "namespace.sysfs_mount: docker run mounted sysfs" "$(q "$f" checks.namespace.sysfs_mount.status)" pass warn
		expect "namespace.unshare: docker run made its namespaces" "$(q "$f" checks.namespace.unshare.status)" pass warn
		expect "kernel.keyring: docker run joined a session keyring" "$(q "$f" checks.kernel.keyring.status)" pass warn
	fi
}


BOARD=()
# board CONFIG INSTANCE GROUND_TRUTH VERDICT NOT_PASS FIX
board() { BOARD+=("$(printf '| %s | %s | %s | %s | %s | %s | %s |' "$1" "$2" "$3" "$4" "${5:--}" "${6:--}" "$([ "$CFG_FAILS" = 0 ] && echo ok || echo "$CFG_FAILS FAILED")")"); }

# run_config ID CGROUPS(yes|no) DESCRIPTION [KEY=VALUE...]
run_config() {
	local id=$1 cg=$2 desc=$3 t=$SECONDS
	shift 3
	local name=nc-live-$id-$$ f gt fix=- cmds cmd applied ok_fix v out
	CFG=$id CFG_FAILS=0
	say "$desc; cgroups mounted: $cg; instance $name"
	if ! lxd_launch "$name" "$IMAGE" "$@"; then
		not_ok "cannot launch $name"
		board "$id" "$desc" "?" "?" "" "launch failed"
		return
	fi
	if [ "$cg" = yes ] && ! lxd_mount_cgroups "$name"; then not_ok "lxd_mount_cgroups $name failed"; fi
	# Only the unified hierarchy, as on a cgroup-v2-only host.
	if [ "$cg" = v2 ] && ! lxc exec "$name" -- mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 /sys/fs/cgroup </dev/null; then
		not_ok "mounting cgroup2 in $name failed"
	fi
	# Docker's data root on overlay (a filesystem overlay2 cannot use as its upper layer), with
	# the driver pinned as production configs do, so dockerd refuses rather than falls back to vfs.
	if [ "$id" = g ] && ! lxc exec "$name" -- sh -c 'mkdir -p /tmp/ov/l /tmp/ov/u /tmp/ov/w /var/lib/docker /etc/docker &&
		mount -t overlay overlay -o lowerdir=/tmp/ov/l,upperdir=/tmp/ov/u,workdir=/tmp/ov/w /var/lib/docker &&
		echo "{\"storage-driver\": \"overlay2\"}" >/etc/docker/daemon.json' </dev/null; then
		not_ok "putting the data root on overlay in $name failed"
	fi
	# No Docker engine installed: its binaries are set aside until the "install" step below.
	if [ "$id" = h ] && ! lxc exec "$name" -- sh -c 'for b in dockerd docker containerd runc; do p=$(command -v $b) && mv "$p" "$p.absent"; done' </dev/null; then
		not_ok "hiding the engine in $name failed"
	fi
	push "$name" || not_ok "cannot push the bundle into $name"
	f=$TMP/$name.first.json
	if nc_live "$name" first; then
		# Before dockerd starts inside, as the live run was: the engine's checks see the same.
		capture_replay "$name" first "$f"
		if [ "$id" = h ]; then
			expect "runtime.docker (no engine installed)" "$(q "$f" checks.runtime.docker.status)" skip
			expect "runtime.engine (no engine installed)" "$(q "$f" checks.runtime.engine.status)" skip
			if remedy_cmds "$f" runtime.docker container | grep -q 'apt-get install -y docker.io'; then
				ok "runtime.docker says how to install Docker"
			else
				not_ok "runtime.docker has no install step: [$(remedy_cmds "$f" runtime.docker container)]"
			fi
			# The install step, here: the binaries come back; the verdict is then tested against Docker.
			lxc exec "$name" -- sh -c 'for p in /usr/bin/*.absent /usr/sbin/*.absent /bin/*.absent /sbin/*.absent; do [ -e "$p" ] && mv "$p" "${p%.absent}"; done; true' </dev/null
		fi
		docker_truth "$name"
		gt="busybox $GT_BB, nobody $GT_NB${GT_ERR:+ (\`$GT_ERR\`)}"
		say "ground truth: $gt"
		say "nestcheck: $(q "$f" verdict); not pass: $(not_pass "$f")"
		verdict_agrees first "$f"
		common_asserts "$name" first "$f"
		probes_agree "$name" "$f"
		case $id in
		a)
			expect "cgroup.layout" "$(q "$f" checks.cgroup.layout.status)" fail
			expect "container.nesting" "$(q "$f" checks.container.nesting.status)" pass
			expect "verdict" "$(q "$f" verdict)" not_ready
			cmds=$(remedy_cmds "$f" cgroup.layout container)
			if printf '%s\n' "$cmds" | grep -q 'mount -t cgroup'; then
				ok "cgroup.layout remediation (where=container) mounts cgroups"
			else
				not_ok "cgroup.layout has no where=container remediation that mounts cgroups: [$cmds]"
			fi
			# Apply the printed fix inside the instance, as printed.
			applied=0 ok_fix=yes
			while IFS= read -r cmd; do
				[ -n "$cmd" ] || continue
				applied=$((applied + 1))
				echo "      apply in $name: $cmd"
				if ! out=$(lxc exec "$name" -- sh -c "$cmd" </dev/null 2>&1); then
					not_ok "remediation command failed: $cmd: $out"
					ok_fix=no
				fi
			done <<<"$cmds"
			[ "$applied" -gt 0 ] || ok_fix=no
			if nc_live "$name" fixed; then
				v=$TMP/$name.fixed.json
				expect "after fix: cgroup.layout" "$(q "$v" checks.cgroup.layout.status)" pass || ok_fix=no
				docker_truth "$name"
				say "after fix: ground truth busybox $GT_BB, nobody $GT_NB${GT_ERR:+ ($GT_ERR)}; nestcheck $(q "$v" verdict)"
				expect "after fix: docker run local/busybox:1" "$GT_BB" works || ok_fix=no
				expect "after fix: docker run local/nobody:1" "$GT_NB" works || ok_fix=no
				verdict_agrees fixed "$v"
				common_asserts "$name" fixed "$v"
				gt="$gt; after fix: busybox $GT_BB, nobody $GT_NB"
			else
				ok_fix=no
			fi
			fix="$applied cgroup.layout commands in the instance -> $([ "$ok_fix" = yes ] && echo worked || echo FAILED); verdict then $(q "$TMP/$name.fixed.json" verdict)"
			;;
		g)
			expect "storage.backing_fs" "$(q "$f" checks.storage.backing_fs.status)" fail
			expect "storage.backing_fs evidence.fstype" "$(q "$f" checks.storage.backing_fs.evidence.fstype)" overlay
			expect "verdict" "$(q "$f" verdict)" not_ready
			cmds=$(remedy_cmds "$f" storage.backing_fs host "storage volume")
			VOLUMES+=("$name-docker")
			lxc exec "$name" -- sh -c 'kill $(cat /var/run/docker.pid 2>/dev/null) 2>/dev/null; true' </dev/null
			apply_host_cmds "$cmds" "^lxc (storage volume create default $name-docker|config device add $name docker disk pool=default source=$name-docker path=/var/lib/docker|restart $name)\$"
			[ "$applied" -ge 3 ] || ok_fix=no
			if [ "$ok_fix" = yes ]; then
				lxd_mount_cgroups "$name" || not_ok "lxd_mount_cgroups after restart failed"
				if nc_live "$name" fixed; then
					v=$TMP/$name.fixed.json
					expect "after fix: storage.backing_fs" "$(q "$v" checks.storage.backing_fs.status)" pass || ok_fix=no
					docker_truth "$name"
					say "after fix: ground truth busybox $GT_BB, nobody $GT_NB${GT_ERR:+ ($GT_ERR)}; nestcheck $(q "$v" verdict)"
					expect "after fix: docker run local/busybox:1" "$GT_BB" works || ok_fix=no
					verdict_agrees fixed "$v"
					gt="$gt; after fix: busybox $GT_BB, nobody $GT_NB"
				else
					ok_fix=no
				fi
			fi
			fix="$applied storage.backing_fs host commands (an LXD volume at /var/lib/docker) -> $([ "$ok_fix" = yes ] && echo worked || echo FAILED)"
			[ -f "$TMP/$name.fixed.json" ] && fix="$fix; verdict then $(q "$TMP/$name.fixed.json" verdict)"
			;;
		f)
			expect "cgroup.layout (cgroup2 only)" "$(q "$f" checks.cgroup.layout.evidence.layout)" v2
			expect "cgroup.layout" "$(q "$f" checks.cgroup.layout.status)" pass warn
			expect "verdict" "$(q "$f" verdict)" ready degraded
			;;
		h)
			expect "verdict (Docker not installed yet)" "$(q "$f" verdict)" ready degraded
			fix="install the engine (its binaries put back) -> docker run $GT_BB"
			;;
		b)
			expect "verdict" "$(q "$f" verdict)" ready degraded
			expect "cgroup.layout" "$(q "$f" checks.cgroup.layout.status)" pass
			expect "container.nesting" "$(q "$f" checks.container.nesting.status)" pass
			;;
		c)
			expect "container.nesting (no AppArmor here: warn, not fail)" "$(q "$f" checks.container.nesting.status)" warn
			expect "verdict" "$(q "$f" verdict)" degraded
			;;
		d)
			expect "userns.idmap" "$(q "$f" checks.userns.idmap.status)" warn
			expect "verdict" "$(q "$f" verdict)" degraded
			;;
		e)
			expect "userns.idmap" "$(q "$f" checks.userns.idmap.status)" fail
			expect "verdict" "$(q "$f" verdict)" not_ready
			cmds=$(remedy_cmds "$f" userns.idmap host "security.idmap.size")
			if printf '%s\n' "$cmds" | grep -qF "lxc config set $name security.idmap.size"; then
				ok "userns.idmap remediation: lxc config set $name security.idmap.size ..."
			else
				not_ok "userns.idmap has no host step 'lxc config set $name security.idmap.size': [$cmds]"
			fi
			# Apply the printed host step (only `lxc config set|restart NAME ...` is run).
			apply_host_cmds "$cmds" '^lxc (config set|restart) [A-Za-z0-9-]+( [A-Za-z0-9._=-]+)*$'
			[ "$applied" -gt 0 ] || ok_fix=no
			if [ "$ok_fix" = yes ]; then
				say "uid_map after restart: $(lxc exec "$name" -- cat /proc/self/uid_map </dev/null | awk '{ $1 = $1; print }')"
				lxd_mount_cgroups "$name" || not_ok "lxd_mount_cgroups after restart failed"
				if nc_live "$name" fixed; then
					v=$TMP/$name.fixed.json
					expect "after fix: userns.idmap" "$(q "$v" checks.userns.idmap.status)" pass || ok_fix=no
					docker_truth "$name"
					say "after fix: ground truth busybox $GT_BB, nobody $GT_NB${GT_ERR:+ ($GT_ERR)}; nestcheck $(q "$v" verdict)"
					expect "after fix: local/nobody:1 imports and runs" "$GT_NB" works || ok_fix=no
					verdict_agrees fixed "$v"
					common_asserts "$name" fixed "$v"
					gt="$gt; after fix: busybox $GT_BB, nobody $GT_NB"
				else
					ok_fix=no
				fi
			fi
			fix="$applied userns.idmap host commands -> $([ "$ok_fix" = yes ] && echo worked || echo FAILED)"
			[ -f "$TMP/$name.fixed.json" ] && fix="$fix; verdict then $(q "$TMP/$name.fixed.json" verdict)"
			;;
		esac
		board "$id" "$desc, cgroups mounted: $cg" "$gt" "$(q "$f" verdict)" "$(not_pass "$f")" "$fix"
	else
		board "$id" "$desc, cgroups mounted: $cg" "?" "no report" "" "-"
	fi
	lxd_delete "$name" || not_ok "cannot delete $name"
	drop_volumes || not_ok "cannot delete the storage volumes of $name"
	say "done in $((SECONDS - t)) s"
}

CFG=setup CFG_FAILS=0
lxd_up || { not_ok "lxd_up failed"; exit 1; }
lxd_image_build "$IMAGE" || { not_ok "image build failed"; exit 1; }
sh "$SRC/scripts/bundle.sh" "$TMP/nestcheck-bundle" "$NC" || { not_ok "bundle.sh failed"; exit 1; }
say "LXD up, image $IMAGE and bundle ready after $((SECONDS - T0)) s"

for id in $ONLY; do
	case $id in
	a) run_config a no "unprivileged, security.nesting=true" security.nesting=true ;;
	b) run_config b yes "unprivileged, security.nesting=true" security.nesting=true ;;
	c) run_config c yes "unprivileged, no security.nesting" ;;
	d) run_config d yes "security.privileged=true" security.privileged=true ;;
	e) run_config e yes "security.idmap.isolated=true, security.idmap.size=1000" \
		security.idmap.isolated=true security.idmap.size=1000 ;;
	g) run_config g yes "unprivileged, security.nesting=true, Docker's data root on overlay" security.nesting=true ;;
	f) run_config f v2 "unprivileged, security.nesting=true, only cgroup2 mounted" security.nesting=true ;;
	h) run_config h yes "unprivileged, security.nesting=true, no Docker engine installed" security.nesting=true ;;
	*) echo "unknown configuration $id" >&2 ;;
	esac
done

echo
echo "| config | LXD instance | Docker ground truth | nestcheck verdict | warn/fail checks | remediation applied -> worked? | assertions |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${BOARD[@]}"
echo
echo "$N_OK ok, $N_FAIL failed, $((SECONDS - T0)) s before cleanup"
[ "$N_FAIL" = 0 ]
