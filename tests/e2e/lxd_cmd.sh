#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# tests/e2e/lxd_cmd.sh NESTCHECK SOURCE_DIR JSONQ
#
# Live, as root: `nestcheck lxd NAME` on the LXD host, against instances of
# the busybox image of tests/lxd/env.sh (none of nestcheck's libraries in it):
#   ok     security.nesting=true: valid JSON, container.detect names the
#          instance, lxd.instance is there, and the verdict agrees with a real
#          `docker run` in that instance;
#   small  security.idmap.isolated=true, security.idmap.size=1000: not_ready,
#          with the host fix `lxc config set NAME security.idmap.size ...`;
#   after each run nothing of nestcheck's is left in the instance's /tmp;
#   nestcheck's options under nestcheck lxd: --only/--skip (in the instance
#   and for lxd.instance alike), --ignore, --strict, --junit, --policy, and
#   --record, whose file alone replays lxd.instance to its live verdict;
#   --all over the running instances (a child each, the roll-up, each
#   instance's report kept with --report-dir);
#   LXD killed while nestcheck runs inside: exit 2, one line, and the next run sweeps
#   the directory it left once it is an hour old; the same for Incus and
#   `nestcheck incus NAME` (an incusd of this test's own beside LXD, where incusd
#   is installed);
#   a stopped and a missing instance: exit 2 with one line on stderr.
# Starts lxcfs/LXD only if LXD is not answering; removes what it creates.
set -uo pipefail

NC=$(readlink -f "$1") SRC=$(readlink -f "$2") JSONQ=$(readlink -f "$3")
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for c in lxc lxd lxcfs dockerd busybox; do
	command -v "$c" >/dev/null 2>&1 ||
		{ echo "SKIP: $c missing (apt-get install lxd lxc lxcfs docker.io busybox-static)"; exit 77; }
done

T0=$SECONDS
TMP=$(mktemp -d /tmp/nestcheck-live-lxd-cmd.XXXXXX) || exit 2
NESTCHECK_LXD_STATE=$TMP.state
# shellcheck disable=SC2034 # read by env.sh
NESTCHECK_LXD_LOGDIR=$TMP
# shellcheck source=../lxd/env.sh
. "$SRC/tests/lxd/env.sh"
IMAGE=nc-lxdcmd-$$
OK=nc-lxdcmd-ok-$$ SMALL=nc-lxdcmd-small-$$ STOPPED=nc-lxdcmd-stopped-$$

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	lxd_session_end || rc=1
	rm -rf "$TMP"
	echo "e2e.lxd_cmd: $((SECONDS - T0)) s"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail=0
CFG=setup
ok() { echo "ok    [$CFG] $*"; }
bad() { echo "FAIL  [$CFG] $*"; fail=1; }
check() { # check WHAT GOT WANT
	if [ "$2" = "$3" ]; then ok "$1 = $2"; else bad "$1 = '$2', want '$3'"; fi
}
q() { ASAN_OPTIONS=detect_leaks=0 "$JSONQ" "$1" "$2" 2>/dev/null; }
nc() { ASAN_OPTIONS=detect_leaks=0 "$NC" "$@"; }
leftovers() { # NAME: nestcheck dirs left in the instance's /tmp
	local l
	l=$(lxc exec "$1" -- ls /tmp </dev/null | grep -c '^nestcheck-')
	check "nestcheck dirs left in $1:/tmp" "$l" 0
}

# The nestcheck pushed into an instance, seen from the host: LOADER --library-path DIR DIR/nestcheck --json.
# pgrep, polled often: in an instance without dockerd the run inside lasts well under a second.
running_inside() {
	pgrep -f '^/tmp/nestcheck-[^ ]+ --library-path /tmp/nestcheck-[^ ]+ /tmp/nestcheck-[^ ]+/nestcheck --json' >/dev/null
}

lxd_up || { echo "cannot start LXD"; exit 2; }
lxd_image_build "$IMAGE" || { echo "cannot build the image"; exit 2; }

# ok: nesting, unprivileged.
CFG=ok
lxd_launch "$OK" "$IMAGE" security.nesting=true || { bad "launch"; exit 1; }
t=$SECONDS
nc lxd "$OK" --json >"$TMP/ok.json" 2>"$TMP/ok.err"
rc=$?
echo "      nestcheck lxd $OK: $((SECONDS - t)) s, exit $rc"
q "$TMP/ok.json" verdict >/dev/null && ok "valid JSON" || { bad "not JSON: $(head -c 300 "$TMP/ok.json") $(cat "$TMP/ok.err")"; }
check "container.detect name" "$(q "$TMP/ok.json" checks.container.detect.evidence.name)" "$OK"
check "lxd.instance instance" "$(q "$TMP/ok.json" checks.lxd.instance.evidence.instance)" "$OK"
check "lxd.instance status" "$(q "$TMP/ok.json" checks.lxd.instance.status)" pass
verdict=$(q "$TMP/ok.json" verdict)
leftovers "$OK"
# What Docker really does in that instance.
real=fail
if lxd_mount_cgroups "$OK" && lxd_docker_start "$OK" && docker_test_image_in "$OK" >/dev/null 2>&1 &&
	lxc exec "$OK" -- docker run --rm --network none local/nobody:1 true </dev/null >"$TMP/run.log" 2>&1; then
	real=ok
fi
echo "      docker run in $OK: $real ($(tail -n 1 "$TMP/run.log" 2>/dev/null))"
t=$SECONDS
nc lxd "$OK" --json >"$TMP/ok2.json" 2>"$TMP/ok2.err"
echo "      nestcheck lxd $OK with dockerd: $((SECONDS - t)) s, exit $?"
verdict=$(q "$TMP/ok2.json" verdict)
if [ "$real" = ok ]; then
	[ "$verdict" != not_ready ] && ok "verdict $verdict agrees with docker run ok" ||
		bad "verdict $verdict although docker run works; failing: $(grep -o '"id": "[^"]*"\|"status": "fail"' "$TMP/ok2.json" | grep -B1 fail | tr '\n' ' ')"
else
	check "verdict (docker run fails)" "$verdict" not_ready
fi
check "launch.container in the instance" "$(q "$TMP/ok2.json" checks.launch.container.status)" "$([ "$real" = ok ] && echo pass || echo fail)"
leftovers "$OK"
nc lxd "$OK" --no-launch >"$TMP/ok.txt" 2>&1
echo "      human output:"
sed 's/^/      | /' "$TMP/ok.txt"
# --only and --skip select the checks in the instance and lxd.instance alike;
# --no-probes is the instance's: the host files lxd.instance read are still recorded.
ids() { grep -o '"id": "[^"]*"' "$1" | cut -d'"' -f4 | tr '\n' ' '; }
nc lxd "$OK" --json --no-launch --only lxd.instance >"$TMP/only.json" 2>"$TMP/only.err"
check "--only lxd.instance: the report's checks" "$(ids "$TMP/only.json")" "lxd.instance "
nc lxd "$OK" --json --no-launch --only container >"$TMP/only-c.json" 2>"$TMP/only-c.err"
check "--only container: the report's checks" "$(ids "$TMP/only-c.json")" "container.detect container.nesting "
nc lxd "$OK" --json --no-launch --skip lxd.instance,launch >"$TMP/skip.json" 2>"$TMP/skip.err"
case " $(ids "$TMP/skip.json")" in
*" lxd.instance "* | *" launch."*) bad "--skip lxd.instance,launch: still there: $(ids "$TMP/skip.json")" ;;
*" container.detect "*) ok "--skip lxd.instance,launch: neither in the report" ;;
*) bad "--skip lxd.instance,launch: not the instance's report: $(head -c 300 "$TMP/skip.json")" ;;
esac
nc lxd "$OK" --json --no-launch --no-probes --record "$TMP/ok.obs" >"$TMP/rec.json" 2>"$TMP/rec.err"
for k in lxd.instance.config file:sys/module/apparmor/parameters/enabled file:proc/filesystems; do
	grep -q "^$k=" "$TMP/ok.obs" 2>/dev/null && ok "--no-probes --record: $k recorded" || bad "--no-probes --record: no $k"
done
# The recording alone (an empty root): lxd.instance as it was live.
mkdir -p "$TMP/ok-replay/.nestcheck"
cp "$TMP/ok.obs" "$TMP/ok-replay/.nestcheck/observations"
nc --root "$TMP/ok-replay" --json --only lxd.instance >"$TMP/ok-replay.json" 2>/dev/null
for k in status summary evidence.host_apparmor evidence.host_overlay; do
	check "replay of the recording: lxd.instance $k" "$(q "$TMP/ok-replay.json" "checks.lxd.instance.$k")" \
		"$(q "$TMP/rec.json" "checks.lxd.instance.$k")"
done
leftovers "$OK"

# small: an isolated map of 1000 ids.
CFG=small
lxd_launch "$SMALL" "$IMAGE" security.nesting=true security.idmap.isolated=true security.idmap.size=1000 ||
	{ bad "launch"; exit 1; }
nc lxd "$SMALL" --json --no-launch >"$TMP/small.json" 2>"$TMP/small.err"
check "exit" "$?" 1
check "verdict" "$(q "$TMP/small.json" verdict)" not_ready
check "lxd.instance" "$(q "$TMP/small.json" checks.lxd.instance.status)" fail
# (no grep -q in a pipeline: its early exit fails the pipeline under pipefail)
if sed 's#\\/#/#g' "$TMP/small.json" | grep "lxc config set $SMALL security.idmap.size 1000000" >/dev/null; then
	ok "remediation names $SMALL"
else
	bad "no 'lxc config set $SMALL security.idmap.size' remediation"
fi
grep -A3 '"lxc config set' "$TMP/small.json" | grep '"where": "host"' >/dev/null && ok "host-side fix" || bad "fix not host-side"
leftovers "$SMALL"
# nestcheck's output options, the same under nestcheck lxd: JUnit, --ignore, --policy, --record and its replay.
printf '{"min_kernel": "3.10", "must_pass": ["lxd.instance"]}\n' >"$TMP/policy.json"
nc lxd "$SMALL" --json --no-launch --ignore lxd.instance --junit "$TMP/small.xml" --policy "$TMP/policy.json" \
	--record "$TMP/small.obs" >"$TMP/opts.json" 2>"$TMP/opts.err"
check "options: exit (the policy's must_pass fails)" "$?" 1
check "--ignore lxd.instance: warn" "$(q "$TMP/opts.json" checks.lxd.instance.status)" warn
check "--policy: policy.gate fails on must_pass lxd.instance" "$(q "$TMP/opts.json" checks.policy.gate.status)" fail
grep -q "<testcase classname=\"$SMALL.lxd\" name=\"lxd.instance\"" "$TMP/small.xml" 2>/dev/null && ok "--junit: lxd.instance in the XML, the instance in its class" ||
	bad "--junit wrote no lxd.instance testcase"
grep -q '^lxd.instance.config=' "$TMP/small.obs" 2>/dev/null && ok "--record: LXD's config recorded" || bad "--record: no config"
mkdir -p "$TMP/replay/root/.nestcheck"
cp "$TMP/small.obs" "$TMP/replay/root/.nestcheck/observations"
nc --root "$TMP/replay/root" --json --only lxd.instance >"$TMP/replay.json" 2>/dev/null
check "replay of the recording: lxd.instance" "$(q "$TMP/replay.json" checks.lxd.instance.status)" fail
for k in summary evidence.host_apparmor evidence.host_overlay evidence.idmap_size; do
	check "replay of the recording: lxd.instance $k" "$(q "$TMP/replay.json" "checks.lxd.instance.$k")" \
		"$(q "$TMP/small.json" "checks.lxd.instance.$k")"
done
# --strict: a warn alone makes exit 1 (the ignored fail is a warn; nothing else may fail then).
nc lxd "$SMALL" --json --no-launch --only lxd.instance --ignore lxd.instance >/dev/null 2>&1
check "--only lxd.instance --ignore lxd.instance: exit" "$?" 0
nc lxd "$SMALL" --json --no-launch --only lxd.instance --ignore lxd.instance --strict >/dev/null 2>&1
check "... with --strict: exit" "$?" 1
leftovers "$SMALL"

# --all: every running container (ok and small here, and any other running one), each by a child.
CFG=all
t=$SECONDS
nc lxd --all --json --no-launch --report-dir "$TMP/fleet" >"$TMP/all.json" 2>"$TMP/all.err"
rc=$?
echo "      nestcheck lxd --all --no-launch: $((SECONDS - t)) s, exit $rc"
check "--all: exit (small is not_ready)" "$rc" 1
for n in "$OK" "$SMALL"; do
	grep -q "\"name\": \"$n@" "$TMP/all.json" && ok "--all: $n is in the roll-up" || bad "--all: no $n in the roll-up: $(head -c 400 "$TMP/all.json")"
	check "--all: $n's report kept, naming it" "$(q "$TMP/fleet/$n.json" instance.name)" "$n"
	leftovers "$n"
done
check "--all: the roll-up's verdict" "$(q "$TMP/all.json" verdict)" not_ready
check "--all: nothing on stderr" "$(wc -c <"$TMP/all.err")" 0

# killed_midrun CMD NAME PID CLI AGAIN: `nestcheck CMD NAME` running in the instance when the
# daemon (PID) is SIGKILLed: exit 2 with one line, within its bound; AGAIN starts the daemon
# again; the directory the run could not remove is there, and once an hour old (its time set
# back) the next run's sweep removes it. CLI execs in the instance.
killed_midrun() {
	local cmd=$1 name=$2 pid=$3 cli=$4 again=$5 ncpid inside= rc t left
	nc "$cmd" "$name" --json >"$TMP/killed.$cmd.json" 2>"$TMP/killed.$cmd.err" &
	ncpid=$!
	for _ in $(seq 1500); do
		running_inside && inside=yes && break
		sleep 0.02
	done
	[ -n "$inside" ] && ok "nestcheck runs in $name" || bad "nestcheck never ran in $name"
	kill -9 "$pid"
	t=$SECONDS
	wait "$ncpid"
	rc=$?
	echo "      nestcheck $cmd after the daemon's death: exit $rc in $((SECONDS - t)) s: $(head -c 300 "$TMP/killed.$cmd.err")"
	check "exit" "$rc" 2
	check "stderr lines" "$(wc -l <"$TMP/killed.$cmd.err")" 1
	[ $((SECONDS - t)) -le 70 ] && ok "ended within its bound" || bad "took $((SECONDS - t)) s"
	"$again" || { bad "the daemon does not start again"; return 1; }
	left=$("$cli" exec "$name" -- sh -c 'ls -d /tmp/nestcheck-* 2>/dev/null' </dev/null)
	check "the killed run's directory is left in $name" "$(echo "$left" | grep -c nestcheck-)" 1
	# shellcheck disable=SC2086 # one path a word
	"$cli" exec "$name" -- touch -d '2020-01-01 00:00:00' $left </dev/null
	nc "$cmd" "$name" --json --no-launch >"$TMP/after.$cmd.json" 2>"$TMP/after.$cmd.err"
	check "the next run: exit 0 or 1" "$([ $? -le 1 ] && echo yes)" yes
	check "nestcheck dirs left in $name:/tmp" "$("$cli" exec "$name" -- ls /tmp </dev/null | grep -c '^nestcheck-')" 0
}

# LXD killed while nestcheck runs in the instance. Only with an LXD of this test's own.
CFG=lxd-killed
lxd_again() {
	cp "$NESTCHECK_LXD_STATE.premounts" "$TMP/premounts" 2>/dev/null
	lxd_up || return 1
	cp "$TMP/premounts" "$NESTCHECK_LXD_STATE.premounts" 2>/dev/null
}
lxdpid=$(_nc_state_get lxd_pid | tail -n 1)
if [ -n "$lxdpid" ] && _nc_pid_is "$lxdpid" lxd; then
	killed_midrun lxd "$OK" "$lxdpid" lxc lxd_again || exit 1
else
	echo "      (LXD was not started by this test: it is not killed)"
fi

# The same for Incus (`nestcheck incus NAME`, the same code with Incus's socket): an incusd of
# this test's own beside LXD, with a state file of its own (its instances are Incus's), all of
# it gone at the end also when a step fails.
CFG=incus-killed
if [ -x /usr/libexec/incus/incusd ] && command -v incus >/dev/null && ! [ -S /var/lib/incus/unix.socket ]; then
	(
		NESTCHECK_LXD_STATE=$TMP.incus.state
		# shellcheck source=../lxd/incus.sh
		. "$SRC/tests/lxd/incus.sh"
		trap 'incus_cleanup; incus_down; rm -f "$NESTCHECK_LXD_STATE"*' EXIT
		NC_CLI=incus
		INC=nc-inccmd-$$
		incus_up || { bad "Incus does not start"; exit 1; }
		lxd_image_build "$IMAGE-i" || { bad "cannot build the Incus image"; exit 1; }
		lxd_launch "$INC" "$IMAGE-i" security.nesting=true || { bad "cannot launch $INC"; exit 1; }
		nc incus "$INC" --json --no-launch >"$TMP/inc.json" 2>"$TMP/inc.err"
		check "nestcheck incus $INC: lxd.instance platform" "$(q "$TMP/inc.json" checks.lxd.instance.evidence.platform)" incus
		pid=$(_nc_state_get incus_pid | tail -n 1)
		incus_again() {
			_nc_state_del incus_pid "$pid"
			incus_up
		}
		killed_midrun incus "$INC" "$pid" incus incus_again
		exit "$fail"
	) || fail=1
	check "no incusd of this test left" "$(pgrep -f '^/usr/libexec/incus/incusd' | wc -l)" 0
else
	echo "      (no incusd here, or an Incus of someone else's: not killed)"
fi

# Stopped and missing instances.
CFG=errors
lxd_launch "$STOPPED" "$IMAGE" && lxc stop -f "$STOPPED" </dev/null || bad "cannot make a stopped instance"
for n in "$STOPPED" nc-lxdcmd-missing-$$; do
	nc lxd "$n" >"$TMP/e.out" 2>"$TMP/e.err"
	check "exit for $n" "$?" 2
	check "stderr lines for $n" "$(wc -l <"$TMP/e.err")" 1
	check "stdout for $n" "$(wc -c <"$TMP/e.out")" 0
	echo "      $(cat "$TMP/e.err")"
done

exit "$fail"
