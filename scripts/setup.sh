#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# setup.sh [--test] [--vm]: install what nestcheck needs to build (with --test,
# every peer its tests start: dockerd, LXD, Incus, LXCFS, valgrind, Ansible, and the VM
# tier's tools; with --vm, only what scripts/kernel-gate.sh needs besides the
# build) from Debian's packages. qemu comes from bookworm-backports (bookworm's
# 7.2 is too slow under TCG for runc: its soft lockups stall containers), and
# so does Incus (6.0 LTS; bookworm has none).
# Idempotent: it asks apt only for what is missing.
set -euo pipefail

build=(cmake make gcc pkg-config libkmod-dev libmount-dev libblkid-dev libjson-c-dev zlib1g-dev
	libcurl4-openssl-dev libarchive-dev)
vm=(mmdebstrap kmod cpio e2fsprogs busybox-static xz-utils zstd)
test=(libcmocka-dev clang clang-format libxml2-utils python3-junitparser prometheus prometheus-node-exporter curl chromium ansible lxd lxd-client lxc lxcfs docker.io
	busybox-static valgrind time bc gzip tar util-linux dpkg-dev "${vm[@]}")

want=("${build[@]}")
qemu=no incus=no
for a in "$@"; do
	case $a in
	--test) want+=("${test[@]}"); qemu=yes incus=yes ;;
	--vm) want+=("${vm[@]}"); qemu=yes ;;
	*) echo "usage: setup.sh [--test] [--vm]" >&2; exit 2 ;;
	esac
done

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
need_qemu=no
if [ $qemu = yes ]; then
	v=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null || true)
	if [ -z "$v" ] || dpkg --compare-versions "$v" lt 1:8; then need_qemu=yes; fi
fi
need_incus=no
if [ $incus = yes ]; then
	for p in incus incus-client; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need_incus=yes
	done
fi
[ ${#missing[@]} -eq 0 ] && [ $need_qemu = no ] && [ $need_incus = no ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "setup: missing packages: ${missing[*]}$([ $need_qemu = yes ] && echo ' qemu-system-x86 (>= 8, bookworm-backports)')$([ $need_incus = yes ] && echo ' incus incus-client (bookworm-backports)'); run as root to install them" >&2
	exit 2
fi
export DEBIAN_FRONTEND=noninteractive
if [ $need_qemu = yes ] || [ $need_incus = yes ]; then
	bp=/etc/apt/sources.list.d/bookworm-backports.sources
	if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' 'Suites: bookworm-backports' \
			'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' >"$bp"
	fi
fi
echo "setup: installing ${missing[*]}$([ $need_qemu = yes ] && echo ' qemu-system-x86 (bookworm-backports)')$([ $need_incus = yes ] && echo ' incus incus-client (bookworm-backports)')"
apt-get update -q >/dev/null
[ ${#missing[@]} -eq 0 ] || apt-get install -y -q "${missing[@]}" >/dev/null
if [ $need_qemu = yes ]; then
	apt-get install -y -q --no-install-recommends -t bookworm-backports qemu-system-x86 >/dev/null
fi
if [ $need_incus = yes ]; then
	apt-get install -y -q --no-install-recommends -t bookworm-backports incus incus-client >/dev/null
fi
