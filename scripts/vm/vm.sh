# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
#
# scripts/vm/vm.sh: sourceable helpers that boot a distribution kernel under
# qemu with a Debian root file system, run one script inside as PID 1's child
# and hand its output directory back. Used by scripts/kernel-gate.sh and the
# VM test tier (tests/vm).
#
#   . scripts/vm/vm.sh
#   vm_kernel [--deb FILE | --dir DIR]   # sets VM_KDIR, VM_KREL, VM_INITRD
#   vm_rootfs                            # sets VM_ROOT (cached ext4 image)
#   vm_boot IN_DIR OUT_DIR TIMEOUT [KERNEL ARGS...]
#   vm_cleanup                           # temp files, a qemu still running
#
# IN_DIR must hold an executable `scenario`; everything in IN_DIR appears in
# the guest as /nc, the scenario runs as root with /out as its output
# directory, and /out comes back as OUT_DIR (with OUT_DIR/rc, the scenario's
# exit status, and OUT_DIR/console.log, the serial console).
#
# Caches (NESTCHECK_VM_CACHE, default /var/cache/nestcheck/vm): the kernel by
# package name and version (or by the .deb's checksum), the root file system
# by the candidate versions of its packages and this file's own checksum.
# Nothing else is written outside a temporary directory that vm_cleanup
# removes. qemu's -snapshot keeps the cached image unchanged.
#
# Every function returns non-zero on failure with a one-line reason on stderr.

VM_CACHE=${NESTCHECK_VM_CACHE:-/var/cache/nestcheck/vm}
VM_SUITE=${NESTCHECK_VM_SUITE:-bookworm}
VM_MIRROR=${NESTCHECK_VM_MIRROR:-http://deb.debian.org/debian}
# What the guest runs: the Docker engine, LXD, AppArmor's tools, module tools,
# iptables, busybox, nestcheck's libraries (and the sanitizer runtimes, so a
# test build runs there too).
VM_PACKAGES=(docker.io apparmor kmod iproute2 iptables busybox-static lxd lxd-client lxcfs lxc
	libkmod2 libmount1 libblkid1 libjson-c5 zlib1g libcurl4 libarchive13 libasan8 libubsan1)
# From the suite's backports: Incus 6.0 (its container daemon and client, not the VM parts).
VM_BACKPORTS=(incus-base incus-client)
# Loaded by the initramfs: the root disk and its file system are modules in
# Debian's kernels.
VM_INITRD_MODULES=(virtio_pci virtio_blk crc32c_generic ext4)
VM_MEM=${NESTCHECK_VM_MEM:-2048}
VM_TMP=
VM_QEMU_PID=

_vm_log() { printf '[vm] %s\n' "$*" >&2; }

_vm_tmp() {
	[ -n "$VM_TMP" ] && [ -d "$VM_TMP" ] && return 0
	VM_TMP=$(mktemp -d /tmp/nestcheck-vm.XXXXXX) || return 1
}

# vm_need: every host tool these helpers call.
vm_need() {
	local c missing=
	for c in qemu-system-x86_64 mmdebstrap depmod modprobe cpio mkfs.ext4 dpkg-deb apt-get sha256sum; do
		command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
	done
	[ -x /bin/busybox ] || missing="$missing busybox(busybox-static)"
	if [ -n "$missing" ]; then
		_vm_log "missing:$missing (scripts/setup.sh --vm installs them)"
		return 1
	fi
	if /bin/busybox ldd /bin/busybox >/dev/null 2>&1 || ldd /bin/busybox >/dev/null 2>&1; then
		_vm_log "/bin/busybox is not static (apt-get install busybox-static)"
		return 1
	fi
}

# _vm_candidate PKG: the version apt would install.
_vm_candidate() {
	apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" { print $2; exit }'
}

# _vm_kernel_index DIR REL: depmod over DIR/lib/modules/REL if it has no index.
_vm_kernel_index() {
	[ -f "$1/lib/modules/$2/modules.dep.bin" ] && return 0
	depmod -b "$1" "$2" || { _vm_log "depmod -b $1 $2 failed"; return 1; }
}

# _vm_kernel_find DIR: sets VM_KREL from DIR/boot/vmlinuz-REL with DIR/lib/modules/REL.
_vm_kernel_find() {
	local v rel n=0
	for v in "$1"/boot/vmlinuz-*; do
		[ -f "$v" ] || continue
		rel=${v##*/vmlinuz-}
		[ -d "$1/lib/modules/$rel" ] || continue
		VM_KREL=$rel
		n=$((n + 1))
	done
	if [ "$n" != 1 ]; then
		_vm_log "$1: want exactly one boot/vmlinuz-RELEASE with lib/modules/RELEASE, found $n"
		return 1
	fi
}

# vm_kernel [--deb FILE | --dir DIR]: the kernel to boot. Default: the suite's
# current linux-image-amd64, downloaded once into the cache.
vm_kernel() {
	local pkg= ver= dir tmp deb= sum
	case ${1:-} in
	--dir)
		dir=$(readlink -f "${2:?--dir needs a directory}") || return 1
		[ -d "$dir" ] || { _vm_log "$2: not a directory"; return 1; }
		_vm_kernel_find "$dir" || return 1
		if [ ! -f "$dir/lib/modules/$VM_KREL/modules.dep.bin" ]; then
			_vm_log "$dir/lib/modules/$VM_KREL has no modules.dep.bin (run depmod -b $dir $VM_KREL)"
			return 1
		fi
		VM_KDIR=$dir
		_vm_tmp || return 1
		VM_INITRD=$VM_TMP/initrd.img
		VM_MODULES=$VM_TMP/modules.img
		_vm_initrd "$VM_INITRD" && _vm_modules_img "$VM_MODULES"
		return
		;;
	--deb)
		deb=$(readlink -f "${2:?--deb needs a file}") || return 1
		[ -f "$deb" ] || { _vm_log "$2: no such file"; return 1; }
		sum=$(sha256sum "$deb" | cut -c1-16) || return 1
		dir=$VM_CACHE/kernel/deb-$sum
		;;
	'')
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
		[ -n "$pkg" ] || { _vm_log "apt knows no linux-image-amd64 (apt-get update?)"; return 1; }
		ver=$(_vm_candidate "$pkg")
		[ -n "$ver" ] || { _vm_log "apt has no candidate for $pkg"; return 1; }
		dir=$VM_CACHE/kernel/${pkg}_$ver
		;;
	*)
		_vm_log "vm_kernel: unknown option $1"
		return 1
		;;
	esac
	if [ ! -f "$dir/.done" ]; then
		mkdir -p "$VM_CACHE/kernel" || return 1
		rm -rf "$dir" "$dir.new"
		tmp=$dir.new
		mkdir -p "$tmp/x" || return 1
		if [ -z "$deb" ]; then
			_vm_log "downloading $pkg $ver"
			(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >/dev/null) || {
				_vm_log "apt-get download $pkg=$ver failed"
				rm -rf "$tmp"
				return 1
			}
			deb=$(ls "$tmp"/*.deb)
		fi
		dpkg-deb -x "$deb" "$tmp/x" || { _vm_log "dpkg-deb -x $deb failed"; rm -rf "$tmp"; return 1; }
		rm -f "$tmp"/*.deb
		_vm_kernel_find "$tmp/x" && _vm_kernel_index "$tmp/x" "$VM_KREL" || { rm -rf "$tmp"; return 1; }
		mv "$tmp/x" "$dir" && rmdir "$tmp" || return 1
		VM_KDIR=$dir
		_vm_initrd "$dir/nc-initrd.img" && _vm_modules_img "$dir/nc-modules.img" || { rm -rf "$dir"; return 1; }
		touch "$dir/.done"
	fi
	VM_KDIR=$dir
	_vm_kernel_find "$dir" || return 1
	VM_INITRD=$dir/nc-initrd.img
	VM_MODULES=$dir/nc-modules.img
}

# _vm_modules_img OUT: VM_KDIR/lib/modules as an ext4 image (the guest's /lib/modules).
_vm_modules_img() {
	local mb
	mb=$(du -sm "$VM_KDIR/lib/modules" | cut -f1) || return 1
	mkfs.ext4 -q -F -L nc-modules -d "$VM_KDIR/lib/modules" "$1.new" "$((mb * 12 / 10 + 64))M" >/dev/null &&
		mv "$1.new" "$1" || { _vm_log "cannot write the module disk $1"; rm -f "$1.new"; return 1; }
}

# _vm_initrd OUT: a busybox initramfs that loads the disk and ext4 modules,
# mounts /dev/vda, unpacks the input disk /dev/vdb (a tar) into /nc and hands
# over to /nc/init.
_vm_initrd() {
	local out=$1 r line mod f
	r=$(mktemp -d /tmp/nestcheck-initrd.XXXXXX) || return 1
	mkdir -p "$r/bin" "$r/lib/mod" || return 1
	cp /bin/busybox "$r/bin/busybox" || return 1
	: >"$r/modules"
	# In dependency order; "builtin" lines need nothing.
	while read -r line; do
		case $line in
		insmod\ *)
			f=${line#insmod }
			f=${f%% *}
			mod=${f##*/}
			grep -qx "$mod" "$r/modules" && continue
			case $f in
			*.ko) cp "$f" "$r/lib/mod/$mod" ;;
			*.ko.xz) xz -dc "$f" >"$r/lib/mod/${mod%.xz}" && mod=${mod%.xz} ;;
			*.ko.zst) zstd -qdc "$f" >"$r/lib/mod/${mod%.zst}" && mod=${mod%.zst} ;;
			*) false ;;
			esac || { _vm_log "cannot copy module $f"; rm -rf "$r"; return 1; }
			echo "$mod" >>"$r/modules"
			;;
		esac
	done < <(for mod in "${VM_INITRD_MODULES[@]}"; do
		modprobe -d "$VM_KDIR" -S "$VM_KREL" --show-depends "$mod" || echo "MISSING $mod"
	done)
	cat >"$r/init" <<'EOF'
#!/bin/busybox sh
# nestcheck VM initramfs: disk modules, root, input disk, then /nc/init.
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /newroot
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules); do insmod "/lib/mod/$m" 2>/dev/null || echo "nc-vm: insmod $m failed"; done
i=0
while [ ! -b /dev/vda ] || [ ! -b /dev/vdb ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "nc-vm: missing disks (vda root, vdb input, vdd modules)"; poweroff -f; }
	sleep 0.1
done
mount -t ext4 -o rw /dev/vda /newroot || { echo "nc-vm: cannot mount /dev/vda"; poweroff -f; }
mkdir -p /newroot/lib/modules
mount -t ext4 -o ro /dev/vdd /newroot/lib/modules || { echo "nc-vm: cannot mount the module disk"; poweroff -f; }
rm -rf /newroot/nc && mkdir -p /newroot/nc && tar -xf /dev/vdb -C /newroot/nc ||
	{ echo "nc-vm: cannot unpack the input disk"; poweroff -f; }
mount --move /dev /newroot/dev
umount /sys /proc
exec switch_root /newroot /nc/init
EOF
	chmod 755 "$r/init" || return 1
	if grep -q '^MISSING' <(for mod in "${VM_INITRD_MODULES[@]}"; do
		modprobe -d "$VM_KDIR" -S "$VM_KREL" --show-depends "$mod" >/dev/null 2>&1 || echo "MISSING $mod"
	done); then
		_vm_log "the kernel has neither module nor built-in for one of: ${VM_INITRD_MODULES[*]}"
		rm -rf "$r"
		return 1
	fi
	(cd "$r" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.new" && mv "$out.new" "$out"
	local rc=$?
	rm -rf "$r"
	[ $rc = 0 ] || _vm_log "cannot write $out"
	return $rc
}

# vm_rootfs: the cached root image (without kernel modules: each kernel brings
# its own module tree on a disk of its own, mounted at /lib/modules).
vm_rootfs() {
	local key p v tmp
	key=$({
		printf '%s\n' "$VM_SUITE" "$VM_MIRROR"
		for p in "${VM_PACKAGES[@]}" "${VM_BACKPORTS[@]}"; do
			v=$(_vm_candidate "$p")
			[ -n "$v" ] || { _vm_log "apt has no candidate for $p (apt-get update?)"; echo MISSING; }
			printf '%s %s\n' "$p" "$v"
		done
		sed -n '/^vm_rootfs()/,/^}/p' "${BASH_SOURCE[0]}"
	} | sha256sum | cut -c1-16)
	VM_ROOT=$VM_CACHE/rootfs-$key.img
	[ -f "$VM_ROOT" ] && return 0
	mkdir -p "$VM_CACHE" || return 1
	tmp=$(mktemp -d "$VM_CACHE/rootfs.XXXXXX") || return 1
	_vm_log "building the root file system ($VM_SUITE: ${VM_PACKAGES[*]}; $VM_SUITE-backports: ${VM_BACKPORTS[*]})"
	if ! mmdebstrap --quiet --variant=minbase --include="$(
		IFS=,
		echo "${VM_PACKAGES[*]}"
	)" \
		--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		--customize-hook='echo nc-vm >"$1/etc/hostname"' \
		--customize-hook='printf "127.0.0.1 localhost nc-vm\n" >"$1/etc/hosts"' \
		--chrooted-customize-hook="apt-get install -y -q --no-install-recommends -t $VM_SUITE-backports ${VM_BACKPORTS[*]}" \
		--customize-hook='rm -f "$1"/etc/machine-id; : >"$1"/etc/machine-id' \
		"$VM_SUITE" "$tmp/root" "deb $VM_MIRROR $VM_SUITE main" "deb $VM_MIRROR $VM_SUITE-backports main" \
		>"$tmp/log" 2>&1; then
		_vm_log "mmdebstrap failed: $(tail -n 3 "$tmp/log" | tr '\n' ' ')"
		rm -rf "$tmp"
		return 1
	fi
	if ! mkfs.ext4 -q -F -L nc-root -d "$tmp/root" "$tmp/root.img" 6G >/dev/null; then
		_vm_log "mkfs.ext4 -d failed"
		rm -rf "$tmp"
		return 1
	fi
	mv "$tmp/root.img" "$VM_ROOT" && rm -rf "$tmp"
	# Older images of other keys are garbage now.
	find "$VM_CACHE" -maxdepth 1 -name 'rootfs-*.img' ! -path "$VM_ROOT" -delete
}

# vm_boot IN_DIR OUT_DIR TIMEOUT [KERNEL ARGS...]: boot VM_KDIR's kernel on
# VM_ROOT, run IN_DIR/scenario inside, fill OUT_DIR. Returns the scenario's exit
# status, 124 when TIMEOUT seconds passed first, 125 when the VM gave no output.
vm_boot() {
	local in=$1 out=$2 limit=$3 rc t0=$SECONDS
	shift 3
	_vm_tmp || return 125
	[ -x "$in/scenario" ] || { _vm_log "$in/scenario: not executable"; return 125; }
	mkdir -p "$out" || return 125
	cp "$(dirname "${BASH_SOURCE[0]}")/init" "$in/init" && chmod 755 "$in/init" || return 125
	if [ -f "$VM_KDIR/boot/config-$VM_KREL" ]; then
		cp "$VM_KDIR/boot/config-$VM_KREL" "$in/kernel-config" || return 125
	fi
	rm -f "$VM_TMP/in.tar" "$VM_TMP/out.img"
	tar -C "$in" -cf "$VM_TMP/in.tar" . || return 125
	truncate -s 1G "$VM_TMP/out.img" || return 125
	: >"$out/console.log"
	qemu-system-x86_64 $(vm_accel) -smp 2 -m "$VM_MEM" \
		-display none -monitor none -serial "file:$out/console.log" -no-reboot \
		-nic none -pidfile "$VM_TMP/qemu.pid" \
		-kernel "$VM_KDIR/boot/vmlinuz-$VM_KREL" -initrd "$VM_INITRD" \
		-drive "file=$VM_ROOT,format=raw,if=virtio,snapshot=on" \
		-drive "file=$VM_TMP/in.tar,format=raw,if=virtio,readonly=on" \
		-drive "file=$VM_TMP/out.img,format=raw,if=virtio" \
		-drive "file=$VM_MODULES,format=raw,if=virtio,readonly=on" \
		-append "console=ttyS0 root=/dev/vda rw panic=-1 $*" </dev/null >"$VM_TMP/qemu.log" 2>&1 &
	VM_QEMU_PID=$!
	rc=
	while kill -0 "$VM_QEMU_PID" 2>/dev/null; do
		if [ $((SECONDS - t0)) -ge "$limit" ]; then
			_vm_log "no power-off after $limit s: stopping qemu"
			kill "$VM_QEMU_PID" 2>/dev/null
			sleep 2
			kill -9 "$VM_QEMU_PID" 2>/dev/null
			rc=124
			break
		fi
		sleep 1
	done
	wait "$VM_QEMU_PID" 2>/dev/null
	VM_QEMU_PID=
	rm -f "$VM_TMP/in.tar" "$VM_TMP/qemu.pid"
	if [ -z "$rc" ]; then
		if tar -xf "$VM_TMP/out.img" -C "$out" 2>/dev/null && [ -f "$out/rc" ]; then
			rc=$(cat "$out/rc")
		else
			_vm_log "the VM wrote no output: $(grep -v '^$' "$VM_TMP/qemu.log" | tail -n 2 | tr '\n' ' ')console: $(tail -n 5 "$out/console.log" | tr '\n' ' ')"
			rc=125
		fi
	fi
	rm -f "$VM_TMP/out.img"
	_vm_log "VM ran $((SECONDS - t0)) s, scenario exit status $rc"
	return "$rc"
}

# vm_accel: KVM where the CPU offers virtualisation and /dev/kvm is there, TCG
# otherwise (NESTCHECK_VM_ACCEL=kvm|tcg decides). A /dev/kvm without vmx or svm
# in the CPU flags opens but never runs a guest, so the flags decide.
vm_accel() {
	local a=${NESTCHECK_VM_ACCEL:-}
	if [ -z "$a" ]; then
		if [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then a=kvm; else a=tcg; fi
	fi
	case $a in
	kvm) echo "-accel kvm -cpu host" ;;
	*) echo "-accel tcg -cpu max" ;;
	esac
}

# vm_cleanup: stop a qemu still running, remove the temporary directory.
vm_cleanup() {
	if [ -n "$VM_QEMU_PID" ]; then
		kill -9 "$VM_QEMU_PID" 2>/dev/null
		wait "$VM_QEMU_PID" 2>/dev/null
		VM_QEMU_PID=
	fi
	[ -n "$VM_TMP" ] && rm -rf "$VM_TMP"
	VM_TMP=
}
