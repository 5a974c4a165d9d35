#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# --kernel-config FILE: a kernel build's config judged before it is booted, by
# kernel.config and every rule that reads the config; bad files exit 2.
# Usage: bash kernel_config.sh NESTCHECK_BINARY SOURCE_DIR JSONQ_BINARY
# shellcheck disable=SC2016
set -u
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash" "$@"

R=$TMP/root
sysroot_host "$R"
kconfig_text >"$TMP/good.config"
grep -v -e '^CONFIG_USER_NS=' -e '^CONFIG_OVERLAY_FS=' "$TMP/good.config" >"$TMP/no-userns.config"
gzip -9n <"$TMP/no-userns.config" >"$TMP/no-userns.config.gz"

nc good --root "$R" --json --kernel-config "$TMP/good.config" --only kernel.config
check "a complete config: kernel.config passes" status_is "$(out good)" kernel.config pass
check "the source names the file" [ "$(jget "$(out good)" checks.kernel.config.evidence.source)" = "$TMP/good.config (--kernel-config)" ]

for f in no-userns.config no-userns.config.gz; do
	nc "bad-$f" --root "$R" --json --kernel-config "$TMP/$f" --only kernel.config,userns.enabled,overlay.support
	check "$f: kernel.config fails" status_is "$(out "bad-$f")" kernel.config fail
	check "$f: it names CONFIG_USER_NS" contains <(jget "$(out "bad-$f")" checks.kernel.config.evidence.missing) CONFIG_USER_NS
	check "$f: userns.enabled reads the same config (fail)" status_is "$(out "bad-$f")" userns.enabled fail
	check "$f: the fix is a rebuild before booting" \
		contains <(jget "$(out "bad-$f")" checks.kernel.config.remediation) "before it is booted"
done

# Live too: the running kernel's config is not read then.
nc live --json --no-probes --kernel-config "$TMP/no-userns.config" --only kernel.config
check "live: the given config is judged" status_is "$(out live)" kernel.config fail

printf 'not a kernel config\n' >"$TMP/junk"
head -c 100 "$TMP/no-userns.config.gz" >"$TMP/truncated.gz"
for bad in "$TMP/missing" "$TMP" "$TMP/junk" "$TMP/truncated.gz"; do
	nc e --root "$R" --kernel-config "$bad"
	check "--kernel-config $(basename "$bad"): exit 2" rc_is 2
	check "--kernel-config $(basename "$bad"): one line on stderr" one_line "$(err e)"
	check "--kernel-config $(basename "$bad"): nothing on stdout" is_empty "$(out e)"
done
nc help --help
check "--help mentions --kernel-config" contains "$(out help)" "--kernel-config"

finish
