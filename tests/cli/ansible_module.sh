#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# tests/cli/ansible_module.sh NESTCHECK SOURCE_DIR JSONQ
#
# The Ansible module nestcheck.fleet.nestcheck (contrib/ansible) run by
# Debian's ansible on this machine (local connection, no containers started:
# launch=false or check mode): the report it returns and the facts it sets,
# changed=false, the command it builds (--no-launch in check mode), its
# reports and json_path (and which of them check mode writes), fail_on, and
# its failures: a missing binary, nestcheck's exit 2, a report without a path.
set -uo pipefail

NC=$(readlink -f "$1") SRC=$(readlink -f "$2") JSONQ=$(readlink -f "$3")
command -v ansible >/dev/null 2>&1 || { echo "SKIP: ansible missing (apt-get install ansible)"; exit 77; }

TMP=$(mktemp -d /tmp/nestcheck-cli-ansible.XXXXXX) || exit 2
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/collections/ansible_collections/nestcheck"
ln -s "$SRC/contrib/ansible" "$TMP/collections/ansible_collections/nestcheck/fleet"
export ANSIBLE_COLLECTIONS_PATH=$TMP/collections ANSIBLE_LOCAL_TEMP=$TMP/local ANSIBLE_REMOTE_TEMP=$TMP/remote \
	ANSIBLE_NOCOLOR=1 ASAN_OPTIONS=detect_leaks=0

fail=0
ok() { echo "ok    $*"; }
bad() { echo "FAIL  $*"; fail=1; }
check() { # check WHAT GOT WANT
	if [ "$2" = "$3" ]; then ok "$1 = $2"; else bad "$1 = '$2', want '$3'"; fi
}
# run [--check] ARGS: the module on localhost; "STATUS" on the first line, the result as JSON in $TMP/r.json
run() {
	local out
	out=$(ansible localhost -c local -i localhost, -o -e 'ansible_python_interpreter={{ ansible_playbook_python }}' \
		-m nestcheck.fleet.nestcheck "$@" 2>"$TMP/err")
	python3 - "$out" "$TMP/r.json" <<'EOF'
import json, re, sys
m = re.match(r"^\S+ \| (\w+)!? => (\{.*\})\s*$", sys.argv[1], re.S)
if not m:
    print("UNPARSED " + sys.argv[1][:300])
    sys.exit(0)
json.dump(json.loads(m.group(2)), open(sys.argv[2], "w"))
print(m.group(1))
EOF
}
r() { "$JSONQ" "$TMP/r.json" "$1" 2>/dev/null; }
has_arg() { python3 -c 'import json,sys; print(str(sys.argv[2] in json.load(open(sys.argv[1]))["command"]).lower())' "$TMP/r.json" "$1"; }

# A run without launches: the report, the facts, nothing changed.
"$NC" --json --no-launch >"$TMP/direct.json" 2>/dev/null
check "launch=false: result" "$(run -a "binary=$NC launch=false")" SUCCESS
check "changed" "$(r changed)" false
check "report's verdict is nestcheck's own" "$(r report.verdict)" "$("$JSONQ" "$TMP/direct.json" verdict)"
check "verdict" "$(r verdict)" "$(r report.verdict)"
check "facts: verdict" "$(r ansible_facts.nestcheck.verdict)" "$(r report.verdict)"
check "facts: version" "$(r ansible_facts.nestcheck.version)" "$("$NC" --version | cut -d' ' -f2)"
check "facts: host" "$(r ansible_facts.nestcheck.host)" "$(uname -n)"
check "facts: pass count" "$(r ansible_facts.nestcheck.summary.pass)" "$(r report.summary.pass)"
check "facts: launched" "$(r ansible_facts.nestcheck.launch)" false
check "--no-launch in the command" "$(has_arg --no-launch)" true

# Check mode: --no-launch even with launch=true; json_path written, reports not.
check "check mode: result" "$(run --check -a "binary=$NC json_path=$TMP/c.json reports=tap:$TMP/c.tap")" SUCCESS
check "check mode: --no-launch in the command" "$(has_arg --no-launch)" true
check "check mode: json_path written" "$("$JSONQ" "$TMP/c.json" verdict 2>/dev/null)" "$(r verdict)"
check "check mode: tap report not written" "$([ -e "$TMP/c.tap" ] && echo written || echo absent)" absent
check "reports and json_path: result" \
	"$(run -a "binary=$NC launch=false only=kernel.version json_path=$TMP/j.json reports=tap:$TMP/j.tap")" SUCCESS
check "json_path: the report" "$("$JSONQ" "$TMP/j.json" checks.kernel.version.status 2>/dev/null)" "$(r report.checks.kernel.version.status)"
grep -q '^ok 1 - kernel.version' "$TMP/j.tap" 2>/dev/null && ok "reports: the TAP file" || bad "reports: no TAP file: $(head -c 200 "$TMP/j.tap" 2>&1)"
check "the module's --only" "$(has_arg kernel.version)" true

# fail_on: a policy's failed minimum makes the run not_ready.
printf '{"min_kernel": "999.0"}\n' >"$TMP/policy.json"
check "policy fails, fail_on=never: result" "$(run -a "binary=$NC launch=false only=kernel.version policy=$TMP/policy.json")" SUCCESS
check "... verdict" "$(r verdict)" not_ready
check "... exit_status" "$(r exit_status)" 1
check "fail_on=not_ready: result" \
	"$(run -a "binary=$NC launch=false only=kernel.version policy=$TMP/policy.json fail_on=not_ready")" FAILED
check "... message" "$(r msg)" "nestcheck: not_ready: policy.gate"
check "... the report still returned" "$(r report.checks.policy.gate.status)" fail
check "... and the facts" "$(r ansible_facts.nestcheck.failed.0)" policy.gate
check "only=kernel.version fail_on=degraded (ready): result" \
	"$(run -a "binary=$NC launch=false only=kernel.version fail_on=degraded")" SUCCESS

# Failures of its own.
check "a missing binary: result" "$(run -a "binary=$TMP/no/nestcheck")" FAILED
case $(r msg) in "nestcheck not found as '$TMP/no/nestcheck'"*) ok "... message: $(r msg)" ;; *) bad "... message: $(r msg)" ;; esac
check "nestcheck's exit 2: result" "$(run -a "binary=$NC launch=false only=no.such_check")" FAILED
case $(r msg) in "nestcheck could not run (exit 2): "*no.such_check*) ok "... message: $(r msg)" ;; *) bad "... message: $(r msg)" ;; esac
check "... exit_status" "$(r exit_status)" 2
check "a report without a path: result" "$(run -a "binary=$NC launch=false reports=prometheus")" FAILED
check "... message" "$(r msg)" "reports: 'prometheus' names no path (FORMAT:PATH)"
check "a bad fail_on: result" "$(run -a "binary=$NC fail_on=sometimes")" FAILED

exit "$fail"
