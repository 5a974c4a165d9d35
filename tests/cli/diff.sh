#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# nestcheck diff OLD.json NEW.json: the checks whose status got worse, exit 1 when any did.
source "$(dirname "$0")/lib.bash" "$@"

GOOD=$SRCDIR/fixtures/debian12-host/expected.json
BAD=$SRCDIR/fixtures/kernel-without-overlay/expected.json

nc same diff "$GOOD" "$GOOD"
check "same report: exit 0, nothing listed" eval 'rc_is 0 && is_empty "$(out same)" && is_empty "$(err same)"' || show same

nc worse diff "$GOOD" "$BAD"
check "good -> bad: exit 1" rc_is 1 || show worse
check "good -> bad: overlay.support regressed" contains "$(out worse)" "overlay.support: pass -> fail"
check "good -> bad: kernel.config regressed" contains "$(out worse)" "kernel.config: pass -> fail"
check "good -> bad: a count" grep -qE '^[0-9]+ checks? got worse$' "$(out worse)"
# Every listed regression really is one: the old status better than the new one in the two reports.
bad_line=0
while IFS= read -r line; do
	[[ $line =~ ^([a-z_]+\.[a-z_]+):\ ([a-z]+)\ \-\>\ ([a-z]+)$ ]] || continue
	id=${BASH_REMATCH[1]}
	[ "$(jget "$GOOD" "checks.$id.status")" = "${BASH_REMATCH[2]}" ] || bad_line=1
	[ "$(jget "$BAD" "checks.$id.status")" = "${BASH_REMATCH[3]}" ] || bad_line=1
done <"$(out worse)"
check "good -> bad: listed statuses agree with the reports" [ "$bad_line" -eq 0 ]

nc better diff "$BAD" "$GOOD"
# process.oom_score_adj is skip in the bad fixture and warn in the good one: skip -> warn is worse.
check "bad -> good: skip -> warn counts as worse, exit 1" eval 'rc_is 1 && contains "$(out better)" "process.oom_score_adj: skip -> warn"' || show better
check "bad -> good: improvements marked" contains "$(out better)" "overlay.support: fail -> pass (better)"

nc json diff --json "$GOOD" "$BAD"
check "json: exit 1, valid" eval 'rc_is 1 && json_valid "$(out json)"' || show json
check "json: worse lists overlay.support" contains "$(out json)" '"id": "overlay.support"'

# Added and removed checks: the report minus one check, plus one unknown to this build.
awk '/"id": "storage.zfs"/{print "      \"id\": \"future.check\","; next} {print}' "$GOOD" >"$TMP/changed.json"
nc addrem diff "$GOOD" "$TMP/changed.json"
if json_valid "$TMP/changed.json" && grep -q future.check "$TMP/changed.json"; then
	check "added/removed: exit 0 (not worse)" rc_is 0 || show addrem
	check "added/removed: added listed" contains "$(out addrem)" "future.check: added"
	check "added/removed: removed listed" contains "$(out addrem)" "storage.zfs: removed"
else
	skip "could not build a changed report"
fi

# Unreadable input and bad usage: exit 2 with one line.
nc missing diff "$GOOD" "$TMP/nope.json"
check "missing file: exit 2, one line" eval 'rc_is 2 && one_line "$(err missing)"' || show missing
printf '{"not": "a report"}' >"$TMP/junk.json"
nc junk diff "$TMP/junk.json" "$GOOD"
check "not a report: exit 2, one line" eval 'rc_is 2 && one_line "$(err junk)"' || show junk
head -c 100 "$GOOD" >"$TMP/cut.json"
nc cut diff "$GOOD" "$TMP/cut.json"
check "truncated report: exit 2" rc_is 2 || show cut
nc onearg diff "$GOOD"
check "one argument: exit 2" rc_is 2 || show onearg

# 80,000 checks this build does not know, in each report: read and compared in O(n log n)
# (each id was looked up among all the others: minutes).
python3 - "$GOOD" "$TMP/many-old.json" "$TMP/many-new.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
c = {"area": "future", "title": "t", "summary": "s", "evidence": {}, "remediation": []}
for path, status in ((sys.argv[2], "pass"), (sys.argv[3], "fail")):
    r["checks"] = [dict(c, id="future.c%06d" % i, status=status if i == 79999 else "pass") for i in range(80000)]
    json.dump(r, open(path, "w"))
EOF
nc many diff "$TMP/many-old.json" "$TMP/many-new.json"
check "80,000 unknown checks: exit 1 (no timeout)" rc_is 1 || show many
check "... the one that got worse" [ "$(cat "$(out many)")" = "$(printf 'future.c079999: pass -> fail\n1 check got worse')" ] || show many

finish
