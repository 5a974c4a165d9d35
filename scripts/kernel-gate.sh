#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# kernel-gate.sh [--kernel PACKAGE.deb | --kernel-dir DIR] [--baseline OLD.json]
#                [--nestcheck BINARY] [--append ARGS] [--timeout SECONDS] -o REPORT.json
#
# Boot a kernel in a throwaway VM (qemu; KVM where the CPU offers it, TCG
# otherwise) on a Debian 12 root file system with Docker, start dockerd there as
# a host does, run nestcheck with its test launches, and write its JSON report
# to REPORT.json (the human report goes to stdout). With --baseline, compare the
# two reports with `nestcheck diff` and exit with its status: what a CI job that
# gates a new kernel runs.
#
#   --kernel FILE.deb   a kernel package (linux-image-*.deb): its vmlinuz and modules
#   --kernel-dir DIR    DIR/boot/vmlinuz-RELEASE and DIR/lib/modules/RELEASE (depmod done),
#                       e.g. `make install modules_install INSTALL_PATH=DIR/boot INSTALL_MOD_PATH=DIR`
#   (neither)           Debian 12's current linux-image-amd64
#   --append ARGS       kernel command line (default: AppArmor on, cgroup v2 only)
#   --nestcheck BINARY  default: build-release/nestcheck of this tree (scripts/run.sh builds it)
#   --timeout SECONDS   the VM's whole run (default 900)
#
# Exit status: without --baseline, nestcheck's (0 ready or degraded, 1 not ready);
# with it, nestcheck diff's (0 nothing got worse, 1 a check got worse); 2 when
# the VM could not be built or booted or wrote no report.
# Needs root and scripts/setup.sh --vm. The kernel and the root file system are
# cached under /var/cache/nestcheck/vm (NESTCHECK_VM_CACHE).
set -uo pipefail

usage() {
	echo "usage: kernel-gate.sh [--kernel PACKAGE.deb | --kernel-dir DIR] [--baseline OLD.json] [--nestcheck BINARY] [--append ARGS] [--timeout SECONDS] -o REPORT.json" >&2
	exit 2
}
die() {
	echo "kernel-gate: $*" >&2
	exit 2
}

here=$(cd "$(dirname "$0")" && pwd)
kernel=() baseline= out= nc=$here/../build-release/nestcheck limit=900
append="apparmor=1 security=apparmor systemd.unified_cgroup_hierarchy=1"
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) [ $# -ge 2 ] || usage; kernel=(--deb "$2"); shift ;;
	--kernel-dir) [ $# -ge 2 ] || usage; kernel=(--dir "$2"); shift ;;
	--baseline) [ $# -ge 2 ] || usage; baseline=$2; shift ;;
	--nestcheck) [ $# -ge 2 ] || usage; nc=$2; shift ;;
	--append) [ $# -ge 2 ] || usage; append=$2; shift ;;
	--timeout) [ $# -ge 2 ] || usage; limit=$2; shift ;;
	-o) [ $# -ge 2 ] || usage; out=$2; shift ;;
	-h | --help) sed -n '4,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) usage ;;
	esac
	shift
done
[ -n "$out" ] || usage
case $limit in '' | *[!0-9]*) die "--timeout wants whole seconds, not '$limit'" ;; esac
[ "$(id -u)" = 0 ] || die "needs root (qemu's disks and the cache under /var/cache)"
[ -x "$nc" ] || die "$nc: no nestcheck binary (scripts/run.sh builds build-release/nestcheck, or give --nestcheck)"
if [ -n "$baseline" ]; then
	"$nc" diff "$baseline" "$baseline" >/dev/null 2>&1 || die "$baseline: not a nestcheck JSON report"
fi
: >>"$out" 2>/dev/null || die "cannot write $out"

# shellcheck source=vm/vm.sh
. "$here/vm/vm.sh"
work=
cleanup() {
	vm_cleanup
	[ -n "$work" ] && rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

vm_need || exit 2
vm_kernel "${kernel[@]}" || die "no kernel to boot"
vm_rootfs || die "no root file system"
work=$(mktemp -d /tmp/nestcheck-gate.XXXXXX) || exit 2
mkdir -p "$work/in" || exit 2
cp "$nc" "$work/in/nestcheck" || exit 2
cat >"$work/in/scenario" <<'EOF'
#!/bin/bash
# In the VM: dockerd as a host starts it, then nestcheck with its launches.
export NO_COLOR=1 ASAN_OPTIONS=detect_leaks=0
echo "nc-vm: starting dockerd" >/dev/console
setsid dockerd >/out/dockerd.log 2>&1 </dev/null &
for _ in $(seq 1 120); do
	docker version >/dev/null 2>&1 && break
	sleep 1
done
docker version >/dev/null 2>&1 || echo "nc-vm: dockerd did not answer in 120 s" >/dev/console
echo "nc-vm: running nestcheck" >/dev/console
/nc/nestcheck --json >/out/report.json 2>/out/nestcheck.err
echo $? >/out/nestcheck.rc
# The same run for people (launches are cheap once the image is built).
/nc/nestcheck >/out/report.txt 2>&1
exit 0
EOF
chmod 755 "$work/in/scenario"
echo "kernel-gate: booting $VM_KREL ($VM_KDIR)" >&2
vm_boot "$work/in" "$work/out" "$limit" "$append"
rc=$?
if [ "$rc" != 0 ] || [ ! -s "$work/out/report.json" ]; then
	tail -n 20 "$work/out/console.log" >&2 2>/dev/null
	die "the VM wrote no report (exit status $rc)"
fi
ncrc=$(cat "$work/out/nestcheck.rc")
cp "$work/out/report.json" "$out" || die "cannot write $out"
cat "$work/out/report.txt"
echo "kernel-gate: $VM_KREL: JSON report in $out"
if [ -n "$baseline" ]; then
	"$nc" diff "$baseline" "$out"
	exit $?
fi
case $ncrc in 0 | 1) exit "$ncrc" ;; *) die "nestcheck exited $ncrc in the VM: $(head -c 300 "$work/out/nestcheck.err")" ;; esac
