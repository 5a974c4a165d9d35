#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# --report FORMAT[:PATH]: several reports from one run (human, json, junit, tap,
# nagios, prometheus), each checked against the JSON report of the same run;
# the system's identity in every machine-readable one; files replaced whole
# (never a half-written file; a device or FIFO written in place); Prometheus's
# text checked by promtool; the Nagios plugin's exit codes, UNKNOWN included.
# Usage: bash report_formats.sh NESTCHECK_BINARY SOURCE_DIR JSONQ_BINARY
set -u
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash" "$@"

NOTREADY=$SRCDIR/fixtures/vm-lxd-no-nesting/root
READY=$SRCDIR/fixtures/vm-debian12-host/root
DEGRADED=$SRCDIR/fixtures/lxd-nesting/root
count() { jget "$1" "summary.$2"; }

echo "# every format from one run"
D=$TMP/out
mkdir -p "$D"
nc all --root "$NOTREADY" --report json:"$D/r.json" --report junit:"$D/r.xml" --report tap:"$D/r.tap" \
	--report nagios:"$D/r.nagios" --report prometheus:"$D/r.prom" --report human:"$D/r.txt"
check "exit 1 (not_ready), as without --report" rc_is 1 || show all
check "nothing on stderr" is_empty "$(err all)"
check "stdout: the human report (no report asked for stdout)" contains "$(out all)" "verdict: NOT READY"
check "the human file is the same human report" cmp -s "$(out all)" "$D/r.txt"
check "no temporary file left beside the reports" [ "$(find "$D" -name '*.tmp.*' | wc -l)" -eq 0 ]
J=$D/r.json
n=$(($(count "$J" pass) + $(count "$J" warn) + $(count "$J" fail) + $(count "$J" skip) + $(count "$J" error)))
fails=$(($(count "$J" fail) + $(count "$J" error)))
check "json: the verdict" [ "$(jget "$J" verdict)" = not_ready ]
check "json: host.name, additive (empty: the sysroot has no etc/hostname)" [ "$(jget "$J" host.name)" = "" ]
check "json: a replay has no run block" [ -z "$(jget "$J" run)" ]

echo "# TAP"
T=$D/r.tap
check "tap: version 13 (what prove knows)" [ "$(head -n 1 "$T")" = "TAP version 13" ]
check "tap: the plan counts every check" [ "$(sed -n 2p "$T")" = "1..$n" ]
check "tap: a test point a check" [ "$(grep -cE '^(not )?ok [0-9]+ - ' "$T")" -eq "$n" ]
check "tap: not ok for each fail and error" [ "$(grep -c '^not ok ' "$T")" -eq "$fails" ]
check "tap: SKIP for each skip" [ "$(grep -c ' # SKIP ' "$T")" -eq "$(count "$J" skip)" ]
check "tap: a YAML block for each warn, fail and error" \
	[ "$(grep -c '^  ---$' "$T")" -eq $(($(count "$J" warn) + fails)) ]
check "tap: container.nesting fails with its fix" eval 'grep -q "^not ok [0-9]* - container.nesting: " "$T" &&
	grep -q "lxc config set n0 security.nesting true" "$T"'
if command -v prove >/dev/null; then
	# prove runs a TAP stream; it fails on the not-ok points, so only its parse errors count here.
	prove --exec cat "$T" >"$TMP/prove.out" 2>&1
	check "tap: prove parses it (no parse errors)" lacks "$TMP/prove.out" "Parse errors"
fi

echo "# JUnit, Nagios, Prometheus: the same counts"
check "junit: valid XML" xmllint --noout "$D/r.xml"
check "junit: failures as in the JSON" contains "$D/r.xml" "failures=\"$(count "$J" fail)\""
N=$D/r.nagios
check "nagios: CRITICAL on the first line" eval '[[ "$(head -n 1 "$N")" == "NESTCHECK CRITICAL - not_ready: $n checks, "* ]]'
check "nagios: perfdata counts" contains "$N" "| pass=$(count "$J" pass);;;0 warn=$(count "$J" warn);;;0 fail=$(count "$J" fail);;;0"
check "nagios: a line per fail, error and warn" [ "$(($(wc -l <"$N") - 1))" -eq $(($(count "$J" warn) + fails)) ]
check "nagios: the failures first" eval '[[ "$(sed -n 2p "$N")" == FAIL* || "$(sed -n 2p "$N")" == ERROR* ]]'
P=$D/r.prom
if command -v promtool >/dev/null; then
	promtool check metrics <"$P" >"$TMP/promtool.out" 2>&1
	check "prometheus: promtool check metrics finds nothing wrong" eval '[ $? -eq 0 ] && is_empty "$TMP/promtool.out"' ||
		cat "$TMP/promtool.out"
else
	not_ok "prometheus: promtool is missing (scripts/setup.sh --test installs Debian's prometheus)"
fi
check "prometheus: one HELP and one TYPE a family" \
	[ "$(grep -c '^# HELP' "$P")" -eq "$(grep -c '^# TYPE' "$P")" -a "$(grep '^# TYPE' "$P" | cut -d' ' -f3 | sort | uniq -d | wc -l)" -eq 0 ]
check "prometheus: no client timestamps (a name and a value a line)" \
	[ "$(grep -v '^#' "$P" | sed 's/{.*}//' | awk '{ print NF }' | sort -u)" = 2 ]
check "prometheus: the verdict" contains "$P" 'nestcheck_verdict{verdict="not_ready"} 1'
check "prometheus: a series per check and status" \
	[ "$(grep -c '^nestcheck_check_status{' "$P")" -eq $((n * 5)) ]
check "prometheus: the failed checks at 1 with status fail" \
	[ "$(grep -c '^nestcheck_check_status{.*status="fail"} 1$' "$P")" -eq "$(count "$J" fail)" ]
check "prometheus: a replay has no run timestamp" lacks "$P" "nestcheck_last_run_timestamp_seconds "

echo "# a live run: who and when"
nc live --no-launch --no-probes --only kernel.version --report json:"$D/live.json" --report junit:"$D/live.xml" \
	--report prometheus
host=$(uname -n)
check "live: exit 0" rc_is 0 || show live
check "live: json host.name" [ "$(jget "$D/live.json" host.name)" = "$host" ]
check "live: json run.started_at, RFC 3339 in UTC" eval '[[ "$(jget "$D/live.json" run.started_at)" =~ ^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-9:]{8}Z$ ]]'
check "live: json run.duration_seconds" eval '[[ "$(jget "$D/live.json" run.duration_seconds)" =~ ^[0-9]+(\.[0-9]+)?$ ]]'
check "live: junit names the host in the testsuite" contains "$D/live.xml" "<testsuite name=\"nestcheck $host\""
check "live: junit names the host in each classname" contains "$D/live.xml" "classname=\"$host.kernel\" name=\"kernel.version\""
check "live: prometheus on stdout, the host in nestcheck_info" contains "$(out live)" "host=\"$host\""
check "live: prometheus has the run's end and duration" \
	eval 'grep -qE "^nestcheck_last_run_timestamp_seconds [0-9]+\.[0-9]+$" "$(out live)" &&
	grep -qE "^nestcheck_run_duration_seconds [0-9]+\.[0-9]+$" "$(out live)"'
check "live: the JSON reads back (nestcheck diff)" eval '"$NESTCHECK" diff "$D/live.json" "$D/live.json" >/dev/null'

echo "# Nagios exit codes"
nc n-crit --root "$NOTREADY" --report nagios
check "not_ready: exit 2 (CRITICAL)" rc_is 2
nc n-warn --root "$DEGRADED" --report nagios
check "degraded: exit 1 (WARNING)" eval 'rc_is 1 && [[ "$(head -n 1 "$(out n-warn)")" == "NESTCHECK WARNING - degraded"* ]]'
nc n-ok --root "$READY" --report nagios
check "ready: exit 0 (OK), one line" eval 'rc_is 0 && [[ "$(head -n 1 "$(out n-ok)")" == "NESTCHECK OK - ready: "* ]] && one_line "$(out n-ok)"'
nc n-unk --root "$TMP/no/such/root" --report nagios
check "cannot run: exit 3 (UNKNOWN), said on stdout" eval 'rc_is 3 && [[ "$(head -n 1 "$(out n-unk)")" == "NESTCHECK UNKNOWN - "* ]]'
check "cannot run: the reason still on stderr" one_line "$(err n-unk)"
nc n-unk2 --report nagios --only no.such.check
check "a bad option after --report nagios: exit 3" rc_is 3

echo "# what cannot be: exit 2, one line"
bad() { # bad NAME TEXT ARGS...
	local name=$1 text=$2
	shift 2
	nc "$name" --root "$NOTREADY" "$@"
	check "$name: exit 2, one line saying '$text'" eval 'rc_is 2 && one_line "$(err "$name")" && contains "$(err "$name")" "$text"' ||
		show "$name"
	check "$name: nothing on stdout" is_empty "$(out "$name")"
}
bad unknown-format "no format is called 'yaml'" --report yaml
bad two-stdout "another report already goes to stdout" --report tap --report prometheus
bad json-and-tap "another report already goes to stdout" --report tap --json
bad tap-and-json "another report already goes to stdout" --json --report tap
bad empty-path "the path after ':' is empty" --report json:
bad missing-dir "cannot write $TMP/no/dir/r.prom" --report prometheus:"$TMP/no/dir/r.prom"
nc full --root "$NOTREADY" --report prometheus:/dev/full
check "a device: written in place, ENOSPC: exit 2" eval 'rc_is 2 && contains "$(err full)" "No space left on device"'
check "... and /dev/full is still the device" [ -c /dev/full ]

echo "# a symbolic link: written through, never replaced"
ln -s "$D/target.tap" "$D/link.tap"
: >"$D/target.tap"
nc link --root "$NOTREADY" --report tap:"$D/link.tap"
check "the link is still a link" [ -L "$D/link.tap" ]
check "its target holds the report" eval '[ "$(head -n 1 "$D/target.tap")" = "TAP version 13" ]'
nc stderr-link --root "$NOTREADY" --report tap:/dev/stderr
check "/dev/stderr: the report on stderr, /dev/stderr still a link" \
	eval 'contains "$(err stderr-link)" "TAP version 13" && [ -L /dev/stderr ]'

echo "# a file replaced whole"
printf 'old\n' >"$D/keep.prom"
nc again --root "$NOTREADY" --report prometheus:"$D/keep.prom"
check "the old file replaced" lacks "$D/keep.prom" "old"
check "mode 0644 (node_exporter reads it)" [ "$(stat -c %a "$D/keep.prom")" = 644 ]
mkfifo "$D/fifo"
timeout 20 cat "$D/fifo" >"$TMP/fifo-read.txt" &
reader=$!
nc fifo --root "$NOTREADY" --report tap:"$D/fifo"
wait "$reader"
check "a FIFO: written in place" eval 'rc_is 1 && [ -p "$D/fifo" ] && [ "$(head -n 1 "$TMP/fifo-read.txt")" = "TAP version 13" ]'

finish
