# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
#
# tests/lxd/report.sh: sourceable assertions over nestcheck's JSON reports for
# the tiers that compare verdicts with Docker (tests/e2e/lxd.sh, tests/vm).
# Needs JSONQ (the jsonq test tool) and POSIX awk; sets N_OK, N_FAIL,
# CFG_FAILS; CFG names the scenario in every line.
N_OK=0 N_FAIL=0
ok() { N_OK=$((N_OK + 1)); echo "ok    [$CFG] $*"; }
not_ok() {
	N_FAIL=$((N_FAIL + 1))
	CFG_FAILS=$((CFG_FAILS + 1))
	echo "FAIL  [$CFG] $*"
}
say() { echo "----  [$CFG] $*"; }
# expect WHAT GOT WANT...: ok when GOT is one of WANT.
expect() {
	local what=$1 got=$2 w
	shift 2
	for w in "$@"; do
		if [ "$got" = "$w" ]; then
			ok "$what = $got"
			return 0
		fi
	done
	not_ok "$what = '$got', want $(printf "'%s' " "$@")"
	return 1
}

# JSON on stdin -> "path<TAB>value", one line per scalar (strings unescaped;
# a newline inside a string stays "\n"). POSIX awk (mawk, busybox): no jq on a
# fresh machine, and jsonq cannot index arrays of remediation steps.
json_flat() {
	awk '
function fail(m) { printf "json_flat: %s at offset %d\n", m, pos > "/dev/stderr"; bad = 1; exit 2 }
function ws() { while (pos <= n && index(" \t\r\n", substr(s, pos, 1))) pos++ }
function hex(h,   i, v) { v = 0; h = tolower(h); for (i = 1; i <= 4; i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1; return v }
function str(   c, out, h) {
	pos++
	out = ""
	while (pos <= n) {
		c = substr(s, pos, 1)
		if (c == "\"") { pos++; return out }
		if (c == "\\") {
			pos++; c = substr(s, pos, 1)
			if (c == "n") out = out "\\n"
			else if (c == "t") out = out "\\t"
			else if (c == "r") out = out "\\r"
			else if (c == "b" || c == "f") out = out
			else if (c == "u") {
				h = substr(s, pos + 1, 4); pos += 4
				if (h ~ /^00[2-7][0-9a-fA-F]$/) out = out sprintf("%c", hex(h)); else out = out "\\u" h
			} else out = out c
			pos++
			continue
		}
		out = out c; pos++
	}
	fail("unterminated string")
}
function val(path,   c, k, i, t) {
	ws(); c = substr(s, pos, 1)
	if (c == "{") {
		pos++; ws()
		if (substr(s, pos, 1) == "}") { pos++; return }
		for (;;) {
			ws(); if (substr(s, pos, 1) != "\"") fail("key expected")
			k = str(); ws()
			if (substr(s, pos, 1) != ":") fail(": expected")
			pos++
			val(path == "" ? k : path "." k)
			ws(); c = substr(s, pos, 1); pos++
			if (c == "}") return
			if (c != ",") fail(", or } expected")
		}
	}
	if (c == "[") {
		pos++; ws(); i = 0
		if (substr(s, pos, 1) == "]") { pos++; return }
		for (;;) {
			val(path == "" ? i : path "." i); i++
			ws(); c = substr(s, pos, 1); pos++
			if (c == "]") return
			if (c != ",") fail(", or ] expected")
		}
	}
	if (c == "\"") { printf "%s\t%s\n", path, str(); return }
	t = substr(s, pos)
	if (match(t, /^(true|false|null|-?[0-9][0-9.eE+-]*)/)) {
		printf "%s\t%s\n", path, substr(t, 1, RLENGTH); pos += RLENGTH; return
	}
	fail("value expected")
}
{ s = s $0 "\n" }
END { if (bad) exit 2; n = length(s); pos = 1; val(""); ws(); if (pos <= n) fail("trailing data") }'
}

# q FILE PATH. No leak check: jsonq does not free its tree on every path (a
# sanitizer build's jsonq would otherwise exit 1 with LeakSanitizer's report).
q() { ASAN_OPTIONS=detect_leaks=0 "$JSONQ" "$1" "$2" 2>/dev/null; }

# remedy_cmds FILE ID WHERE [MATCH]: the commands of check ID's remediation
# steps on side WHERE (host|container), one a line, in order; with MATCH only
# the steps that have a command containing MATCH.
remedy_cmds() {
	q "$1" "checks.$2.remediation" | json_flat |
		awk -F'\t' -v w="$3" -v m="${4:-}" '
		{ split($1, p, "."); i = p[1] + 0; if (i > max) max = i
		  if (p[2] == "where") W[i] = $2
		  else if (p[2] == "commands") { C[i] = C[i] $2 "\n"; if (m == "" || index($2, m)) M[i] = 1 } }
		END { for (i = 0; i <= max; i++) if (W[i] == w && (m == "" || M[i])) printf "%s", C[i] }'
}

# statuses FILE: "id status" per check, in report order.
statuses() {
	json_flat <"$1" | awk -F'\t' '
		$1 ~ /^checks\.[0-9]+\.id$/ { split($1, p, "."); id[p[2]] = $2; if (p[2] + 1 > n) n = p[2] + 1 }
		$1 ~ /^checks\.[0-9]+\.status$/ { split($1, p, "."); st[p[2]] = $2 }
		END { for (i = 0; i < n; i++) print id[i], st[i] }'
}

# not_pass FILE: "id=status,..." of every check that is neither pass nor skip.
not_pass() {
	statuses "$1" | awk '$2 != "pass" && $2 != "skip" { printf "%s%s=%s", (k++ ? "," : ""), $1, $2 }'
}


# remediation_complete TAG FILE: every warn and fail carries at least one remediation step (contract).
remediation_complete() {
	local bad
	bad=$(json_flat <"$2" | awk -F'\t' '
		$1 ~ /^checks\.[0-9]+\.id$/ { split($1, p, "."); id[p[2]] = $2 }
		$1 ~ /^checks\.[0-9]+\.status$/ && ($2 == "warn" || $2 == "fail") { split($1, p, "."); need[p[2]] = 1 }
		$1 ~ /^checks\.[0-9]+\.remediation\.0\.text$/ { split($1, p, "."); has[p[2]] = 1 }
		END { for (i in need) if (!has[i]) printf "%s ", id[i] }')
	if [ -n "$bad" ]; then not_ok "$1: warn/fail without remediation: $bad"; else ok "$1: every warn/fail has a remediation"; fi
}

# apply_host_cmds CMDS REGEX: run each printed host command (one a line) that matches REGEX,
# refusing anything else; sets applied (how many ran) and ok_fix (yes, or no on the first failure).
apply_host_cmds() {
	local cmd out
	applied=0 ok_fix=yes
	while IFS= read -r cmd; do
		[ -n "$cmd" ] || continue
		if ! printf '%s\n' "$cmd" | grep -Eq "$2"; then
			not_ok "refusing to run an unexpected host command: $cmd"
			ok_fix=no
			return
		fi
		applied=$((applied + 1))
		echo "      apply on host: $cmd"
		if ! out=$(timeout 120 sh -c "$cmd" </dev/null 2>&1); then
			not_ok "host remediation command failed: $cmd: $out"
			ok_fix=no
			return
		fi
	done <<<"$1"
}
