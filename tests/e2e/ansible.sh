#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# tests/e2e/ansible.sh NESTCHECK SOURCE_DIR JSONQ
#
# Live, as root: the Ansible collection of contrib/ansible (nestcheck.fleet),
# built and installed with ansible-galaxy, and its playbook run by Debian's
# ansible through community.general's lxd connection plugin (no SSH) over six
# LXD instances of an image with python3 (the busybox + Docker image of
# tests/lxd/env.sh):
#   ok      nesting, cgroups mounted, dockerd running: docker run works there,
#           and the playbook's report has launch.container pass;
#   plain   nesting, no cgroups mounted: not_ready (cgroup.layout fail);
#   nonest  no security.nesting, cgroups mounted: container.nesting warns (no
#           AppArmor here);
#   small   an isolated map of 1000 ids: userns.idmap fails;
#   priv    security.privileged: userns.idmap warns;
#   has     nestcheck installed in the instance, cgroups mounted: the role
#           runs it, no push.
# Asserted: each fetched report agrees, check by check outside the launch
# area, with `nestcheck lxd NAME` of the same instance; the roll-up (JSON,
# JUnit, HTML) names every host and the failing ones; the module's facts; a
# Prometheus file written by the same run passes promtool; changed=0
# everywhere; --check skips the launches; nestcheck_fail_on=not_ready fails
# exactly the not_ready hosts and still fetches and merges every report; the
# module's own errors; the documented inventory recipe (the lxd inventory
# plugin says ansible_connection=local for an instance without a NIC, the
# constructed overlay fixes it); nothing of a run left in any instance or on
# the controller. Starts lxcfs/LXD only if LXD is not answering; removes what
# it creates.
set -uo pipefail

NC=$(readlink -f "$1") SRC=$(readlink -f "$2") JSONQ=$(readlink -f "$3")
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for c in lxc lxd lxcfs dockerd busybox python3 ansible-playbook ansible-galaxy; do
	command -v "$c" >/dev/null 2>&1 ||
		{ echo "SKIP: $c missing (apt-get install lxd lxc lxcfs docker.io busybox-static ansible)"; exit 77; }
done

T0=$SECONDS
TMP=$(mktemp -d /tmp/nestcheck-e2e-ansible.XXXXXX) || exit 2
NESTCHECK_LXD_STATE=$TMP.state
# shellcheck disable=SC2034 # read by env.sh
NESTCHECK_LXD_LOGDIR=$TMP
# shellcheck source=../lxd/env.sh
. "$SRC/tests/lxd/env.sh"
IMAGE=nc-ans-$$
P=nc-ans-$$
HOSTS="$P-ok $P-plain $P-nonest $P-small $P-priv $P-has"

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	lxd_session_end || rc=1
	rm -rf "$TMP"
	echo "e2e.ansible: $((SECONDS - T0)) s"
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
q() { "$JSONQ" "$1" "$2" 2>/dev/null; }
# The sanitizer build runs on both sides; leaks are the unit tiers' business.
export ASAN_OPTIONS=detect_leaks=0

# cb FILE WHAT...: read ansible's json callback output.
#   stats HOST KEY          a recap figure (ok, changed, failures, skipped, ...)
#   task NAME HOST PATH     PATH (dots) in HOST's result of the last task named NAME
#   why HOST                the tasks that failed on HOST, with their messages
cat >"$TMP/cb.py" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
if sys.argv[2] == "stats":
    print(doc["stats"].get(sys.argv[3], {}).get(sys.argv[4], "none"))
    sys.exit(0)
if sys.argv[2] == "why":  # why HOST: the tasks that failed on HOST, and their words
    for play in doc["plays"]:
        for t in play["tasks"]:
            r = t["hosts"].get(sys.argv[3])
            if r and (r.get("failed") or r.get("unreachable")):
                print("%s: %s %s" % (t["task"]["name"], r.get("msg", ""), r.get("stderr", "")))
    sys.exit(0)
if sys.argv[2] == "lost":  # the hosts where a task failed because lxc exec lost a command's output
    lost = set()
    for play in doc["plays"]:
        for t in play["tasks"]:
            for h, r in t["hosts"].items():
                if not (r.get("failed") or r.get("unreachable")):
                    continue
                msg = r.get("msg", "")
                if "returned empty string" in msg or (msg.startswith("MODULE FAILURE") and
                                                      r.get("rc") == 0 and not r.get("module_stdout")):
                    lost.add(h)
    print(" ".join(sorted(lost)))
    sys.exit(0)
name, host, path = sys.argv[3], sys.argv[4], sys.argv[5]
res = None
for play in doc["plays"]:
    for t in play["tasks"]:
        if t["task"]["name"].split(" : ")[-1] == name and host in t["hosts"]:
            res = t["hosts"][host]
if res is None:
    print("none"); sys.exit(0)
for k in path.split("."):
    if isinstance(res, dict) and k in res:
        res = res[k]
    else:
        print("none"); sys.exit(0)
print(json.dumps(res) if isinstance(res, (dict, list)) else str(res).lower() if isinstance(res, bool) else res)
EOF
cb() { python3 "$TMP/cb.py" "$@" 2>/dev/null || echo "unreadable"; }

lxd_up || { echo "cannot start LXD"; exit 2; }
lxd_image_build "$IMAGE" python || { echo "cannot build the image"; exit 2; }

# The collection, as users get it: built and installed with ansible-galaxy.
mkdir -p "$TMP/collections" "$TMP/work"
if ansible-galaxy collection build "$SRC/contrib/ansible" --output-path "$TMP" >"$TMP/galaxy.log" 2>&1 &&
	ansible-galaxy collection install -p "$TMP/collections" "$TMP"/nestcheck-fleet-*.tar.gz >>"$TMP/galaxy.log" 2>&1; then
	ok "ansible-galaxy built and installed nestcheck.fleet"
else
	bad "ansible-galaxy: $(tail -n 3 "$TMP/galaxy.log")"
	exit 1
fi
export ANSIBLE_COLLECTIONS_PATH=$TMP/collections ANSIBLE_PIPELINING=1 ANSIBLE_FORKS=10 \
	ANSIBLE_HOST_KEY_CHECKING=0 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_LOCAL_TEMP=$TMP/ansible-local
doc=$(ansible-doc nestcheck.fleet.nestcheck 2>&1)
grep -q "fail_on" <<<"$doc" && ok "ansible-doc shows the module's options" || bad "ansible-doc: $(head -n 3 <<<"$doc")"

# The instances.
for n in ok plain nonest small priv has; do
	case $n in
	nonest) set -- ;;
	small) set -- security.nesting=true security.idmap.isolated=true security.idmap.size=1000 ;;
	priv) set -- security.nesting=true security.privileged=true ;;
	*) set -- security.nesting=true ;;
	esac
	lxd_launch "$P-$n" "$IMAGE" "$@" || { bad "launch $P-$n"; exit 1; }
done
real=fail
for n in ok nonest priv has; do lxd_mount_cgroups "$P-$n" || bad "cannot mount cgroups in $P-$n"; done
if lxd_docker_start "$P-ok" &&
	docker_test_image_in "$P-ok" >/dev/null 2>&1 &&
	lxc exec "$P-ok" -- docker run --rm --network none local/busybox:1 true </dev/null >"$TMP/run.log" 2>&1; then
	real=ok
fi
check "docker run in $P-ok (ground truth)" "$real" ok
# has: nestcheck installed (the bundle in /opt, a command in /usr/local/bin).
if sh "$SRC/scripts/bundle.sh" "$TMP/bundle" "$NC" >"$TMP/bundle.log" 2>&1 &&
	lxc exec "$P-has" -- mkdir -p /opt </dev/null && lxc file push -r -q "$TMP/bundle" "$P-has/opt/" </dev/null &&
	lxc exec "$P-has" -- sh -c 'mv /opt/bundle /opt/nestcheck && mkdir -p /usr/local/bin &&
		printf "#!/bin/sh\nexport ASAN_OPTIONS=detect_leaks=0\nexec /opt/nestcheck/nestcheck-run \"\$@\"\n" >/usr/local/bin/nestcheck &&
		chmod 755 /usr/local/bin/nestcheck && nestcheck --version' </dev/null >"$TMP/has.log" 2>&1; then
	ok "nestcheck installed in $P-has: $(tail -n 1 "$TMP/has.log")"
else
	bad "cannot install nestcheck in $P-has: $(tail -n 3 "$TMP/bundle.log" "$TMP/has.log")"
fi

# A static inventory, as the collection's README recommends.
{
	echo "all:"
	echo "  hosts:"
	for h in $HOSTS; do echo "    $h:"; done | grep -v "^    $P-ok:"
	echo "    $P-ok:"
	echo "      nestcheck_reports: ['prometheus:/var/tmp/nestcheck.prom']"
	echo "  vars:"
	echo "    ansible_connection: community.general.lxd"
	echo "    ansible_python_interpreter: /usr/bin/python3"
	echo "    nestcheck_controller_binary: $NC"
	echo "    nestcheck_bundle_script: $SRC/scripts/bundle.sh"
	echo "    nestcheck_fetch_dir: $TMP/work/reports"
	echo "    nestcheck_fleet: $TMP/work/fleet"
	echo "    nestcheck_environment: {ASAN_OPTIONS: detect_leaks=0}"
} >"$TMP/inventory.yml"

# play LOG ARGS...: the fleet playbook, json callback output in LOG, its exit status in PLAY_RC.
# LXD before 5.14 may lose a command's output under load (canonical/lxd#11422,
# fixed in 5.14; Debian 12 has 5.0): Ansible's lxd connection then fails a
# task whose command ran. Such a run is made once more, after removing the
# temporary directory whose name was lost; any other failure stands.
play() {
	local log=$1 try lost h
	shift
	for try in 1 2; do
		(cd "$TMP/work" && ANSIBLE_STDOUT_CALLBACK=json ansible-playbook -i "$TMP/inventory.yml" nestcheck.fleet.fleet \
			"$@" >"$log" 2>"$log.err")
		PLAY_RC=$?
		[ "$PLAY_RC" != 0 ] && [ "$try" = 1 ] || return 0
		lost=$(python3 "$TMP/cb.py" "$log" lost 2>/dev/null)
		[ -n "$lost" ] || return 0
		echo "      lxc exec lost a command's output on $lost (canonical/lxd#11422): the playbook once more"
		for h in $lost; do
			cb "$log" why "$h" | cut -c 1-160 | sed "s/^/        $h: /"
			lxc exec "$h" -- sh -c 'rm -rf /root/.ansible/tmp/ansible-tmp-*' </dev/null
		done
	done
}

# --- a run over the fleet
CFG=run
t=$SECONDS
play "$TMP/run.json"
rc=$PLAY_RC
echo "      ansible-playbook nestcheck.fleet.fleet over 6 instances: $((SECONDS - t)) s, exit $rc"
check "playbook exit" "$rc" 0
[ "$rc" = 0 ] || { head -c 2000 "$TMP/run.json"; cat "$TMP/run.json.err"; }
for h in $HOSTS; do
	check "$h: changed" "$(cb "$TMP/run.json" stats "$h" changed)" 0
	check "$h: failures" "$(cb "$TMP/run.json" stats "$h" failures)" 0
	cb "$TMP/run.json" why "$h" | sed 's/^/      /'
	f=$TMP/work/reports/$h.json
	check "$h: its report fetched, naming it" "$(q "$f" host.name)" "$h"
	check "$h: facts' verdict is the report's" "$(cb "$TMP/run.json" task "Run nestcheck" "$h" ansible_facts.nestcheck.verdict)" \
		"$(q "$f" verdict)"
	check "$h: the module changed nothing" "$(cb "$TMP/run.json" task "Run nestcheck" "$h" changed)" false
	# The same instance through nestcheck lxd: the same status for every check outside the launch area.
	ASAN_OPTIONS=detect_leaks=0 "$NC" lxd "$h" --json --no-launch >"$TMP/$h.direct.json" 2>"$TMP/$h.direct.err"
	diffs=$(python3 - "$f" "$TMP/$h.direct.json" <<'EOF'
import json, sys
a = {c["id"]: c["status"] for c in json.load(open(sys.argv[1]))["checks"]}
b = {c["id"]: c["status"] for c in json.load(open(sys.argv[2]))["checks"]}
print(" ".join("%s:%s/%s" % (k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b))
               if not k.startswith("launch.") and k != "lxd.instance" and a.get(k) != b.get(k)))
EOF
	)
	check "$h: statuses as nestcheck lxd $h says (launch aside)" "${diffs:-none}" none
done
check "has: the bundle not pushed (nestcheck is installed)" \
	"$(cb "$TMP/run.json" task "Push the bundle" "$P-has" skipped)" true
check "ok: the bundle pushed" "$(cb "$TMP/run.json" task "Push the bundle" "$P-ok" skipped)" none
r=$TMP/work/reports
check "ok: launch.container (docker run works there)" "$(q "$r/$P-ok.json" checks.launch.container.status)" pass
check "ok: facts say it launched" "$(cb "$TMP/run.json" task "Run nestcheck" "$P-ok" ansible_facts.nestcheck.launch)" true
[ "$(q "$r/$P-ok.json" verdict)" != not_ready ] && ok "ok: verdict $(q "$r/$P-ok.json" verdict)" || bad "ok: not_ready"
check "plain: cgroup.layout" "$(q "$r/$P-plain.json" checks.cgroup.layout.status)" fail
check "plain: verdict" "$(q "$r/$P-plain.json" verdict)" not_ready
check "nonest: container.nesting" "$(q "$r/$P-nonest.json" checks.container.nesting.status)" warn
check "small: userns.idmap" "$(q "$r/$P-small.json" checks.userns.idmap.status)" fail
check "priv: userns.idmap" "$(q "$r/$P-priv.json" checks.userns.idmap.status)" warn
failed=$(cb "$TMP/run.json" task "Run nestcheck" "$P-small" ansible_facts.nestcheck.failed)
case $failed in *userns.idmap*) ok "small: facts list userns.idmap as failed" ;; *) bad "small: facts' failed = $failed" ;; esac
# The roll-up.
fl=$TMP/work/fleet.json
check "roll-up: systems" "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["systems"]))' "$fl" 2>&1)" 6
check "roll-up: verdict" "$(q "$fl" verdict)" not_ready
fails=$(python3 -c '
import json, sys
for c in json.load(open(sys.argv[1]))["checks"]:
    if c["failing"]: print(c["id"], *sorted(c["failing"]))' "$fl" 2>&1)
grep -qx "cgroup.layout .*$P-plain.*" <<<"$fails" && grep -qx "userns.idmap .*$P-small.*" <<<"$fails" &&
	ok "roll-up: cgroup.layout fails on plain, userns.idmap on small" || bad "roll-up's failing: $fails"
n=$(xmllint --xpath 'count(//testsuite)' "$TMP/work/fleet.xml" 2>&1)
check "roll-up JUnit: testsuites" "$n" 6
missing=
for h in $HOSTS; do grep -q "$h" "$TMP/work/fleet.html" || missing="$missing $h"; done
check "roll-up HTML names every host" "${missing:-none}" none
table=$(python3 -c '
import json, sys
for p in json.load(open(sys.argv[1]))["plays"]:
    for t in p["tasks"]:
        if t["task"]["name"] == "Show it":
            print("\n".join(t["hosts"]["localhost"]["msg"]))' "$TMP/run.json" 2>&1)
grep -q "fleet verdict: not_ready" <<<"$table" && ok "the playbook shows the roll-up's table" || bad "no table: $(head -c 300 <<<"$table")"
echo "      the playbook's roll-up:"
sed 's/^/      | /' <<<"$table"
# The Prometheus file the same run wrote in ok.
if lxc file pull -q "$P-ok/var/tmp/nestcheck.prom" "$TMP/ok.prom" </dev/null; then
	if command -v promtool >/dev/null; then
		out=$(promtool check metrics <"$TMP/ok.prom" 2>&1)
		check "promtool check metrics on ok's file ($out)" "$?" 0
	else
		echo "skip: promtool missing (apt-get install prometheus)"
	fi
	grep -q "^nestcheck_verdict{verdict=\"$(q "$r/$P-ok.json" verdict)\"} 1" "$TMP/ok.prom" &&
		ok "the file's verdict is the report's" || bad "prometheus verdict: $(grep verdict "$TMP/ok.prom")"
	lxc exec "$P-ok" -- rm -f /var/tmp/nestcheck.prom </dev/null
else
	bad "no /var/tmp/nestcheck.prom in $P-ok"
fi

left() { # nothing of a run in the instances or on the controller
	local h l
	for h in $HOSTS; do
		l=$(lxc exec "$h" -- sh -c 'ls -d /var/tmp/nestcheck-* /tmp/nestcheck-* /root/.ansible/tmp/* 2>/dev/null' </dev/null | tr '\n' ' ')
		check "$h: nothing left" "${l:-none}" none
	done
	l=$(ls -d /tmp/nestcheck-bundle.* 2>/dev/null | tr '\n' ' ')
	check "controller: no bundle left" "${l:-none}" none
}
left

# --- check mode: no launches, reports still fetched and merged
CFG=check
rm -f "$TMP/work/fleet.json"
play "$TMP/check.json" --check
rc=$PLAY_RC
check "playbook --check exit" "$rc" 0
[ "$rc" = 0 ] || { for h in $HOSTS; do cb "$TMP/check.json" why "$h" | sed "s/^/      $h: /"; done; tail -n 5 "$TMP/check.json.err" | sed "s/^/      | /"; }
check "ok: launch.container skipped" "$(q "$r/$P-ok.json" checks.launch.container.status)" skip
check "ok: facts say no launch" "$(cb "$TMP/check.json" task "Run nestcheck" "$P-ok" ansible_facts.nestcheck.launch)" false
for h in $HOSTS; do check "$h: changed" "$(cb "$TMP/check.json" stats "$h" changed)" 0; done
check "roll-up written in check mode" "$(q "$TMP/work/fleet.json" verdict)" not_ready
l=$(lxc exec "$P-ok" -- ls /var/tmp/nestcheck.prom </dev/null 2>&1)
check "no Prometheus file written in check mode" "$l" "ls: /var/tmp/nestcheck.prom: No such file or directory"
left

# --- fail_on: the not_ready hosts fail; every report is still fetched and merged
CFG=fail_on
rm -f "$r"/*.json
play "$TMP/failon.json" -e nestcheck_fail_on=not_ready -e nestcheck_launch=false
rc=$PLAY_RC
check "playbook exit (hosts failed)" "$rc" 2
for h in $HOSTS; do
	want=0
	case $h in "$P-plain" | "$P-small") want=1 ;; esac
	check "$h: failures" "$(cb "$TMP/failon.json" stats "$h" failures)" "$want"
	[ "$want" = 1 ] || cb "$TMP/failon.json" why "$h" | sed 's/^/      /'
	[ -s "$r/$h.json" ] && ok "$h: report fetched" || bad "$h: no report"
done
msg=$(cb "$TMP/failon.json" task "Run nestcheck" "$P-small" msg)
case $msg in "nestcheck: not_ready: "*userns.idmap*) ok "small: '$msg'" ;; *) bad "small's message: $msg" ;; esac
check "the roll-up still made" "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["systems"]))' "$TMP/work/fleet.json" 2>&1)" 6
left

# --- the module alone: its errors
CFG=module
adhoc() { # ARGS: the module on has, one line out
	ansible -i "$TMP/inventory.yml" "$P-has" -o -m nestcheck.fleet.nestcheck -a "$1" 2>&1
}
out=$(adhoc "binary=/nonexistent/nestcheck")
case $out in *FAILED*"nestcheck not found as '/nonexistent/nestcheck'"*) ok "a missing binary: a clear failure" ;;
*) bad "a missing binary: $out" ;; esac
out=$(adhoc "only=no.such_check launch=false")
case $out in *FAILED*"nestcheck could not run (exit 2)"*no.such_check*) ok "exit 2: the host fails with nestcheck's line" ;;
*) bad "exit 2: $out" ;; esac
out=$(adhoc "only=kernel.version launch=false fail_on=degraded")
case $out in *SUCCESS*'"verdict": "ready"'*) ok "one check, fail_on=degraded, ready: success" ;; *) bad "only kernel.version: $(head -c 300 <<<"$out")" ;; esac

# --- the inventory recipe: the lxd inventory plugin, then its connection corrected
CFG=inventory
# The README's two files: 01-lxd.yml names the snap's socket; the plugin falls back to /var/lib/lxd's.
mkdir -p "$TMP/inv.d"
cp "$SRC/contrib/ansible/docs/inventory/01-lxd.yml" "$TMP/inv.d/" || bad "contrib/ansible/docs/inventory/01-lxd.yml missing"
hostvar() { # INVENTORY HOST VAR
	ansible-inventory -i "$1" --host "$2" 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1]))' "$3" 2>&1
}
# The pitfall: ssh to an address LXD lists (ok's docker0 counts), or local without one,
# which a play's `connection:` keyword does not override: its tasks run on the controller.
printf '%s\n' '- hosts: all' '  connection: community.general.lxd' '  gather_facts: false' '  tasks:' \
	'    - {command: hostname, register: h}' '    - {debug: {msg: "{{ h.stdout }}"}}' >"$TMP/keyword.yml"
where=$(ANSIBLE_STDOUT_CALLBACK=json ansible-playbook -i "$TMP/inv.d/01-lxd.yml" -l "$P-nonest" "$TMP/keyword.yml" 2>/dev/null |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["plays"][0]["tasks"][1]["hosts"][sys.argv[1]]["msg"])' "$P-nonest" 2>&1)
check "the lxd plugin with a play's connection keyword: nonest's task ran on" "$where" "$(hostname)"
check "the lxd inventory plugin alone: ansible_connection of ok (dockerd's bridge)" \
	"$(hostvar "$TMP/inv.d/01-lxd.yml" "$P-ok" ansible_connection)" ssh
check "... of nonest (no address)" "$(hostvar "$TMP/inv.d/01-lxd.yml" "$P-nonest" ansible_connection)" local
cp "$SRC/contrib/ansible/docs/inventory/02-connection.yml" "$TMP/inv.d/" ||
	bad "contrib/ansible/docs/inventory/02-connection.yml missing"
for h in ok nonest; do
	check "with the constructed overlay: ansible_connection of $h" \
		"$(hostvar "$TMP/inv.d" "$P-$h" ansible_connection)" community.general.lxd
done
check "... and ok reached by its name, not docker0's address" "$(hostvar "$TMP/inv.d" "$P-ok" ansible_lxd_host)" "$P-ok"
out=$(ansible -i "$TMP/inv.d" "$P-*" -m ping -o 2>&1)
check "ping over the corrected inventory" "$(grep -c "SUCCESS" <<<"$out")" 6

exit "$fail"
