#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# nestcheck lxd NAME against a fake LXD of this test's own (tests/tools/fakepeer
# at $LXD_DIR/unix.socket): the instance, the file pushes, the exec and its
# logs are canned, and "the report of nestcheck inside" is one made here from
# a fixture. What runs for real is nestcheck lxd's own part: lxd.instance and
# policy.gate on this host through the runner, the merge, and every output
# option, the same as nestcheck's.
# Usage: bash lxd_cmd.sh NESTCHECK_BINARY SOURCE_DIR JSONQ_BINARY
# shellcheck disable=SC2016
set -u
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash" "$@"

export LXD_DIR=$TMP/lxd
mkdir -p "$LXD_DIR" "$TMP/canned"

# The report nestcheck inside would print: container.detect, and an
# lxd.instance of its own (a skip: inside there is no instance to judge).
"$NESTCHECK" --root "$SRCDIR/fixtures/lxd-nesting/root" --json --only container.detect,lxd.instance \
	>"$TMP/canned/report.json" 2>/dev/null
c() { printf '%s\n' "$2" >"$TMP/canned/$1"; }
c sync.json '{"type":"sync","status":"Success","status_code":200,"metadata":{}}'
c exec.json '{"type":"async","status":"Operation created","status_code":100,"operation":"/1.0/operations/op1","metadata":{}}'
c wait.json '{"type":"sync","status":"Success","status_code":200,"metadata":{"status":"Success","metadata":{"return":0,"output":{"1":"/1.0/instances/web/logs/out","2":"/1.0/instances/web/logs/err"}}}}'
c empty.txt ''
c notjson.txt 'Segmentation fault'

# lxd STATUS CONFIG [REPORT]: a fake LXD with instance web (STATUS, expanded_config CONFIG) whose
# nestcheck prints REPORT (default: the canned report).
lxd() {
	c instance.json "{\"type\":\"sync\",\"status\":\"Success\",\"status_code\":200,\"metadata\":{\"name\":\"web\",\"status\":\"$1\",\"expanded_config\":$2}}"
	peer_at "$LXD_DIR/unix.socket" routes \
		"GET:/1.0/instances/web=200:$TMP/canned/instance.json" \
		"POST:/1.0/instances/web/files=200:$TMP/canned/sync.json" \
		"POST:/1.0/instances/web/exec=202:$TMP/canned/exec.json" \
		"GET:/1.0/operations/op1/wait=200:$TMP/canned/wait.json" \
		"GET:/1.0/instances/web/logs/out=200:${3:-$TMP/canned/report.json}" \
		"GET:/1.0/instances/web/logs/err=200:$TMP/canned/empty.txt"
}
# Whatever this host's AppArmor and overlay, these configs judge the same:
# a privileged instance with nesting warns at worst, a 1000-id map fails.
PRIV='{"security.privileged":"true","security.nesting":"true","linux.kernel_modules":"overlay"}'
SMALL='{"security.nesting":"true","security.idmap.size":"1000","linux.kernel_modules":"overlay"}'
ids() { json_ids "$(out "$1")" | tr '\n' ' '; }

echo "# the run"
lxd Running "$PRIV"
nc priv lxd web --json
check "privileged: exit 0 (a warn)" rc_is 0 || show priv
check "nothing on stderr" is_empty "$(err priv)"
check "valid JSON, summary consistent" summary_consistent "$(out priv)"
check "lxd.instance leads, the instance's own lxd.instance is dropped" \
	[ "$(ids priv)" = "lxd.instance container.detect " ]
check "lxd.instance warns" status_is "$(out priv)" lxd.instance warn
check "its fix names the instance" contains <(jget "$(out priv)" checks.lxd.instance.remediation) \
	"lxc config set web security.privileged false"
check "container.detect names the instance" [ "$(jget "$(out priv)" checks.container.detect.evidence.name)" = web ]
check "the host is the instance's" [ "$(jget "$(out priv)" host.container_runtime)" = lxc ]
nc priv-human lxd web
check "the human report: exit 0" rc_is 0
check "the human report names lxd.instance" contains "$(out priv-human)" "lxd.instance"
check "the human report: no JSON" lacks "$(out priv-human)" '"schema_version"'

echo "# what is passed into the instance, and what is left there"
export FAKEPEER_LOG=$TMP/requests.log
lxd Running "$PRIV"
# execs: the body of each exec request, one a line.
execs() { grep -A1 '^POST /1.0/instances/web/exec$' "$FAKEPEER_LOG" | grep '^{'; }
printf '{}\n' >"$TMP/policy-none.json"
: >"$FAKEPEER_LOG"
nc args lxd web --no-launch --no-probes --timeout 2.5 --keep-image --only container,lxd --skip container.nesting \
	--ignore lxd.instance --strict --junit "$TMP/args.xml" --policy "$TMP/policy-none.json" --record "$TMP/args.obs"
check "three execs: nestcheck, the clean-up, the sweep of old leftovers" [ "$(execs | wc -l)" -eq 3 ] || cat "$FAKEPEER_LOG"
run=$(execs | head -n 1)
for a in '"--json"' '"--no-launch"' '"--no-probes"' '"--keep-image"' '"--timeout","2.500"' '"--only","container,lxd"' \
	'"--skip","container.nesting"' '"--ignore","lxd.instance"'; do
	check "passed into the instance: $a" contains <(echo "$run") "$a"
done
for a in '"--strict"' '"--junit"' '"--policy"' '"--record"'; do
	check "the host's alone, not passed in: $a" lacks <(echo "$run") "$a"
done
dir=$(echo "$run" | grep -o '"/tmp/nestcheck-[0-9a-f]*/nestcheck"' | sed 's#/nestcheck"$##; s#^"##')
check "nestcheck runs from a private directory" [ -n "$dir" ]
check "the clean-up removes that directory" contains <(execs | sed -n 2p) "\"rm\",\"-rf\",\"$dir\""
check "the sweep removes nestcheck's directories an hour old" contains <(execs | sed -n 3p) \
	'"find","/tmp","-maxdepth","1","-type","d","-name","nestcheck-*","-mmin","+60","-exec","rm","-rf","{}","+"'
check "nestcheck and its loader were pushed" [ "$(grep -c '^POST /1.0/instances/web/files$' "$FAKEPEER_LOG")" -ge 3 ]
check "--no-launch: libarchive (for the launches alone) not pushed" lacks "$FAKEPEER_LOG" "libarchive.so"
: >"$FAKEPEER_LOG"
lxd Running "$PRIV" "$TMP/canned/notjson.txt"
nc args-bad lxd web --json
check "a report that cannot be read: exit 2" rc_is 2
check "with the launches: libarchive pushed" contains "$FAKEPEER_LOG" "libarchive.so.13"
check "... and the directory is removed all the same" contains <(execs | sed -n 2p) '"rm","-rf","/tmp/nestcheck-'
unset FAKEPEER_LOG
lxd Running "$PRIV"

echo "# an instance's report that would write to the operator's terminal"
# OSC 52 (a clipboard write), CSI (clear the screen, move the cursor), C1 CSI, BEL and a
# carriage return in every string the report holds: id, area, title, summary, an evidence
# key and value, a fix's text and command.
python3 - "$TMP/canned/report.json" "$TMP/canned/hostile.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
bad = "\u001b]52;c;ZWNobyBoaQ==\u0007\u001b[2J\u001b[1A\u009b31m\rhidden"
c = r["checks"][0]
c["summary"] += bad
c["title"] += bad
c["evidence"]["esc" + bad] = "value" + bad + "\nsecond line"
c["remediation"] = [{"where": "container", "text": "do" + bad, "commands": ["true" + bad]}]
x = dict(c)
x["id"] = "future.check" + bad
x["area"] = "future" + bad
r["checks"].append(x)
json.dump(r, open(sys.argv[2], "w"))
PY
lxd Running "$PRIV" "$TMP/canned/hostile.json"
nc hostile-human lxd web
nc hostile-json lxd web --json
unset_controls() { LC_ALL=C grep -c $'[\x01-\x09\x0b-\x1f\x7f]\|\xc2[\x80-\x9f]' "$1"; }
check "hostile report, human: read (exit 0 or 1)" rc_0_or_1 || show hostile-human
check "hostile report, human: no control character on the terminal" [ "$(unset_controls "$(out hostile-human)")" = 0 ] ||
	LC_ALL=C grep -n $'[\x01-\x09\x0b-\x1f\x7f]' "$(out hostile-human)" | cat -v | head -n 3
check "hostile report, human: the text is still there, escaped" contains "$(out hostile-human)" "?]52;c;ZWNobyBoaQ=="
check "hostile report, JSON: no escaped control character either" lacks "$(out hostile-json)" '\u001b'
check "hostile report, JSON: evidence keeps its lines" contains "$(out hostile-json)" 'second line'
lxd Running "$PRIV"

echo "# --strict"
nc priv-strict lxd web --strict --json
check "--strict: a warn is exit 1" rc_is 1

echo "# --junit"
nc priv-junit lxd web --junit "$TMP/priv.xml"
check "--junit: exit 0" rc_is 0
check "--junit: lxd.instance is a testcase, the instance in its class" contains "$TMP/priv.xml" '<testcase classname="web.lxd" name="lxd.instance"'
check "--junit: the instance names the testsuite" contains "$TMP/priv.xml" '<testsuite name="nestcheck web"'
check "--junit: so is container.detect" contains "$TMP/priv.xml" 'name="container.detect"'
check "--junit: the human report still on stdout" contains "$(out priv-junit)" "lxd.instance"
nc junit-bad lxd web --junit "$TMP/no/such/dir/x.xml"
check "--junit into a missing directory: exit 2, one line" eval 'rc_is 2 && one_line "$(err junit-bad)"'

echo "# --ignore"
lxd Running "$SMALL"
nc small lxd web --json
check "a 1000-id map: exit 1" rc_is 1
check "lxd.instance fails" status_is "$(out small)" lxd.instance fail
nc small-ign lxd web --json --ignore lxd.instance
check "--ignore lxd.instance: exit 0" rc_is 0
check "--ignore lxd.instance: a warn, marked ignored" \
	eval 'status_is "$(out small-ign)" lxd.instance warn && [ "$(jget "$(out small-ign)" checks.lxd.instance.evidence.ignored)" = true ]'
nc small-ign-area lxd web --json --ignore lxd
check "--ignore lxd (an area): exit 0" rc_is 0

echo "# --only, --skip"
nc only-lxd lxd web --json --only lxd
check "--only lxd: lxd.instance runs" status_is "$(out only-lxd)" lxd.instance fail
nc only-cont lxd web --json --only container
check "--only container: no lxd.instance" [ "$(ids only-cont)" = "container.detect " ]
check "--only container: exit 0" rc_is 0
nc skip-lxd lxd web --json --skip lxd.instance
check "--skip lxd.instance: not in the report" [ "$(ids skip-lxd)" = "container.detect " ]

echo "# --policy: judges the combined report"
printf '{"must_pass": ["lxd.instance", "container.detect"]}\n' >"$TMP/policy.json"
nc pol lxd web --json --policy "$TMP/policy.json"
check "--policy: exit 1" rc_is 1
check "policy.gate comes last" [ "$(ids pol)" = "lxd.instance container.detect policy.gate " ]
check "policy.gate fails on lxd.instance (judged on the host)" \
	eval 'status_is "$(out pol)" policy.gate fail && [ "$(jget "$(out pol)" checks.policy.gate.evidence.must_pass_not_passed)" = "lxd.instance (fail)" ]'
printf '{"must_pass": ["container.detect"]}\n' >"$TMP/policy-ok.json"
nc pol-ok lxd web --json --policy "$TMP/policy-ok.json" --only container
check "--policy with --only container: the gate still runs, and passes" \
	eval 'rc_is 0 && status_is "$(out pol-ok)" policy.gate pass'
nc pol-skip lxd web --json --policy "$TMP/policy.json" --skip policy,lxd
check "--skip policy: no gate" [ "$(ids pol-skip)" = "container.detect " ]

echo "# --record: what LXD said and the host files read, replayed alone"
nc rec lxd web --json --record "$TMP/rec.obs"
check "--record: exit as without it" rc_is 1
for k in lxd.instance.name lxd.instance.status lxd.instance.config file:sys/module/apparmor/parameters/enabled \
	file:proc/filesystems; do
	check "--record holds $k" grep -q "^$k=" "$TMP/rec.obs"
done
mkdir -p "$TMP/replay/.nestcheck"
cp "$TMP/rec.obs" "$TMP/replay/.nestcheck/observations"
nc replay --root "$TMP/replay" --json --only lxd.instance
check "the replay: lxd.instance as live" status_is "$(out replay)" lxd.instance fail
for k in summary evidence.host_apparmor evidence.host_overlay evidence.idmap_size; do
	check "the replay: the same $k" [ "$(jget "$(out replay)" "checks.lxd.instance.$k")" = "$(jget "$(out rec)" "checks.lxd.instance.$k")" ]
done
nc rec-bad lxd web --record "$TMP/no/such/dir/rec.obs"
check "--record into a missing directory: exit 2, one line" eval 'rc_is 2 && one_line "$(err rec-bad)"'

echo "# what cannot run: exit 2, one line, nothing on stdout, no output file"
cannot() { # cannot NAME TEXT ARGS...
	local name=$1 text=$2
	shift 2
	nc "$name" lxd "$@" --json --junit "$TMP/$name.xml"
	check "$name: exit 2" rc_is 2 || show "$name"
	check "$name: one line on stderr saying '$text'" eval 'one_line "$(err "$name")" && contains "$(err "$name")" "$text"'
	check "$name: nothing on stdout" is_empty "$(out "$name")"
	check "$name: no JUnit file" [ ! -e "$TMP/$name.xml" ]
}
cannot missing "has no instance nope" nope
lxd Stopped "$PRIV"
cannot stopped "is Stopped, not Running" web
lxd Running "$PRIV" "$TMP/canned/notjson.txt"
cannot notjson "cannot be read" web

echo "# --all: every running container, each by a child, then the roll-up"
c list.json '{"type":"sync","status":"Success","status_code":200,"metadata":[
 {"name":"web","status":"Running","type":"container"},
 {"name":"web2","status":"Running","type":"container"},
 {"name":"gone","status":"Running","type":"container"},
 {"name":"vm1","status":"Running","type":"virtual-machine"},
 {"name":"off","status":"Stopped","type":"container"}]}'
c instance.json "{\"type\":\"sync\",\"status\":\"Success\",\"status_code\":200,\"metadata\":{\"name\":\"web\",\"status\":\"Running\",\"expanded_config\":$PRIV}}"
routes=("GET:/1.0/instances=200:$TMP/canned/list.json" "GET:/1.0/operations/op1/wait=200:$TMP/canned/wait.json"
	"GET:/1.0/instances/web/logs/out=200:$TMP/canned/report.json" "GET:/1.0/instances/web/logs/err=200:$TMP/canned/empty.txt")
for i in web web2; do
	routes+=("GET:/1.0/instances/$i=200:$TMP/canned/instance.json" "POST:/1.0/instances/$i/files=200:$TMP/canned/sync.json"
		"POST:/1.0/instances/$i/exec=202:$TMP/canned/exec.json")
done
peer_at "$LXD_DIR/unix.socket" routes "${routes[@]}"
nc all lxd --all --json --report-dir "$TMP/fleet" --no-launch --jobs 2
check "--all: exit 1 (an instance could not be checked)" rc_is 1 || show all
check "--all: the two checked instances are systems" [ "$(jq_ "$(out all)" systems | grep -o '"file":' | wc -l)" -eq 2 ]
check "--all: the one that failed is listed with its reason" contains "$(out all)" "gone: LXD at $LXD_DIR/unix.socket has no instance gone"
check "--all: no virtual machine, no stopped instance" eval 'lacks "$(out all)" vm1 && lacks "$(out all)" "\"off'"'"'"'
check "--all: each instance's report kept in --report-dir" eval '[ -s "$TMP/fleet/web.json" ] && [ -s "$TMP/fleet/web2.json" ]'
check "--all: a child's report names its instance" [ "$(jget "$TMP/fleet/web2.json" instance.name)" = web2 ]
check "--all: the options went to each child" [ "$(jget "$TMP/fleet/web.json" checks.launch.container.status)" = "" ]
nc all-human lxd --all
check "--all, human: the roll-up and the fleet's verdict" eval 'contains "$(out all-human)" "nestcheck: 2 systems" &&
	contains "$(out all-human)" "not checked (1)"'
check "--all without --report-dir leaves no temporary directory" [ -z "$(ls -d /tmp/nestcheck-fleet.* 2>/dev/null)" ]
nc all-name lxd --all web
check "--all with a name: exit 2, one line" eval 'rc_is 2 && one_line "$(err all-name)"'
nc all-junit lxd --all --junit "$TMP/x.xml"
check "--all with --junit: exit 2, one line" eval 'rc_is 2 && one_line "$(err all-junit)"'
nc jobs-alone lxd web --jobs 3
check "--jobs without --all: exit 2" eval 'rc_is 2 && contains "$(err jobs-alone)" "go with --all"'
nc badproj lxd web --project 'a/b'
check "a project name with a slash: exit 2" eval 'rc_is 2 && contains "$(err badproj)" "not a project name"'
export FAKEPEER_LOG=$TMP/proj.log
lxd Running "$PRIV"
nc proj lxd web --project team1 --json
# The log: "METHOD PATH", then "?QUERY" when there is one.
check "--project: every request about the instance names it" \
	eval '[ "$(grep -A1 "^[A-Z]* /1.0/instances/web" "$FAKEPEER_LOG" | grep -c "^?.*project=team1")" -eq "$(grep -c "^[A-Z]* /1.0/instances/web" "$FAKEPEER_LOG")" ]' ||
	head -n 20 "$FAKEPEER_LOG"
check "--project: the report names it" [ "$(jget "$(out proj)" instance.project)" = team1 ]
unset FAKEPEER_LOG

echo "# nestcheck incus: the same through Incus's socket, fixes in Incus's words"
export INCUS_SOCKET=$TMP/incus.socket
incus_peer() { # the fake LXD's routes, at Incus's socket
	c instance.json "{\"type\":\"sync\",\"status\":\"Success\",\"status_code\":200,\"metadata\":{\"name\":\"web\",\"status\":\"$1\",\"expanded_config\":$2}}"
	peer_at "$INCUS_SOCKET" routes \
		"GET:/1.0/instances/web=200:$TMP/canned/instance.json" \
		"POST:/1.0/instances/web/files=200:$TMP/canned/sync.json" \
		"POST:/1.0/instances/web/exec=202:$TMP/canned/exec.json" \
		"GET:/1.0/operations/op1/wait=200:$TMP/canned/wait.json" \
		"GET:/1.0/instances/web/logs/out=200:$TMP/canned/report.json" \
		"GET:/1.0/instances/web/logs/err=200:$TMP/canned/empty.txt"
}
incus_peer Running "$SMALL"
nc inc incus web --json --record "$TMP/inc.obs"
check "incus: a 1000-id map: exit 1" rc_is 1 || show inc
check "incus: lxd.instance fails" status_is "$(out inc)" lxd.instance fail
check "incus: lxd.instance says platform incus" [ "$(jget "$(out inc)" checks.lxd.instance.evidence.platform)" = incus ]
check "incus: the fix is incus config set" contains <(jget "$(out inc)" checks.lxd.instance.remediation) \
	"incus config set web security.idmap.size 1000000"
check "incus: and incus restart" contains <(jget "$(out inc)" checks.lxd.instance.remediation) "incus restart web"
check "incus: no lxc command" lacks <(jget "$(out inc)" checks.lxd.instance.remediation) '"lxc '
check "incus: --record holds the platform" grep -qx "lxd.instance.platform=incus" "$TMP/inc.obs"
mkdir -p "$TMP/replay-inc/.nestcheck"
cp "$TMP/inc.obs" "$TMP/replay-inc/.nestcheck/observations"
nc inc-replay --root "$TMP/replay-inc" --json --only lxd.instance
check "incus: the replay words its fix for Incus too" contains <(jget "$(out inc-replay)" checks.lxd.instance.remediation) \
	"incus config set web security.idmap.size 1000000"
nc inc-help incus --help
check "incus --help: exit 0, names nestcheck incus and Incus's socket" \
	eval 'rc_is 0 && contains "$(out inc-help)" "nestcheck incus NAME" && contains "$(out inc-help)" "INCUS_SOCKET"'
nc inc-missing incus nope --json
check "incus: a missing instance: exit 2, one line naming Incus" \
	eval 'rc_is 2 && one_line "$(err inc-missing)" && contains "$(err inc-missing)" "Incus at $INCUS_SOCKET has no instance nope"'
export INCUS_SOCKET=$TMP/none.socket
nc inc-nosock incus web
check "incus: no socket: exit 2, one line" \
	eval 'rc_is 2 && one_line "$(err inc-nosock)" && contains "$(err inc-nosock)" "no Incus socket at $TMP/none.socket"'
unset INCUS_SOCKET

finish
