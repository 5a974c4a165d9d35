#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The human report's structure, on one synthetic sysroot with every status:
# the `nestcheck ` header, area headings, one PASS/WARN/FAIL/SKIP/ERROR line
# per check id, `fix (on the host):` / `fix (in the container):` lines under
# warns and fails, `$ ` command lines, the closing `N checks: ...` line and the
# `verdict:` line, all cross-checked against the JSON report of the same root.
# Usage: bash golden_human.sh NESTCHECK_BINARY SOURCE_DIR JSONQ_BINARY
# shellcheck disable=SC2016,SC2317 # check ... eval '...' expands when eval runs; helpers run through check
set -u
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash" "$@"

# An LXC container without nesting, AppArmor-confined, on kernel 3.2, with no
# kernel config, no cgroup mounts, a userns restriction and a broken uid_map:
# PASS, WARN, FAIL (fixes on the host and in the container), SKIP and ERROR.
R=$TMP/root
sysroot_host "$R"
printf 'container=lxc\0' >"$R/proc/1/environ"
put "$R" sys/module/apparmor/parameters/enabled $'Y\n'
put "$R" proc/self/attr/current $'lxc-web1_</var/lib/lxd> (enforce)\n'
put "$R" proc/sys/kernel/osrelease $'3.2.0-4-amd64\n'
rm "$R/proc/config.gz"
put "$R" proc/self/mountinfo "$MOUNTINFO_BASE"
put "$R" proc/sys/kernel/apparmor_restrict_unprivileged_userns $'1\n'
put "$R" proc/self/uid_map $'0 0 not-a-number\n'

nc json --root "$R" --json
check "JSON report: exit 1 (a fail)" rc_is 1
nc human --root "$R"
check "human report: exit 1 too" rc_is 1
H=$(out human) J=$(out json)
check "nothing on stderr" eval 'is_empty "$(err human)" && is_empty "$(err json)"'
check "the JSON report is valid" json_valid "$J"
check "the human report has no ESC byte (not a terminal)" no_esc "$H"
check "the human report ends with a newline" [ "$(tail -c 1 "$H" | od -An -c | tr -d ' ')" = '\n' ]

# --- parse the report, line by line ---
declare -A MARK SUMMARY NFIX WHERE FIXTEXT CMDS AREA_OF
IDS=() HEADINGS=() BAD=() LONG=()
header="" counts="" verdict="" n=0 id="" area="" fixn=-1 state=start
re_check='^  (PASS |WARN |FAIL |SKIP |ERROR) ([a-z_]+\.[a-z_]+) +([^ ].*)$'
re_fix='^        fix \((on the host|in the container|on this machine)\): +([^ ].*)$'
re_counts='^([0-9]+) checks: ([0-9]+) pass, ([0-9]+) warn, ([0-9]+) fail, ([0-9]+) skip, ([0-9]+) error$'
while IFS= read -r line; do
	n=$((n + 1))
	# the header and commands are never wrapped; everything else fits 100 columns
	[ $n -gt 1 ] && [ "${#line}" -gt 100 ] && [[ $line != '          $ '* ]] && LONG+=("$n: $line")
	if [ $n -eq 1 ]; then
		header=$line state=top
	elif [ -z "$line" ]; then
		state=blank
	elif [ $state = blank ] && [[ $line =~ ^[a-z]+$ ]]; then
		area=$line state=heading
		HEADINGS+=("$line")
	elif [[ $state =~ ^(heading|summary|fix|cmd)$ ]] && [[ $line =~ $re_check ]]; then
		id=${BASH_REMATCH[2]}
		IDS+=("$id")
		MARK[$id]=${BASH_REMATCH[1]% }
		SUMMARY[$id]=${BASH_REMATCH[3]}
		AREA_OF[$id]=$area
		NFIX[$id]=0
		# the summary starts in column 32, whatever the mark and id
		[ "${line:31:1}" != " " ] && [ "${line:30:1}" = " " ] || BAD+=("$n (summary not in column 32): $line")
		state=summary
	elif [ $state = summary ] && [[ $line =~ ^\ {31}[^\ ] ]]; then
		SUMMARY[$id]+=" ${line:31}"
	elif [[ $state =~ ^(summary|fix|cmd)$ ]] && [[ $line =~ $re_fix ]]; then
		fixn=${NFIX[$id]}
		NFIX[$id]=$((fixn + 1))
		case ${BASH_REMATCH[1]} in "on the host") WHERE[$id]+="host " ;; *) WHERE[$id]+="container " ;; esac
		FIXTEXT[$id.$fixn]=${BASH_REMATCH[2]}
		state=fix
	elif [[ $state =~ ^(fix|cmd)$ ]] && [[ $line == '          $ '* ]]; then
		CMDS[$id]+="${line:12}"$'\n'
		state=cmd
	elif [ $state = fix ] && [[ $line =~ ^\ {10}[^\ ] ]]; then
		FIXTEXT[$id.$fixn]+=" ${line:10}"
	elif [ $state = blank ] && [[ $line =~ $re_counts ]]; then
		counts=$line state=counts
	elif [ $state = counts ] && [[ $line == "verdict: "* ]]; then
		verdict=$line state=verdict
	else
		BAD+=("$n (after $state): $line") # and parse on in the same state
	fi
done <"$H"

check "every line is a header, heading, check, summary, fix, command, count or verdict line" [ ${#BAD[@]} -eq 0 ]
for b in "${BAD[@]}"; do echo "  unexpected line $b"; done
check "no line but the header and commands is wider than 100 columns" [ ${#LONG[@]} -eq 0 ]
for b in "${LONG[@]}"; do echo "  too long: line $b"; done

echo "# header"
version=$(jget "$J" tool.version)
want="nestcheck $version: replayed check of $(jget "$J" host.os), kernel $(jget "$J" host.kernel_release), container runtime: $(jget "$J" host.container_runtime)"
check "header starts with 'nestcheck $version'" [ "${header#"nestcheck $version"}" != "$header" ]
check "header: '$header'" [ "$header" = "$want" ]
check "header names the replayed sysroot's facts (3.2.0-4-amd64, lxc)" \
	eval '[[ $header == *"kernel 3.2.0-4-amd64, container runtime: lxc" ]]'

echo "# areas and checks"
json_order=$(json_ids "$J" | tr '\n' ' ')
check "one check line per check, in the JSON order" [ "$(printf '%s ' "${IDS[@]}")" = "$json_order" ]
areas=$(for i in $(json_ids "$J"); do echo "${i%%.*}"; done | uniq | tr '\n' ' ')
check "area headings in report order: $areas" [ "$(printf '%s ' "${HEADINGS[@]}")" = "$areas" ]
misplaced=""
for i in "${IDS[@]}"; do [ "${AREA_OF[$i]}" = "${i%%.*}" ] || misplaced+=" $i"; done
check "every check line is under its own area's heading" [ -z "$misplaced" ]
marks=""
for i in "${IDS[@]}"; do marks+="${MARK[$i]} "; done
check "all five marks occur: $marks" eval '[[ $marks == *PASS* && $marks == *WARN* && $marks == *FAIL* && $marks == *SKIP* && $marks == *ERROR* ]]'
wrong=""
for i in "${IDS[@]}"; do
	st=$(jget "$J" "checks.$i.status")
	[ "${MARK[$i]}" = "${st^^}" ] || wrong+=" $i(${MARK[$i]}/$st)"
done
check "each mark is the JSON status" [ -z "$wrong" ]
wrong=""
for i in "${IDS[@]}"; do
	[ "${SUMMARY[$i]}" = "$(jget "$J" "checks.$i.summary" | tr -s ' ')" ] || wrong+=" $i"
done
check "each summary, unwrapped, is the JSON summary" [ -z "$wrong" ]
for i in $wrong; do echo "  $i: human '${SUMMARY[$i]}'"; done

echo "# fixes and commands"
wrong="" nofix=""
for i in "${IDS[@]}"; do
	case ${MARK[$i]} in FAIL | WARN) [ "${NFIX[$i]}" -ge 1 ] || nofix+=" $i" ;; esac
	nrem=$(remediation_split "$J" "$i") || { wrong+=" $i(unreadable)"; continue; }
	[ "$nrem" = "${NFIX[$i]}" ] || wrong+=" $i(${NFIX[$i]} fix lines, $nrem steps)"
	jw=""
	for ((k = 0; k < nrem; k++)); do
		jw+="$(jget "$TMP/remediation.json" "r.r$k.where") "
		t=$(jget "$TMP/remediation.json" "r.r$k.text" | tr -s ' ')
		[ "${FIXTEXT[$i.$k]-}" = "$t" ] || wrong+=" $i(text $k)"
	done
	[ "${WHERE[$i]-}" = "$jw" ] || wrong+=" $i(where: '${WHERE[$i]-}' vs '$jw')"
done
check "every FAIL and WARN has at least one 'fix (...):' line" [ -z "$nofix" ]
check "fix lines follow the JSON remediation: same steps, where and text" [ -z "$wrong" ]
[ -z "$wrong" ] || echo "  differs:$wrong"
check "container.nesting: 'fix (on the host):' (lxc config runs on the host)" \
	grep -qF '        fix (on the host):' <(sed -n '/container.nesting/,/^$/p' "$H")
check "cgroup.layout: 'fix (in the container):' (mount the hierarchies where we run)" \
	[ "${WHERE[cgroup.layout]-}" = "container " ]
# No platform's mark in this sysroot: LXD's form, then Incus's.
check "container.nesting: \$ lxc config set NAME security.nesting true / \$ lxc restart NAME, then incus's" \
	[ "${CMDS[container.nesting]-}" = $'lxc config set NAME security.nesting true\nlxc restart NAME\nincus config set NAME security.nesting true\nincus restart NAME\n' ]
check "kernel.version: \$ uname -r" [ "${CMDS[kernel.version]-}" = $'uname -r\n' ]
check "cgroup.layout: \$ mount -t cgroup2 cgroup2 /sys/fs/cgroup" \
	[ "${CMDS[cgroup.layout]-}" = $'mount -t cgroup2 cgroup2 /sys/fs/cgroup\n' ]
missing=""
for i in "${IDS[@]}"; do
	rem=$(jget "$J" "checks.$i.remediation" | sed 's|\\/|/|g; s|\\"|"|g; s|\\\\|\\|g')
	while IFS= read -r c; do
		[ -n "$c" ] && [[ $rem != *"\"$c\""* ]] && missing+=" $i($c)"
	done <<<"${CMDS[$i]-}"
done
check "every \$ line is a command of that check's JSON remediation" [ -z "$missing" ]
[ -z "$missing" ] || echo "  not in the JSON:$missing"
nocmd=""
for i in "${IDS[@]}"; do [ "${NFIX[$i]}" -gt 0 ] || [ -z "${CMDS[$i]-}" ] || nocmd+=" $i"; done
check "no \$ line outside a fix" [ -z "$nocmd" ]
one_space_after_fix() { ! grep -qE '^        fix \([a-z ]+\):  ' "$H"; }
check "one space (not two) after 'fix (...):'" one_space_after_fix

echo "# closing lines"
check "the closing line: '$counts'" [ -n "$counts" ]
sum=$(printf '%s %s %s %s %s' "$(jget "$J" summary.pass)" "$(jget "$J" summary.warn)" \
	"$(jget "$J" summary.fail)" "$(jget "$J" summary.skip)" "$(jget "$J" summary.error)")
read -r p w f s e <<<"$sum"
check "'N checks: ...' equals the JSON summary" \
	[ "$counts" = "$((p + w + f + s + e)) checks: $p pass, $w warn, $f fail, $s skip, $e error" ]
check "'N checks' counts the 11 check lines" [ "${counts%% *}" = "${#IDS[@]}" ] 
check "the last line is the verdict: '$verdict'" [ "$(tail -n 1 "$H")" = "$verdict" ]
check "the verdict is NOT READY, as the JSON says not_ready" \
	eval '[[ $verdict == "verdict: NOT READY: "* ]] && [ "$(jget "$J" verdict)" = not_ready ]'


echo "# on a host, a fix for the machine nestcheck runs on says so"
# debian12-host: a plain host whose oom_score_adj probe was refused; its fix runs where nestcheck runs.
HR=$SRCDIR/fixtures/debian12-host/root
nc hhuman --root "$HR" --only process.oom_score_adj
nc hjson --root "$HR" --only process.oom_score_adj --json
check "host: process.oom_score_adj warns" status_is "$(out hjson)" process.oom_score_adj warn
check "host: the fix reads 'fix (on this machine):'" grep -qF '        fix (on this machine):' "$(out hhuman)"
check "host: no fix says 'in the container'" lacks "$(out hhuman)" 'in the container'
check "host: the JSON where stays 'container'" \
	grep -q '"where": "container"' <(jget "$(out hjson)" checks.process.oom_score_adj.remediation)

finish
