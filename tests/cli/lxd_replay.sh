#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# lxd.instance is a check like the others: its inputs (what LXD said of the
# instance, and the host's files) are observations, so a capture replays it.
# And nestcheck lxd takes the same output options as nestcheck (usage errors
# need no LXD: they are found before LXD is asked).
# Usage: bash lxd_replay.sh NESTCHECK_BINARY SOURCE_DIR JSONQ_BINARY
# shellcheck disable=SC2016
set -u
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash" "$@"

# host ROOT NAME STATUS CONFIG APPARMOR: an LXD host's capture with nestcheck lxd's observations.
host() {
	local r=$1
	sysroot_host "$r"
	put "$r" sys/module/apparmor/parameters/enabled "$5"$'\n'
	put "$r" proc/filesystems $'nodev\tsysfs\nnodev\tproc\nnodev\toverlay\n\text4\n'
	obs "$r" "lxd.instance.name=$2" "lxd.instance.status=$3" "lxd.instance.config=$4"
}
obs() {
	local r=$1
	shift
	mkdir -p "$r/.nestcheck"
	printf '%s\n' "$@" >>"$r/.nestcheck/observations"
}

host "$TMP/nonest" web Running '{"security.nesting":"false","image.os":"Debian"}' Y
nc nonest --root "$TMP/nonest" --json
check "nesting off, AppArmor on: exit 1" rc_is 1
check "lxd.instance leads the report" [ "$(json_ids "$(out nonest)" | head -n 1)" = lxd.instance ]
check "lxd.instance fails" status_is "$(out nonest)" lxd.instance fail
check "its summary names the cause" contains <(jget "$(out nonest)" checks.lxd.instance.summary) \
	"security.nesting is off and AppArmor confines web"
check "its fix names the instance" contains <(jget "$(out nonest)" checks.lxd.instance.remediation | sed 's#\\/#/#g') \
	"lxc config set web security.nesting true"
check "evidence: instance web" [ "$(jget "$(out nonest)" checks.lxd.instance.evidence.instance)" = web ]

host "$TMP/priv" db Running '{"security.privileged":"true","security.nesting":"true"}' Y
nc priv --root "$TMP/priv" --json --only lxd
check "privileged: warn" status_is "$(out priv)" lxd.instance warn
check "--only lxd: lxd.instance alone" [ "$(json_ids "$(out priv)")" = lxd.instance ]

host "$TMP/small" ci Running '{"security.nesting":"true","security.idmap.isolated":"true","security.idmap.size":"1000"}' N
nc small --root "$TMP/small" --json --only lxd.instance
check "a 1000-id map: fail" status_is "$(out small)" lxd.instance fail
check "the idmap fix" contains <(jget "$(out small)" checks.lxd.instance.remediation) "security.idmap.size 1000000"
nc small-ign --root "$TMP/small" --json --only lxd.instance --ignore lxd.instance
check "--ignore lxd.instance: a warn" status_is "$(out small-ign)" lxd.instance warn

host "$TMP/ok" app Running '{"security.nesting":"true"}' Y
nc ok --root "$TMP/ok" --json --only lxd.instance
check "nesting on: pass" status_is "$(out ok)" lxd.instance pass

host "$TMP/junk" app Running '{"security.nesting":' Y
nc junk --root "$TMP/junk" --json --only lxd.instance
check "a malformed recorded config: error, not a crash" status_is "$(out junk)" lxd.instance error

sysroot_host "$TMP/plain"
nc plain --root "$TMP/plain" --json
check "no instance recorded: lxd.instance is not part of the run" bash -c "! '$JSONQ' '$(out plain)' checks.lxd.instance 2>/dev/null"
nc plain-named --root "$TMP/plain" --json --only lxd.instance
check "--only lxd.instance without an instance: skip, saying why" status_is "$(out plain-named)" lxd.instance skip

echo "# a recording of nestcheck lxd replays alone: the host files lxd.instance read are in it"
# recording ROOT APPARMOR FILESYSTEMS: only the observations file, as nestcheck lxd --record writes it.
recording() {
	obs "$1" "lxd.instance.name=web" "lxd.instance.status=Running" 'lxd.instance.config={"security.nesting":"false"}' \
		"file:sys/module/apparmor/parameters/enabled=$2" "file:proc/filesystems=$3"
}
recording "$TMP/rec-aa" Y $'nodev\tsysfs\\nnodev\toverlay' # a real tab; the newline escaped as recorded
nc rec-aa --root "$TMP/rec-aa" --json --only lxd.instance
check "recorded AppArmor Y, no host files: nesting off fails" status_is "$(out rec-aa)" lxd.instance fail
check "evidence: host_apparmor from the recording" [ "$(jget "$(out rec-aa)" checks.lxd.instance.evidence.host_apparmor)" = true ]
check "evidence: host_overlay from the recording" [ "$(jget "$(out rec-aa)" checks.lxd.instance.evidence.host_overlay)" = true ]
recording "$TMP/rec-noaa" '!ENOENT' $'nodev\toverlay'
put "$TMP/rec-noaa" sys/module/apparmor/parameters/enabled $'Y\n'
nc rec-noaa --root "$TMP/rec-noaa" --json --only lxd.instance
check "recorded: no AppArmor module (the sysroot's file says Y): the recording wins, warn" \
	status_is "$(out rec-noaa)" lxd.instance warn
check "evidence: host_apparmor false" [ "$(jget "$(out rec-noaa)" checks.lxd.instance.evidence.host_apparmor)" = false ]
recording "$TMP/rec-nofs" N $'nodev\tsysfs\\n\text4'
nc rec-nofs --root "$TMP/rec-nofs" --json --only lxd.instance
check "recorded filesystems without overlay: the overlay fix" \
	contains <(jget "$(out rec-nofs)" checks.lxd.instance.remediation) "linux.kernel_modules overlay"

obs "$TMP/rec-evil" 'lxd.instance.name=web; reboot' "lxd.instance.status=Running" 'lxd.instance.config={}'
nc rec-evil --root "$TMP/rec-evil" --json --only lxd.instance
check "a recorded name that is no LXD name: error" status_is "$(out rec-evil)" lxd.instance error
check "... and no command to paste" lacks "$(out rec-evil)" "lxc config set"

echo "# nestcheck lxd takes nestcheck's output options"
# Hermetic: never this machine's LXD.
export LXD_DIR=$TMP/no-lxd
mkdir -p "$LXD_DIR"
for args in "--only nosuch web" "--skip nosuch web" "--ignore nosuch web" "--policy $TMP/missing.json web" \
	"--timeout 0 web" "--junit" "--bogus web" "" "a b" "-xy web" "--json=yes web" "--strict=1 web" "-- -web" \
	"web;reboot"; do
	# shellcheck disable=SC2086 # the words are the options
	nc lxdopt lxd $args
	check "nestcheck lxd $args: exit 2" rc_is 2
	check "nestcheck lxd $args: one line on stderr" one_line "$(err lxdopt)"
	check "nestcheck lxd $args: nothing on stdout" is_empty "$(out lxdopt)"
done
nc lxd-xy lxd -xy web
check "nestcheck lxd -xy names the bad letter" contains "$(err lxd-xy)" "'-x'"
check "... not the subcommand" lacks "$(err lxd-xy)" "'lxd'"
nc lxd-jsonarg lxd --json=yes web
check "nestcheck lxd --json=yes: --json takes no argument" contains "$(err lxd-jsonarg)" "'--json' takes no argument"
nc lxd-only lxd --only lxd.instance,nosuch web
check "nestcheck lxd --only names the unknown id" contains "$(err lxd-only)" "'nosuch'"
nc nolxd lxd web --json --junit "$TMP/nolxd.xml" --record "$TMP/nolxd.obs"
check "no LXD socket: exit 2" rc_is 2
check "no LXD socket: one line naming where it looked" eval 'one_line "$(err nolxd)" && contains "$(err nolxd)" "$LXD_DIR/unix.socket"'
check "no LXD socket: no JUnit file, no recording" [ ! -e "$TMP/nolxd.xml" ] && [ ! -e "$TMP/nolxd.obs" ]

nc list lxd --list
nc list-plain --list
check "nestcheck lxd --list: exit 0" rc_is 0
check "nestcheck lxd --list lists lxd.instance" contains "$(out list)" "lxd.instance"
check "nestcheck lxd --list is nestcheck --list" cmp -s "$(out list)" "$(out list-plain)"

nc lxdhelp lxd --help
check "nestcheck lxd --help: exit 0" rc_is 0
for o in --json --junit --ignore --policy --strict --only --skip --record --list; do
	check "nestcheck lxd --help mentions $o" contains "$(out lxdhelp)" "$o"
done

finish
