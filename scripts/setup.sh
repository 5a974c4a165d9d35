#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# setup.sh [--test]: install what nestcheck needs to build (and, with --test,
# every peer its tests start: dockerd, LXD, LXCFS, valgrind) from Debian's
# packages. Idempotent: it asks apt only for what is missing.
set -euo pipefail

build=(cmake make gcc pkg-config libkmod-dev libmount-dev libblkid-dev libjson-c-dev zlib1g-dev
	libcurl4-openssl-dev libarchive-dev)
test=(libcmocka-dev clang clang-format libxml2-utils python3-junitparser lxd lxd-client lxc lxcfs docker.io busybox-static valgrind time bc gzip tar util-linux dpkg-dev)

want=("${build[@]}")
[ "${1:-}" = --test ] && want+=("${test[@]}")

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "setup: missing packages: ${missing[*]}; run as root to install them" >&2
	exit 2
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q "${missing[@]}" >/dev/null
