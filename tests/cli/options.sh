#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The command line of CONTRACT.md: every exit status, the usage errors (exit 2,
# one line on stderr, nothing on stdout), check selection and colour.
# Usage: bash options.sh NESTCHECK_BINARY SOURCE_DIR JSONQ_BINARY
# shellcheck disable=SC2016,SC2317 # check ... eval '...' expands when eval runs; helpers run through check
set -u
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash" "$@"

ROOT=$TMP/root
sysroot_host "$ROOT"

echo "# --help, --version, --list"
nc help --help
check "--help exits 0" rc_is 0
check "--help prints on stdout" contains "$(out help)" "Usage: nestcheck"
check "--help prints nothing on stderr" is_empty "$(err help)"
for o in --json --root --no-launch --only --skip --strict --list --version --help; do
	check "--help mentions $o" contains "$(out help)" "$o"
done

nc version --version
want=$(sed -n 's/^project(nestcheck VERSION \([0-9.]*\).*/\1/p' "$SRCDIR/CMakeLists.txt")
check "--version exits 0" rc_is 0
check "--version prints one line on stdout" one_line "$(out version)"
check "--version prints 'nestcheck $want' (the project version)" [ "$(cat "$(out version)")" = "nestcheck $want" ]
check "--version prints nothing on stderr" is_empty "$(err version)"

nc list --list
check "--list exits 0" rc_is 0
check "--list prints nothing on stderr" is_empty "$(err list)"
for id in $ALL_IDS; do
	check "--list lists $id with a description" grep -qE "^$id +[^ ]" "$(out list)"
done
check "--list lists no id twice" [ -z "$(awk '{print $1}' "$(out list)" | sort | uniq -d)" ]
check "--list lists only ids of the form area.name" \
	[ -z "$(awk '$1 !~ /^[a-z]+\.[a-z_]+$/' "$(out list)")" ]

echo "# usage errors: exit 2, one line on stderr, nothing on stdout"
usage_error() {
	local name=$1; shift
	nc "$name" "$@"
	local ok=1
	rc_is 2 || ok=0
	one_line "$(err "$name")" || ok=0
	is_empty "$(out "$name")" || ok=0
	grep -q '^nestcheck: ' "$(err "$name")" || ok=0
	if [ $ok = 1 ]; then
		ok "nestcheck $* -> exit 2, one line on stderr: $(cat "$(err "$name")")"
	else
		not_ok "nestcheck $* -> exit 2, one 'nestcheck: ...' line on stderr, empty stdout"
		show "$name"
	fi
}
usage_error unknown --bogus
usage_error unknown_short -x
usage_error ambiguous --s
usage_error flag_with_value --json=yes
usage_error missing_only --only
usage_error missing_skip --skip
usage_error missing_root --root
usage_error missing_record --record
usage_error stray --json stray-argument
usage_error stray_after_root --root "$ROOT" extra
usage_error only_nosuch --only nosuch
usage_error skip_nosuch --skip nosuch
usage_error only_partly_bad --only cgroup,nosuch
usage_error only_partial_area --only cgr
usage_error skip_nosuch_with_root --root "$ROOT" --skip nosuch.check
check "--only nosuch names the bad selector" contains "$(err only_nosuch)" "'nosuch'"
check "--only cgroup,nosuch names the bad item" contains "$(err only_partly_bad)" "'nosuch'"

check "--only without a value says it needs an argument" \
	contains "$(err missing_only)" "needs an argument"
check "--root without a value says it needs an argument" \
	contains "$(err missing_root)" "needs an argument"
nc short_cluster -xy
check "-xy is a usage error (exit 2, one line)" eval 'rc_is 2 && one_line "$(err short_cluster)"'
check "-xy names the bad option, not the program" lacks "$(err short_cluster)" "$NESTCHECK"
nc only_empty --root "$ROOT" --only ''
check "--only '' is a usage error (exit 2)" rc_is 2

echo "# --root that cannot be read"
usage_error root_missing --root "$TMP/nonexistent"
check "--root /nonexistent names the path" contains "$(err root_missing)" "$TMP/nonexistent"
usage_error root_missing_abs --root /nonexistent
: >"$TMP/regular-file"
usage_error root_file --root "$TMP/regular-file"
usage_error root_file_json --json --root "$TMP/regular-file"
usage_error record_with_root --record "$TMP/obs" --root "$ROOT"
check "--record with --root writes no file" [ ! -e "$TMP/obs" ]
usage_error root_with_record --root "$ROOT" --json --record "$TMP/obs"

echo "# selecting checks"
# ids_are NAME ID...: the JSON report of run NAME holds exactly these checks, in order.
ids_are() {
	local name=$1; shift
	local got want
	got=$(json_ids "$(out "$name")" | tr '\n' ' ')
	want="$* "
	[ "$got" = "$want" ] || { echo "  got: '$got'"; echo "  want: '$want'"; return 1; }
}
nc only_cgroup --root "$ROOT" --json --only cgroup
check "--only cgroup exits 0" rc_is 0
check "--only cgroup: valid JSON" json_valid "$(out only_cgroup)"
check "--only cgroup runs exactly cgroup.layout, cgroup.namespace and cgroup.delegation" \
	ids_are only_cgroup cgroup.layout cgroup.namespace cgroup.delegation
check "--only cgroup: the summary counts 3 checks" summary_consistent "$(out only_cgroup)"

nc only_id --root "$ROOT" --json --only cgroup.layout
check "--only cgroup.layout runs only that check" ids_are only_id cgroup.layout
nc only_list --root "$ROOT" --json --only storage,kernel.version
check "--only storage,kernel.version runs both, in report order" ids_are only_list kernel.version \
	storage.backing_fs storage.block storage.zfs storage.xattr
nc only_twice --root "$ROOT" --json --only userns.idmap --only overlay
check "--only given twice adds up" ids_are only_twice userns.idmap overlay.support overlay.mount

nc skip_kernel --root "$ROOT" --json --skip kernel
check "--skip kernel exits 0" rc_is 0
# shellcheck disable=SC2046 # one id a word
check "--skip kernel removes the kernel checks and keeps all others" ids_are skip_kernel \
	$(echo "$ALL_IDS" | tr ' ' '\n' | grep -v '^kernel\.')
check "--skip kernel: summary matches the checks" summary_consistent "$(out skip_kernel)"

nc none --root "$ROOT" --json --only kernel.version --skip kernel
check "--only kernel.version --skip kernel exits 0" rc_is 0
check "--only kernel.version --skip kernel: valid JSON" json_valid "$(out none)"
check "--only kernel.version --skip kernel: zero checks" [ -z "$(json_ids "$(out none)")" ]
check "--only kernel.version --skip kernel: verdict ready" [ "$(jget "$(out none)" verdict)" = ready ]
check "--only kernel.version --skip kernel: all summary counts 0" \
	[ "$(for s in pass warn fail skip error; do jget "$(out none)" summary.$s; done | sort -u)" = 0 ]
nc none_human --root "$ROOT" --only kernel.version --skip kernel
check "zero checks, human report: '0 checks: ...' and a verdict" \
	eval 'rc_is 0 && grep -q "^0 checks: 0 pass, 0 warn, 0 fail, 0 skip, 0 error$" "$(out none_human)" && grep -q "^verdict: READY" "$(out none_human)"'

echo "# colour"
nc pipe --root "$ROOT"
check "human report to a pipe (not a tty) has no ESC byte" no_esc "$(out pipe)"
NO_COLOR=1 nc nocolor --root "$ROOT"
check "NO_COLOR=1, not a tty: no ESC byte" no_esc "$(out nocolor)"
check "the human report does not depend on NO_COLOR when not a tty" cmp -s "$(out pipe)" "$(out nocolor)"
nc json_pipe --root "$ROOT" --json
check "JSON report has no ESC byte" no_esc "$(out json_pipe)"

if command -v script >/dev/null 2>&1 && script -qec true /dev/null >/dev/null 2>&1; then
	# script(1) gives the command a pseudo-terminal as stdout.
	on_tty() {
		local name=$1; shift
		timeout -k 2 10 script -qec "$(printf '%q ' "$@")" /dev/null >"$TMP/$name.out" 2>&1 </dev/null
		RC=$?
	}
	on_tty tty env -u NO_COLOR "$NESTCHECK" --root "$ROOT"
	check "on a terminal without NO_COLOR the report is coloured (ESC bytes)" has_esc "$(out tty)"
	on_tty tty_nocolor env NO_COLOR=1 "$NESTCHECK" --root "$ROOT"
	check "on a terminal with NO_COLOR=1: no ESC byte" no_esc "$(out tty_nocolor)"
	on_tty tty_json env -u NO_COLOR "$NESTCHECK" --root "$ROOT" --json
	check "--json on a terminal: no ESC byte" no_esc "$(out tty_json)"
else
	skip "colour on a terminal: script(1) cannot allocate a pseudo-terminal here"
fi


echo "# --no-probes on this system: a skipped probe says why, not 'replay'"
nc noprobes --no-probes --json
check "--no-probes: a report (exit 0 or 1)" eval '[ "$RC" -le 1 ] && json_valid "$(out noprobes)"'
replayed=$(grep -E '"summary"|"[a-z_]+": "not ' "$(out noprobes)" | grep -iE 'replay|capture' || true)
check "--no-probes: no summary or evidence speaks of a replay or a capture" [ -z "$replayed" ]
[ -z "$replayed" ] || echo "  $replayed"
# A live run records nothing: what it did not read is not "not recorded".
unrecorded=$(grep -F 'not recorded' "$(out noprobes)" || true)
check "--no-probes: no summary or evidence says 'not recorded'" [ -z "$unrecorded" ]
[ -z "$unrecorded" ] || echo "  $unrecorded"
check "--no-probes: the skipped probes name --no-probes" \
	[ "$(grep -c '"summary": ".*--no-probes' "$(out noprobes)")" -ge 10 ]
check "--no-probes: mode is live" [ "$(jget "$(out noprobes)" mode)" = live ]

finish
