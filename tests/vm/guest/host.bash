# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
#
# The VM as a Docker host (stock kernel: AppArmor on, cgroup v2 only, modules
# loadable but not loaded at boot). Scenarios, one after another:
#   h0  fresh boot, no engine: nestcheck --no-launch; which modules it made the kernel load
#   h1  AppArmor on, apparmor_parser missing, dockerd started: Docker's ground truth and
#       nestcheck; then the printed fix (install apparmor: here the binary is put back, the
#       VM has no network) and both again
#   h3  the running kernel's modules gone (a kernel upgraded without a reboot), veth not loaded
#       yet: docker run on the default bridge fails ("... pair interfaces: operation not
#       supported"), launch.network names N10; the modules back and modprobe veth fix both
#   h2  the engine as installed: nestcheck with its launches against docker run, and
#       launch.network against the walk-through's networked workload done by hand
# Each nestcheck run is also captured (scripts/capture-sysroot.sh) for replay on the host.
# shellcheck source=common.bash
. /nc/common.bash

WATCH=(overlay br_netfilter bridge veth nf_tables nf_nat ip_tables iptable_nat xt_conntrack)
DOCKERD_PID=

# nc_host TAG [ARGS...]: nestcheck --json ARGS -> /out/TAG.json, with the usual asserts.
nc_host() {
	local tag=$1 rc
	shift
	"$NC" --json "$@" >"/out/$tag.json" 2>"/out/$tag.err"
	rc=$?
	report_ok "$tag" "/out/$tag.json" "$rc" "/out/$tag.err"
}

# capture TAG: a sysroot of this host for replay elsewhere.
capture() {
	sh /nc/capture-sysroot.sh "/out/cap-$1/root" "$NC" >"/out/cap-$1.log" 2>&1 ||
		not_ok "$1: capture-sysroot.sh failed: $(tail -n 3 "/out/cap-$1.log" | tr '\n' ' ')"
}

dockerd_start() {
	setsid dockerd >>/out/dockerd.log 2>&1 </dev/null &
	DOCKERD_PID=$!
	for _ in $(seq 1 120); do
		docker version >/dev/null 2>&1 && return 0
		kill -0 "$DOCKERD_PID" 2>/dev/null || break
		sleep 1
	done
	not_ok "dockerd did not answer: $(grep -E 'level=(error|fatal)' /out/dockerd.log | tail -n 2 | tr '\n' ' ')"
	return 1
}

# truth: one docker run of local/busybox:1; sets GT (works|fails), GT_ERR, GT_LABEL.
truth() {
	local out
	GT=fails GT_ERR= GT_LABEL=
	if out=$(timeout 120 docker run --rm --network none --pull=never local/busybox:1 cat /proc/self/attr/current 2>&1); then
		GT=works GT_LABEL=$out
	else
		GT_ERR=$(printf '%s\n' "$out" | head -n 1)
	fi
}

# workload: the walk-through's workload with the docker CLI: a network, a busybox httpd with a
# published port fetched from here, a second container fetching it by name. "works", or what failed.
workload() {
	local r=works e port
	local serve='mkdir -p /tmp/w && echo served >/tmp/w/index.html && exec httpd -f -p 8000 -h /tmp/w'
	if ! e=$(docker network create nc-wl 2>&1); then
		r="network create: $e"
	elif ! e=$(docker run -d --pull=never --name nc-wl-web --network nc-wl -p 8000 local/busybox:1 sh -c "$serve" 2>&1); then
		r="docker run -p: $e"
	else
		port=$(docker port nc-wl-web 8000/tcp | sed -n 's/^0\.0\.0\.0://p' | head -n 1)
		e=
		for _ in $(seq 20); do
			e=$(timeout 5 busybox wget -qO- "http://127.0.0.1:$port/" 2>&1) && break
			sleep 0.3
		done
		[ "$e" = served ] || r="published port $port: ${e:-no answer}"
		if [ "$r" = works ] && ! e=$(timeout 60 docker run --rm --pull=never --network nc-wl local/busybox:1 wget -qO- http://nc-wl-web:8000/ 2>&1); then
			r="by name: $e"
		fi
	fi
	docker rm -f nc-wl-web >/dev/null 2>&1
	docker network rm nc-wl >/dev/null 2>&1
	echo "$r"
}

console "h0: fresh boot"
CFG=h0 CFG_FAILS=0
before=$(modules_loaded "${WATCH[@]}")
expect "no Docker module loaded at boot" "${before:-none}" none
nc_host h0 --no-launch
after=$(modules_loaded "${WATCH[@]}")
say "modules nestcheck's own probes made the kernel load: ${after:-none}"
case " $after " in *" overlay "*) moved h0 overlay.support ;; esac
f=/out/h0.json
expect "cgroup.layout evidence.layout" "$(q $f checks.cgroup.layout.evidence.layout)" v2
expect "kernel.config (the distribution's config in /boot)" "$(q $f checks.kernel.config.status)" pass
expect "apparmor.status (host, parser installed)" "$(q $f checks.apparmor.status.status)" pass
expect "apparmor.parser" "$(q $f checks.apparmor.parser.status)" pass
expect "overlay.support (a module, not loaded before the run)" "$(q $f checks.overlay.support.status)" warn pass
expect "verdict before any engine runs" "$(q $f verdict)" ready degraded
capture h0
board h0 "fresh boot, no engine: modules loadable, none loaded (${before:-none}); after nestcheck: ${after:-none}" \
	"-" "$(q $f verdict)" "$(not_pass $f)" "-"

console "h1: apparmor_parser missing"
CFG=h1 CFG_FAILS=0
parser=$(command -v apparmor_parser)
mv "$parser" "$parser.absent" || not_ok "cannot hide $parser"
busybox_rootfs /tmp/bb || not_ok "busybox rootfs"
if dockerd_start; then
	tar -C /tmp/bb -c . | docker import - local/busybox:1 >/dev/null || not_ok "docker import"
	truth
	gt="docker run $GT${GT_ERR:+ (\`$GT_ERR\`)}"
	say "ground truth: $gt"
	nc_host h1
	f=/out/h1.json
	verdict_is_truth h1 "$f" "$GT"
	expect "apparmor.parser" "$(q $f checks.apparmor.parser.status)" fail
	expect "launch.container (the engine refuses the start)" "$(q $f checks.launch.container.status)" fail
	cmds=$(remedy_cmds "$f" apparmor.parser host)
	expect "apparmor.parser fix" "$cmds" "apt-get update && apt-get install -y apparmor"
	capture h1
	# The fix, as the VM can apply it without a network: the package's binary comes back.
	mv "$parser.absent" "$parser"
	truth
	# Without launch.network: veth stays unloaded for h3.
	nc_host h1-fixed --skip launch.network
	v=/out/h1-fixed.json
	expect "after fix: docker run" "$GT" works
	verdict_is_truth h1-fixed "$v" "$GT"
	expect "after fix: apparmor.parser" "$(q $v checks.apparmor.parser.status)" pass
	board h1 "AppArmor on, apparmor_parser missing (dockerd running)" "$gt; after fix: docker run $GT" \
		"$(q $f verdict)" "$(not_pass $f)" "apparmor installed -> verdict $(q $v verdict)"
fi
[ -e "$parser" ] || mv "$parser.absent" "$parser"

console "h3: the running kernel's modules gone (upgraded, not rebooted)"
CFG=h3 CFG_FAILS=0
# No container has had a network yet, so veth is not loaded; hiding /lib/modules/RELEASE is
# what a kernel upgrade without a reboot does to the running kernel.
rel=$(uname -r)
if grep -q '^veth ' /proc/modules; then
	not_ok "veth is loaded already: the scenario needs it unloaded"
elif mount -t tmpfs -o size=1m nc-gone "/lib/modules/$rel"; then
	out=$(timeout 120 docker run --rm --pull=never local/busybox:1 true 2>&1) && gt=works || gt="fails: $(printf '%s\n' "$out" | head -n 1)"
	say "ground truth (docker run, default bridge network): $gt"
	case $gt in works) truth_net=works ;; *) truth_net=fails ;; esac
	nc_host h3
	f=/out/h3.json
	verdict_is_truth h3 "$f" "$truth_net"
	expect "launch.container (--network none: no veth needed)" "$(q $f checks.launch.container.status)" pass
	expect "launch.network" "$(q $f checks.launch.network.status)" fail
	expect "launch.network: known failure" "$(q $f checks.launch.network.evidence.known_failure)" "veth-unsupported (N10)"
	expect "launch.network: failed step" "$(q $f checks.launch.network.evidence.failed_step)" server_start
	cmds=$(remedy_cmds "$f" launch.network host)
	if printf '%s\n' "$cmds" | grep -qx 'modprobe veth' && printf '%s\n' "$cmds" | grep -q 'uname -r'; then
		ok "launch.network prints modprobe veth and the reboot case"
	else
		not_ok "launch.network's host fix lacks modprobe veth or the reboot case: [$cmds]"
	fi
	capture h3
	# The printed fix: modprobe veth fails while the modules are gone; rebooting into the kernel
	# whose modules are installed is, here, the running kernel's modules coming back.
	modprobe veth 2>/dev/null && not_ok "modprobe veth worked with the modules gone"
	umount "/lib/modules/$rel" || not_ok "cannot bring the modules back"
	if modprobe veth; then
		nc_host h3.fixed
		v=/out/h3.fixed.json
		expect "after the modules are back and modprobe veth: launch.network" "$(q $v checks.launch.network.status)" pass
		out=$(timeout 120 docker run --rm --pull=never local/busybox:1 true 2>&1) && gt2=works || gt2="fails: $out"
		expect "after: docker run (default bridge network)" "$gt2" works
		fix="modules back (the reboot), modprobe veth -> docker run $gt2, launch.network $(q $v checks.launch.network.status)"
	else
		not_ok "modprobe veth fails with the modules back"
		fix="modprobe veth FAILED"
	fi
	board h3 "kernel modules of the running kernel gone, veth not loaded" "docker run $gt" "$(q $f verdict)" \
		"$(not_pass $f)" "$fix"
else
	not_ok "cannot hide /lib/modules/$rel"
fi

console "h2: the engine as installed"
CFG=h2 CFG_FAILS=0
truth
gt="docker run $GT${GT_ERR:+ (\`$GT_ERR\`)}, AppArmor label ${GT_LABEL:-?}"
say "ground truth: $gt"
expect "docker run's AppArmor label" "$GT_LABEL" "docker-default (enforce)"
nc_host h2
f=/out/h2.json
verdict_is_truth h2 "$f" "$GT"
expect "launch.container" "$(q $f checks.launch.container.status)" pass
expect "launch.nested" "$(q $f checks.launch.nested.status)" pass
expect "runtime.engine" "$(q $f checks.runtime.engine.status)" pass
# The networked workload: by hand and by launch.network, on the stock kernel's bridge, veth and nf_tables.
wl=$(workload)
say "the networked workload by hand: $wl"
expect "the networked workload by hand" "$wl" works
expect "launch.network" "$(q $f checks.launch.network.status)" pass
expect "network.iptables (rehearsed)" "$(q $f checks.network.iptables.evidence.rehearsal | cut -d' ' -f1)" ok
gt="$gt; networked workload $wl"
# apparmor_parser gone while docker-default is loaded: containers still start (until a reboot).
mv "$parser" "$parser.absent" || not_ok "cannot hide $parser"
nc_host h2-noparser --only apparmor
out=$(timeout 120 docker run --rm --network none --pull=never local/busybox:1 true 2>&1) && np=works || np="fails: $out"
expect "parser gone, docker-default loaded: docker run" "$np" works
expect "parser gone, docker-default loaded: apparmor.parser" "$(q /out/h2-noparser.json checks.apparmor.parser.status)" warn
expect "parser gone, docker-default loaded: evidence" \
	"$(q /out/h2-noparser.json checks.apparmor.parser.evidence.docker_default_loaded)" true
mv "$parser.absent" "$parser"
gt="$gt; apparmor_parser gone with docker-default loaded: docker run $np, apparmor.parser $(q /out/h2-noparser.json checks.apparmor.parser.status)"
capture h2
board h2 "dockerd as installed (overlay2, cgroup v2, AppArmor)" "$gt" "$(q $f verdict)" "$(not_pass $f)" "-"

kill "$DOCKERD_PID" 2>/dev/null
finish
