#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# nestcheck collect and --root FILE.tar.gz: a bundle of this machine replays
# to the live statuses; hostile bundles are refused with exit 2 and one line,
# and nothing is left in the temp dir.
# Usage: bash bundle.sh NESTCHECK_BINARY SOURCE_DIR JSONQ_BINARY
source "$(dirname "$0")/lib.bash" "$@"

export TMPDIR=$TMP/t
mkdir -p "$TMPDIR"
tmp_clean() { [ -z "$(ls -A "$TMPDIR")" ]; }

statuses() {
	local id
	for id in $(json_ids "$1"); do echo "$id $(jget "$1" "checks.$id.status")"; done
}

# --- collect on this machine, then replay it -----------------------------------
timeout -k 2 120 "$NESTCHECK" collect -o "$TMP/b.tar.gz" >"$TMP/collect.out" 2>"$TMP/collect.err"
RC=$?
check "collect exits 0" rc_is 0 || show collect
check "collect leaves no temp files" tmp_clean
mkdir "$TMP/x"
tar -xzf "$TMP/b.tar.gz" -C "$TMP/x"
for f in MANIFEST report.json root/.nestcheck/observations root/proc/version root/proc/self/ns/user; do
	check "bundle holds $f" test -f "$TMP/x/$f"
done
check "MANIFEST sums match" bash -c "cd '$TMP/x' && awk '{print \$1\"  \"\$3}' MANIFEST | sha256sum --quiet -c -"
check "MANIFEST sizes match" bash -c "cd '$TMP/x' && while read -r h s p; do [ \"\$(stat -c %s \"\$p\")\" = \"\$s\" ] || exit 1; done <MANIFEST"
check "MANIFEST lists every file" bash -c "cd '$TMP/x' && [ \"\$(find . -type f ! -name MANIFEST | wc -l)\" = \"\$(wc -l <MANIFEST)\" ]"
# A NUL-terminated container=... and nothing else, or an empty file.
environ_ok() {
	[ ! -s "$1" ] || { [ "$(tr -cd '\0' <"$1" | wc -c)" = 1 ] && tr '\0' '\n' <"$1" | grep -qx 'container=.*'; }
}
# Only the manifest's paths (core/manifest.c, for this kernel) under root/, each taken as its kind says.
"$NESTCHECK" --print-manifest >"$TMP/manifest"
(cd "$TMP/x/root" && find . -type f ! -path ./.nestcheck/observations | sed 's#^\./##' | sort) >"$TMP/bundle.paths"
check "root/ holds no file outside the manifest" [ -z "$(awk '{print $2}' "$TMP/manifest" | sort | comm -23 "$TMP/bundle.paths" -)" ] ||
	awk '{print $2}' "$TMP/manifest" | sort | comm -23 "$TMP/bundle.paths" - | head
check "root/ holds only regular files" [ -z "$(find "$TMP/x/root" ! -type f ! -type d)" ]
while read -r kind path packages; do
	f=$TMP/x/root/$path
	[ -f "$f" ] || continue
	case $kind in
	link) check "$path: the link text in a plain file" grep -qxE '[a-z_]+:\[[0-9]+\]' "$f" ;;
	socket | mark) check "$path: an empty file" is_empty "$f" ;;
	environ) check "$path: the container= entry alone, or nothing" environ_ok "$f" ;;
	dpkg)
		listed=$(grep '^Package: ' "$f" | cut -d' ' -f2 | sort -u)
		check "$path: the container stack's stanzas only" \
			[ -z "$(comm -23 <(echo "$listed" | grep .) <(tr ' ' '\n' <<<"$packages" | sort -u))" ]
		;;
	esac
done <"$TMP/manifest"
check "container.name redacted" bash -c "! grep -q '^container.name=' '$TMP/x/root/.nestcheck/observations' || grep -qx 'container.name=redacted' '$TMP/x/root/.nestcheck/observations'"
if [ -s /var/lib/dpkg/status ]; then
	check "dpkg Maintainer redacted" bash -c "! grep '^Maintainer:' '$TMP/x/root/var/lib/dpkg/status' | grep -vqx 'Maintainer: redacted'"
fi
h=$(hostname)
if [ "${#h}" -ge 3 ] && [ "$h" != localhost ]; then
	check "host name not in the bundle" bash -c "! grep -rqwF -- '$h' '$TMP/x'"
fi

nc replay --root "$TMP/b.tar.gz" --json
check "replay of the bundle runs" rc_0_or_1 || show replay
check "replay leaves no temp dir" tmp_clean
statuses "$TMP/x/report.json" >"$TMP/collected.st"
statuses "$(out replay)" >"$TMP/replay.st"
check "replay gives the collected statuses" cmp -s "$TMP/collected.st" "$TMP/replay.st" ||
	diff "$TMP/collected.st" "$TMP/replay.st" | head
timeout -k 2 120 "$NESTCHECK" --no-launch --json >"$TMP/live.out" 2>/dev/null
statuses "$TMP/live.out" >"$TMP/live.st"
check "replay gives the live statuses" cmp -s "$TMP/live.st" "$TMP/replay.st" || diff "$TMP/live.st" "$TMP/replay.st" | head

# A plain sysroot tarball (no root/) is accepted too.
tar -czf "$TMP/plain.tar.gz" -C "$TMP/x/root" .
nc plain --root "$TMP/plain.tar.gz" --json
statuses "$(out plain)" >"$TMP/plain.st"
check "plain sysroot tarball replays" cmp -s "$TMP/collected.st" "$TMP/plain.st"
check "plain replay leaves no temp dir" tmp_clean

# A sysroot 300 directories deep: replayed, and removed to the last directory.
cp -a "$TMP/x/root" "$TMP/deep"
mkdir -p "$TMP/deep/$(printf 'd/%.0s' $(seq 300))" && echo x >"$TMP/deep/$(printf 'd/%.0s' $(seq 300))f"
tar -czf "$TMP/deep.tar.gz" -C "$TMP/deep" .
rm -rf "$TMP/deep"
nc deep --root "$TMP/deep.tar.gz" --json
check "a 300-deep sysroot tarball replays" cmp -s "$TMP/collected.st" <(statuses "$(out deep)")
check "... and leaves no temp dir" tmp_clean || find "$TMPDIR" -maxdepth 2 | head -n 3
rm -rf "${TMPDIR:?}"/* && mkdir -p "$TMPDIR"

# SIGTERM at any moment of a replay whose module index is copied for libkmod (the
# vm-debian12-host fixture has one): the copy goes with the process.
fx=$SRCDIR/fixtures/vm-debian12-host/root
if [ -d "$fx/lib/modules" ]; then
	left=0
	for i in $(seq 40); do
		ASAN_OPTIONS=detect_leaks=0 "$NESTCHECK" --root "$fx" --json >/dev/null 2>&1 &
		p=$!
		sleep "0.0$((i % 10))$((i * 7 % 10))"
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
		[ -z "$(ls -A "$TMPDIR")" ] || { left=$((left + 1)); rm -rf "${TMPDIR:?}"/*; }
	done
	check "SIGTERM during 40 replays: nothing left in the temp dir (left $left times)" [ "$left" -eq 0 ]
fi

# --- hostile bundles ------------------------------------------------------------
H=$TMP/h
mkdir -p "$H/a/b" "$H/s"
echo x >"$H/a/x"
(cd "$H/a/b" && tar -czPf "$H/traversal.tgz" ../x)
(cd "$H/a" && tar -czPf "$H/absolute.tgz" --transform 's,^x$,/etc/x,' x)
ln -s ../../etc/passwd "$H/s/escape"
tar -czf "$H/symlink.tgz" -C "$H" s/escape
rm -f "$H/s/escape"
ln -s /etc/passwd "$H/s/abs"
tar -czf "$H/symlink-abs.tgz" -C "$H" s/abs
rm -f "$H/s/abs"
truncate -s 1G "$H/big"
tar --sparse -czf "$H/sparse.tgz" -C "$H" big
rm -f "$H/big"
mkfifo "$H/fifo"
tar -czf "$H/fifo.tgz" -C "$H" fifo
rm -f "$H/fifo"
# A symlink under a directory name longer than NAME_MAX: refused with the real reason.
ln -s x "$H/s/l"
tar -czf "$H/longname.tgz" -C "$H" --transform "s,^s/,$(printf 'd%.0s' $(seq 300))/," s/l
rm -f "$H/s/l"
head -c $(($(stat -c %s "$TMP/b.tar.gz") / 2)) "$TMP/b.tar.gz" >"$H/truncated.tgz"
head -c 8192 /dev/urandom >"$H/junk.tgz"
: >"$H/empty.tgz"

for b in traversal absolute symlink symlink-abs sparse fifo longname truncated junk empty; do
	nc "h-$b" --root "$H/$b.tgz" --json
	check "$b bundle: exit 2" rc_is 2 || show "h-$b"
	check "$b bundle: one line on stderr" one_line "$(err "h-$b")" || show "h-$b"
	check "$b bundle: no report" is_empty "$(out "h-$b")"
	check "$b bundle: nothing left in the temp dir" tmp_clean
done
check "longname bundle: the error is the name's length" contains "$(err h-longname)" "File name too long"
check "traversal wrote nothing outside" test ! -e "$TMP/x/../x.extracted"

# --- collect failures -----------------------------------------------------------
nc c-noout collect
check "collect without -o: exit 2, one line" bash -c "[ $RC = 2 ]" && one_line "$(err c-noout)"
nc c-baddir collect -o "$TMP/no/such/dir/b.tar.gz"
check "collect into a missing dir: exit 2" rc_is 2
check "collect into a missing dir: one line" one_line "$(err c-baddir)" || show c-baddir
check "collect failure leaves no temp files" tmp_clean

finish
