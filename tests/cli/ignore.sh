#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# --ignore ID[,ID]: the check still runs and is reported, but its fail counts as
# a warn (summary "ignored: ...", evidence ignored=true), like kubeadm's
# --ignore-preflight-errors.
source "$(dirname "$0")/lib.bash" "$@"

ROOT=$SRCDIR/fixtures/kernel-without-overlay/root
[ -d "$ROOT" ] || { skip "no fixture kernel-without-overlay"; finish; }

nc base --root "$ROOT" --json
check "base: exit 1, three fails" eval 'rc_is 1 && [ "$(jget "$(out base)" summary.fail)" = 3 ]' || show base
fails=$(for id in $(json_ids "$(out base)"); do status_is "$(out base)" "$id" fail && echo "$id"; done)
check "base: kernel.config fails" grep -qx kernel.config <<<"$fails"

# One id: that fail becomes a warn; the others still fail.
nc one --root "$ROOT" --json --ignore kernel.config
check "one: still exit 1, valid, nothing on stderr" eval 'rc_is 1 && json_valid "$(out one)" && is_empty "$(err one)"' || show one
check "one: kernel.config is warn" status_is "$(out one)" kernel.config warn
check "one: summary prefixed" eval '[[ "$(jget "$(out one)" checks.kernel.config.summary)" == "ignored: an option"* ]]'
check "one: evidence ignored=true" [ "$(jget "$(out one)" checks.kernel.config.evidence.ignored)" = true ]
check "one: remediation kept" remediation_ok "$(out one)" kernel.config
check "one: overlay.support still fails" status_is "$(out one)" overlay.support fail
check "one: summary consistent" summary_consistent "$(out one)"
check "one: same checks reported" [ "$(json_ids "$(out one)")" = "$(json_ids "$(out base)")" ]

# Every failing check ignored (ids and an area): no failure left, exit 0, verdict degraded.
list=$(echo "$fails" | sed 's/^kernel\..*/kernel/' | sort -u | paste -sd,)
nc all --root "$ROOT" --json --ignore "$list"
check "all ($list): exit 0, verdict degraded" eval 'rc_is 0 && [ "$(jget "$(out all)" verdict)" = degraded ]' || show all
check "all: summary consistent" summary_consistent "$(out all)"
nc strict --root "$ROOT" --json --strict --ignore "$list"
check "all with --strict: exit 1 (ignored fails are warnings)" rc_is 1 || show strict

# A passing or skipped check named by --ignore is untouched (no "ignored" evidence).
nc pass --root "$ROOT" --json --ignore kernel.version,container.nesting
check "pass: kernel.version untouched" eval 'status_is "$(out pass)" kernel.version pass && ! jget "$(out pass)" checks.kernel.version.evidence.ignored >/dev/null'
check "pass: container.nesting still skip" status_is "$(out pass)" container.nesting skip

# Human report shows it.
nc human --root "$ROOT" --ignore overlay.support
check "human: WARN ... ignored:" grep -qE '^  WARN +overlay\.support +ignored: ' "$(out human)" || show human

# Bad usage.
nc bad --root "$ROOT" --ignore no.such
check "unknown id: exit 2, one line" eval 'rc_is 2 && one_line "$(err bad)" && contains "$(err bad)" "no.such"' || show bad
nc empty --root "$ROOT" --ignore ,
check "empty list: exit 2" rc_is 2 || show empty

finish
