#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# tests/fuzz/seeds.sh NAME SOURCE_DIR OUTDIR: the seed corpus of harness fuzz_NAME, from the
# fixtures (their host files, recorded observations, module indexes and golden reports), the
# failure catalog's patterns and a few engine answers, one file a seed.
set -euo pipefail
name=${1:?usage: seeds.sh NAME SOURCE_DIR OUTDIR} src=${2:?} out=${3:?}
mkdir -p "$out"
seed() { # seed FILE-OR-DASH [PREFIX-BYTE]: one seed, optionally behind a selector byte (also in a pipeline)
	local f
	f=$(mktemp "$out/seed.XXXXXX")
	if [ $# -ge 2 ]; then printf "\\$(printf '%03o' "$2")" >"$f"; else : >"$f"; fi
	if [ "$1" = - ]; then cat >>"$f"; else cat -- "$1" >>"$f"; fi
}
each() { # each PREFIX GLOB...: every existing file, behind PREFIX (or none when PREFIX is -)
	local p=$1 f
	shift
	for f in "$@"; do
		[ -f "$f" ] || continue
		if [ "$p" = - ]; then seed "$f"; else seed "$f" "$p"; fi
	done
}
obs() { # obs PREFIX KEY-REGEX: recorded values of matching keys, behind PREFIX
	local p=$1 re=$2 f
	for f in "$src"/fixtures/*/root/.nestcheck/observations; do
		# awk, not head: head leaves early and, under pipefail, sed's SIGPIPE would fail the script.
		sed -n "s/^\\($re\\)=//p" "$f" | awk 'NR <= 3' | while IFS= read -r v; do
			printf '%b' "${v//\\n/\\n}" | seed - "$p"
		done
	done
}
fx=("$src"/fixtures/*/root)
case $name in
mountinfo) each - "${fx[@]/%//proc/self/mountinfo}" ;;
kconfig) each - "${fx[@]/%//proc/config.gz}" "$src"/fixtures/*/root/boot/config-* ;;
observations) each - "${fx[@]/%//.nestcheck/observations}" ;;
modindex) each - "$src"/fixtures/*/root/lib/modules/*/modules.*.bin ;;
report) each - "$src"/fixtures/*/expected.json ;;
text)
	each 0 "${fx[@]/%//proc/self/uid_map}" "${fx[@]/%//proc/self/gid_map}"
	each 1 "${fx[@]/%//etc/os-release}"
	each 2 "${fx[@]/%//proc/1/environ}"
	each 3 "${fx[@]/%//proc/self/cgroup}"
	each 4 "${fx[@]/%//proc/self/status}"
	each 5 "${fx[@]/%//var/lib/dpkg/status}"
	each 6 "${fx[@]/%//etc/docker/daemon.json}"
	each 7 "${fx[@]/%//proc/sys/kernel/osrelease}"
	each 8 "${fx[@]/%//proc/sys/net/ipv4/ip_forward}"
	each 9 "${fx[@]/%//proc/modules}"
	obs 10 'network\.iptables\.version'
	obs 11 'network\.iptables\.list\.[a-z]*'
	obs 12 'network\.iptables\.rehearsal[a-z.]*'
	obs 13 'network\.iptables\.other[a-z.]*'
	obs 14 'runtime\.version\.[a-z]*'
	obs 15 'runtime\.run\.[a-z]*'
	printf '2.2.4-1\n' | seed - 16
	printf '{"min_kernel": "5.4", "min_docker": "20.10", "must_pass": ["overlay.mount"]}\n' | seed - 17
	printf 'esc \033]52;c;aGk=\007 \302\233 done\n' | seed - 18
	printf 'line one\nline\ttwo\n' | seed - 19
	;;
engine)
	printf '{"Version":"20.10.24+dfsg1","ApiVersion":"1.41","MinAPIVersion":"1.12","Os":"linux","Arch":"amd64","KernelVersion":"6.1.0"}' | seed - 0
	printf '[{"Id":"abc","RepoTags":["nestcheck-probe:1"],"Labels":{"io.nestcheck.probe":"1"},"Created":1700000000}]' | seed - 1
	printf '[{"Id":"c1","Names":["/x"],"Labels":{},"Created":1,"State":"running"}]' | seed - 1
	printf '{"Name":"nestcheck-net","Id":"n1","Driver":"bridge","IPAM":{"Config":[{"Subnet":"172.18.0.0/16","Gateway":"172.18.0.1"}]},"Containers":{}}' | seed - 2
	printf '{"NetworkSettings":{"Ports":{"8000/tcp":[{"HostIp":"0.0.0.0","HostPort":"32768"}]},"Networks":{"nestcheck-net":{"IPAddress":"172.18.0.2"}}}}' | seed - 3
	printf '\001\000\000\000\000\000\000\006hello\n\002\000\000\000\000\000\000\004err\n' | seed - 4
	printf '{"message":"OCI runtime create failed: runc create failed"}' | seed - 5
	printf '{"status":"Loading layer"}\n{"errorDetail":{"message":"no space left on device"},"error":"no space left on device"}\n' | seed - 5
	obs 7 'engine\.[a-z.]*'
	obs 8 'launch\.[a-z.]*'
	;;
lxd)
	obs - 'lxd\.instance\.config'
	printf '{"security.nesting":"true","security.idmap.size":"1000000"}' | seed -
	printf 'web-1' | seed -
	;;
explain)
	# The catalog's patterns, one a seed.
	grep -ho '"[^"]\{12,\}"' "$src"/remedy/failures_*.c | sed 's/^"//; s/"$//' | sort -u | awk 'NR <= 300' |
		while IFS= read -r t; do printf '%s\n' "$t" | seed -; done
	;;
bundle)
	# Raw tarballs (selector bit 0): a sysroot's, plain and gzipped.
	tmp=$(mktemp -d)
	mkdir -p "$tmp/root/proc/self" && cp "$src/fixtures/debian12-host/root/proc/self/mountinfo" "$tmp/root/proc/self/"
	tar -C "$tmp" -cf "$tmp/b.tar" root && seed "$tmp/b.tar" 1
	gzip -c "$tmp/b.tar" >"$tmp/b.tgz" && seed "$tmp/b.tgz" 1
	rm -rf "$tmp"
	# Descriptions (selector 4: under root/): a file, a directory, a symlink in the bundle, a hardlink.
	printf '\000\015proc/self/abc\003xyz\001\004etc/\000\002\006etc/os\013../etc/os-r\003\005etc/h\015proc/self/abc' | seed - 4
	;;
*) echo "seeds.sh: no harness $name" >&2; exit 2 ;;
esac
[ -n "$(ls -A "$out")" ] || { echo "seeds.sh: no seed for $name" >&2; exit 1; }
