#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2016 # assertions are eval'd single-quoted on purpose
#
# The engine checks (runtime.engine, launch.container, launch.nested, launch.network) against
# fake engines on unix sockets of this test's own (tests/tools/fakepeer):
# one that hangs, one that answers garbage, junk JSON, closes at once or
# without an answer; a well-behaved one with the vfs driver whose image import
# fails like a too small id map; a too old one; none at all; DOCKER_HOST with
# a TCP address. Every run: bounded time, one clear reason, valid JSON, every
# other check still reported. Then the options (--timeout, --no-launch,
# --keep-image), the replay of recorded engine observations, and the progress
# line (only on a terminal).
source "$(dirname "$0")/lib.bash" "$@"

# lxd.instance and policy.gate join a run only with their input (nestcheck lxd, --policy).
N_ALL=$("$NESTCHECK" --list | grep -cvE '^(lxd|policy)\.')
ENGINE_IDS=runtime.engine,launch.container,launch.nested,launch.network

# peer MODE [ROUTE...]: a fake engine at $TMP/docker.sock.
peer() { peer_at "$TMP/docker.sock" "$@"; }
export DOCKER_HOST="unix://$TMP/docker.sock"

# run_all NAME ARGS...: the whole report against the current peer, timed; the
# common claims: exit 0 or 1, stderr empty, valid JSON, every check reported.
run_all() {
	local name=$1 t0 t1
	shift
	t0=$(date +%s%N)
	nc "$name" --json "$@"
	t1=$(date +%s%N)
	ELAPSED_MS=$(((t1 - t0) / 1000000))
	check "$name: exit 0 or 1, nothing on stderr" eval 'rc_0_or_1 && is_empty "$(err "$name")"' || show "$name"
	check "$name: valid JSON" json_valid "$(out "$name")" || show "$name"
	check "$name: every check reported ($N_ALL)" [ "$(json_ids "$(out "$name")" | wc -l)" -eq "$N_ALL" ]
	check "$name: summary consistent" summary_consistent "$(out "$name")"
	check "$name: every warn and fail has remediation" all_remediation_ok "$(out "$name")"
}
summary_of() { jget "$(out "$1")" "checks.$2.summary"; }
# one_reason NAME ID TEXT: the summary says TEXT exactly once.
one_reason() {
	local s n
	s=$(summary_of "$1" "$2")
	n=$(grep -o -F -- "$3" <<<"$s" | wc -l)
	check "$1: $2 says '$3' once" [ "$n" -eq 1 ] || echo "  summary: $s"
}

# --- sick engines -------------------------------------------------------------

# A peer that never answers, with the default bound (5 s to ask): the report
# still comes, in about that time, the launch does not wait a second time.
peer hang
run_all hang-default
check "hang-default: over in less than 9 s (took ${ELAPSED_MS} ms)" [ "$ELAPSED_MS" -lt 9000 ]
check "hang-default: at least the 5 s bound (took ${ELAPSED_MS} ms)" [ "$ELAPSED_MS" -ge 4900 ]
expect hang-default runtime.engine fail "did not answer GET /version within 5000 ms"
one_reason hang-default runtime.engine "did not answer"
evidence_is hang-default runtime.engine errno ETIMEDOUT
expect hang-default launch.container fail "did not answer"
expect hang-default launch.nested fail
remedy_has hang-default runtime.engine "restart"

peer hang
run_all hang-1s --timeout 1
check "hang-1s: --timeout 1 bounds it (took ${ELAPSED_MS} ms)" [ "$ELAPSED_MS" -lt 4000 ]
expect hang-1s runtime.engine fail "within 1000 ms"

peer garbage
run_all garbage --timeout 2
expect garbage runtime.engine fail "is not HTTP"
one_reason garbage runtime.engine "is not HTTP"
evidence_is garbage runtime.engine errno EBADMSG

peer junk
run_all junk --timeout 2
expect junk runtime.engine fail "is not an engine's version"
one_reason junk runtime.engine "is not an engine's version"

peer close
run_all close --timeout 2
expect close runtime.engine fail
evidence_is close runtime.engine errno ECONNRESET

peer mute
run_all mute --timeout 2
expect mute runtime.engine fail "closed the connection without answering"

peer endless
run_all endless --timeout 5
expect endless runtime.engine fail "larger than 4 MiB"

# A socket file nobody listens on (dockerd died and left it).
peer hang
kill -9 "$PEER_PID"
wait "$PEER_PID" 2>/dev/null
PEER_PID=
run_all stale --timeout 2
expect stale runtime.engine fail "connection refused"
rm -f "$TMP/docker.sock"

# --- no engine ----------------------------------------------------------------

run_all absent
expect absent runtime.engine skip "no socket at $TMP/docker.sock"
expect absent launch.container skip "no Docker engine here"
expect absent launch.nested skip
# Install steps, or start steps where dpkg knows Docker is installed.
check "absent: runtime.engine remediation says how to install or start it" \
	eval 'remedy_text absent runtime.engine | grep -q -e "apt-get install -y docker.io" -e "service docker start"'
remedy_has absent runtime.engine "DOCKER_HOST"

DOCKER_HOST=tcp://192.0.2.1:2375 run_all tcp
expect tcp runtime.engine skip "unix socket"
expect tcp launch.container skip "not over tcp"

# --- an engine that answers -----------------------------------------------------

printf '%s' '{"Version":"19.03.15","ApiVersion":"1.40","MinAPIVersion":"1.12","Os":"linux","KernelVersion":"5.15.0"}' >"$TMP/version.json"
printf '%s' '{"Driver":"vfs","DriverStatus":[],"CgroupDriver":"systemd","CgroupVersion":"2","DockerRootDir":"/srv/docker","SecurityOptions":["name=seccomp,profile=default","name=cgroupns"],"Warnings":["WARNING: No swap limit support"],"DefaultRuntime":"runc","Name":"fake"}' >"$TMP/info.json"
printf '%s' '[]' >"$TMP/empty.json"
printf '%s\r\n%s\r\n' '{"status":"Importing"}' '{"errorDetail":{"message":"failed to register layer: ApplyLayer exit status 1 stdout:  stderr: lchown /nobody: invalid argument"},"error":"failed to register layer: ApplyLayer exit status 1 stdout:  stderr: lchown /nobody: invalid argument"}' >"$TMP/import.json"
: >"$TMP/nothing"
fake_engine() {
	peer routes /version=200:"$TMP/version.json" GET:/v1.40/info=200:"$TMP/info.json" \
		GET:/v1.40/containers/json=200:"$TMP/empty.json" GET:/v1.40/images/json=200:"$TMP/empty.json" \
		POST:/v1.40/images/create=200:"$TMP/import.json"
}
fake_engine
run_all vfs --timeout 3
expect vfs runtime.engine warn "vfs storage driver"
evidence_is vfs runtime.engine api_used 1.40
evidence_is vfs runtime.engine storage_driver vfs
evidence_is vfs runtime.engine cgroup_version 2
evidence_is vfs runtime.engine data_root /srv/docker
evidence_is vfs runtime.engine daemon_warnings 1
remedy_has vfs runtime.engine "storage-driver"
# The import fails as a too small id map makes it fail: the engine's text and the U1 fix.
expect vfs launch.container fail "lchown /nobody: invalid argument"
one_reason vfs launch.container "lchown /nobody"
evidence_is vfs launch.container failed_phase import
evidence_is vfs launch.container known_failure "uidmap-too-small (U1)"
remedy_has vfs launch.container "subuid"
expect vfs launch.nested skip "did not run"

# A whole launch through a fake engine: the probe's report comes back in a
# multiplexed log stream; the privileged container (same routes) reports the
# nested steps of an unprivileged one, so launch.nested warns on userns.
printf '%s' '{"probe_version":"0.1.0","euid":0,"pid":1,"uid_map":"         0     100000      65536\n","gid_map":"         0     100000      65536\n","cgroup":{"layout":"v2"},"capabilities":{"eff":"00000000a80425fb"},"seccomp":{"mode":2,"filters":1},"apparmor":null,"nested":{"steps":[{"step":"userns","ok":false,"errno":"EPERM"},{"step":"mntns","ok":true},{"step":"pidns","ok":true},{"step":"cgroupns","ok":true},{"step":"proc","ok":true},{"step":"overlay","ok":true}],"first_failure":"userns"}}' >"$TMP/probe.json"
n=$(wc -c <"$TMP/probe.json")
{
	printf '\001\000\000\000'
	# shellcheck disable=SC2059 # the format is the 4 length bytes, as octal escapes
	printf "\\$(printf %03o $((n >> 24 & 255)))\\$(printf %03o $((n >> 16 & 255)))\\$(printf %03o $((n >> 8 & 255)))\\$(printf %03o $((n & 255)))"
	cat "$TMP/probe.json"
	printf '\002\000\000\000\000\000\000\004warn'
} >"$TMP/logs.bin"
printf '%s\r\n' '{"status":"sha256:1a2b"}' >"$TMP/import-ok.json"
printf '%s' '{"Id":"c0ffee","Warnings":[]}' >"$TMP/created.json"
printf '%s' '{"StatusCode":0,"Error":null}' >"$TMP/wait.json"
printf '%s' '{"message":"could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network"}' >"$TMP/pools.json"
peer routes /version=200:"$TMP/version.json" GET:/v1.40/info=200:"$TMP/info.json" \
	GET:/v1.40/containers/json=200:"$TMP/empty.json" GET:/v1.40/images/json=200:"$TMP/empty.json" \
	POST:/v1.40/images/create=200:"$TMP/import-ok.json" POST:/v1.40/containers/create=201:"$TMP/created.json" \
	POST:/v1.40/containers/c0ffee/start=204:"$TMP/nothing" POST:/v1.40/containers/c0ffee/wait=200:"$TMP/wait.json" \
	GET:/v1.40/containers/c0ffee/logs=200:"$TMP/logs.bin" DELETE:/v1.40/containers/c0ffee=204:"$TMP/nothing" \
	GET:/v1.40/networks=200:"$TMP/empty.json" POST:/v1.40/networks/create=403:"$TMP/pools.json"
run_all ran --timeout 3
expect ran launch.container pass "a container ran through the engine"
evidence_is ran launch.container probe_uid_map "0 100000 65536"
evidence_is ran launch.container probe_cgroup_layout v2
evidence_is ran launch.container probe_seccomp_mode 2
evidence_is ran launch.container exit_code 0
evidence_is ran launch.container image_reused false
has_phases() {
	local p
	for p in import create start wait logs remove; do
		jget "$(out "$1")" "checks.launch.container.evidence.ms_$p" >/dev/null || { echo "  no ms_$p"; return 1; }
	done
}
check "ran: launch.container has the phase times" has_phases ran
expect ran launch.nested warn "userns fails with EPERM"
evidence_is ran launch.nested first_failure userns
remedy_has ran launch.nested "user.max_user_namespaces"
# launch.network: the engine refuses the bridge network; its text, the catalog's cause and fix.
expect ran launch.network fail "a user-defined bridge network could not be created"
evidence_is ran launch.network failed_step network_create
evidence_is ran launch.network known_failure "address-pools-exhausted (N13)"
remedy_has ran launch.network "docker network prune -f"

# --no-launch: the engine is asked, nothing is launched.
fake_engine
run_all no-launch --no-launch --timeout 3
expect no-launch launch.container skip "not launched (--no-launch)"
expect no-launch launch.nested skip "not launched (--no-launch)"
expect no-launch runtime.engine warn

# nestcheck's own run-time libraries missing (the binary copied alone into a
# minimal container): not the host's fault, so a skip that names the library
# and how to get it, never an error. A stub without libcurl's symbols stands
# for a library that cannot be loaded.
stubs=$TMP/stubs
mkdir -p "$stubs"
for lib in libcurl.so.4 libarchive.so.13; do
	mkdir -p "$stubs/no-${lib%%.*}"
	cc -shared -fPIC -o "$stubs/no-${lib%%.*}/$lib" -x c /dev/null
done
fake_engine
LD_LIBRARY_PATH=$stubs/no-libcurl run_all no-libcurl --timeout 3
for id in runtime.engine launch.container launch.nested; do
	expect no-libcurl "$id" skip "libcurl"
	remedy_has no-libcurl "$id" "apt-get install -y libcurl4"
	remedy_has no-libcurl "$id" "scripts/bundle.sh"
done
check "no-libcurl: no check is an error" [ "$(jget "$(out no-libcurl)" summary.error)" = 0 ]
fake_engine
LD_LIBRARY_PATH=$stubs/no-libarchive run_all no-libarchive --timeout 3
expect no-libarchive runtime.engine warn
expect no-libarchive launch.container skip "libarchive"
remedy_has no-libarchive launch.container "apt-get install -y libarchive13"
check "no-libarchive: no check is an error" [ "$(jget "$(out no-libarchive)" summary.error)" = 0 ]

# --no-probes: not even asked.
run_all no-probes --no-probes
expect no-probes runtime.engine skip "(--no-probes)"
expect no-probes launch.container skip "(--no-probes)"

# Too old an engine.
printf '%s' '{"Version":"1.11.2","ApiVersion":"1.23"}' >"$TMP/old.json"
peer routes /version=200:"$TMP/old.json"
run_all too-old --timeout 3
expect too-old runtime.engine fail "Docker 1.11.2 is too old"
one_reason too-old runtime.engine "API 1.23"
remedy_has too-old runtime.engine "apt-get install -y docker.io"
expect too-old launch.container fail "too old"
peer_stop

# --- options --------------------------------------------------------------------

for bad in 0 -1 abc 1x 99999 ''; do
	nc "timeout-$bad" --timeout "$bad" --only runtime.engine
	check "--timeout '$bad': exit 2, one line on stderr" eval 'rc_is 2 && one_line "$(err "timeout-$bad")"' ||
		show "timeout-$bad"
done
nc timeout-missing --timeout
check "--timeout without a value: exit 2" rc_is 2
nc help --help
check "--help names --timeout and --keep-image" eval 'contains "$(out help)" "--timeout SECONDS" && contains "$(out help)" "--keep-image"'
nc list --list
for id in runtime.engine launch.container launch.nested; do
	check "--list names $id" contains "$(out list)" "$id"
done

# --- replay of recorded observations --------------------------------------------

IDS=$ENGINE_IDS
sysroot_host "$TMP/r1"
obs "$TMP/r1" 'engine.info={"state":"down","socket":"/var/run/docker.sock","errno":"ETIMEDOUT","error":"the engine at /var/run/docker.sock did not answer GET /version within 5000 ms"}'
run r1 "$TMP/r1"
expect r1 runtime.engine fail "did not answer GET /version"
expect r1 launch.container fail "did not answer"

# The engine down, and dockerd's log says why: the known failure's fix comes first.
sysroot_host "$TMP/r1log"
obs "$TMP/r1log" 'engine.info={"state":"down","socket":"/var/run/docker.sock","errno":"ECONNREFUSED","error":"nothing listens on /var/run/docker.sock"}' \
	"engine.log=/var/log/docker.log	failed to start daemon: Error initializing network controller: error obtaining controller instance: unable to add return rule in DOCKER-ISOLATION-STAGE-1 chain:  (iptables failed: iptables --wait -A DOCKER-ISOLATION-STAGE-1 -j RETURN: iptables v1.8.9 (nf_tables): Chain 'RETURN' does not exist"
run r1log "$TMP/r1log"
expect r1log runtime.engine fail "its log says why"
evidence_is r1log runtime.engine known_failure "iptables-extensions-missing (N9)"
evidence_is r1log runtime.engine log_source /var/log/docker.log
check "r1log: the fix reinstalls iptables" contains "$(out r1log)" "apt-get install -y --reinstall iptables"
# A log with an error no known failure matches: quoted, with the generic fix only.
sysroot_host "$TMP/r1err"
obs "$TMP/r1err" 'engine.info={"state":"down","socket":"/var/run/docker.sock","errno":"ECONNREFUSED","error":"nothing listens on /var/run/docker.sock"}' \
	'engine.log=/var/log/docker.log	time="2026-12-05T10:00:00Z" level=fatal msg="something new"'
run r1err "$TMP/r1err"
expect r1err runtime.engine fail "its log ends with"
# A recorded "none" (no log found) keeps the plain summary.
sysroot_host "$TMP/r1none"
obs "$TMP/r1none" 'engine.info={"state":"down","socket":"/var/run/docker.sock","errno":"ECONNREFUSED","error":"nothing listens on /var/run/docker.sock"}' 'engine.log=none'
run r1none "$TMP/r1none"
expect r1none runtime.engine fail "does not answer: nothing listens"

sysroot_host "$TMP/r2"
obs "$TMP/r2" 'engine.info={"state":"ok","socket":"/var/run/docker.sock","version":"24.0.7","api":"1.43","api_used":"1.41","driver":"overlay2","cgroup_driver":"systemd","cgroup_version":"2","root":"/var/lib/docker","security":["name=seccomp,profile=builtin","name=cgroupns"],"warnings":[],"ms":4}' \
	'launch={"image":"nestcheck-probe:0.1.0-1","image_removed":true,"ms":{"cleanup":1,"import":80,"remove_image":9},"plain":{"state":"failed","phase":"start","errno":"EIO","error":"failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error mounting \"proc\" to rootfs at \"/proc\": mount proc:/proc (via /proc/self/fd/6), flags: 0xe: permission denied: unknown","ms":{"create":12,"start":90,"remove":8}}}'
run r2 "$TMP/r2"
expect r2 runtime.engine pass "Docker 24.0.7 answers"
expect r2 launch.container fail "could not start"
evidence_is r2 launch.container failed_phase start
evidence_is r2 launch.container ms_start 90
expect r2 launch.nested skip
# Replay is not live: nothing was asked of any engine (DOCKER_HOST points nowhere).
check "r2: a replay asks no engine" is_empty "$(err r2)"

sysroot_host "$TMP/r3"
obs "$TMP/r3" 'engine.info={"state":"ok","socket":"/s","version":"20.10.24","api":"1.41","api_used":"1.41","driver":"overlay2","ms":3}' \
	'launch={"image":"x","image_removed":true,"plain":{"state":"ran","exit_code":0,"stdout":"not json","stderr":"","ms":{"create":1}}}'
run r3 "$TMP/r3"
expect r3 launch.container warn "printed no report"

sysroot_host "$TMP/r4"
obs "$TMP/r4" 'engine.info={"state":"ok"}' 'launch=junk'
nc r4 --root "$TMP/r4" --json --only "$IDS"
check "r4: malformed observations are errors, not crashes" eval 'rc_is 1 && status_is "$(out r4)" runtime.engine error'

sysroot_host "$TMP/r5"
run r5 "$TMP/r5"
expect r5 runtime.engine skip "in replay"
expect r5 launch.container skip "in replay"

# --- progress: a line on a terminal, nothing otherwise --------------------------

fake_engine
nc quiet --only launch.container --timeout 3
check "no terminal: nothing on stderr" is_empty "$(err quiet)"
if command -v script >/dev/null; then
	# script gives nestcheck a terminal; its stderr goes there, into the typescript.
	timeout -k 2 10 script -qec "$NESTCHECK --only launch.container --timeout 3 >/dev/null" "$TMP/typescript" >/dev/null 2>&1
	check "terminal: the progress line is shown, then erased" \
		eval 'grep -q "nestcheck: importing the probe image" "$TMP/typescript" && grep -q $'"'"'\r\033\[K'"'"' "$TMP/typescript"'
else
	skip "progress on a terminal (script(1) missing)"
fi
peer_stop

finish
