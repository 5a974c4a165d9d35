#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# nestcheck explain on what people paste: each failure as the releases they run word it
# (older and newer runc, Docker and containerd, crun and Podman, legacy and nft iptables),
# and texts that are no host or nesting problem (a missing image, a port in use, a binary of
# another architecture, a full disk, an image without bash), which must name no failure.
source "$(dirname "$0")/lib.bash" "$@"

# CODE <TAB> TEXT, one a line; CODE - for a text no failure may claim.
cat >"$TMP/variants.tsv" <<'TSV'
L1	docker: Error response from daemon: OCI runtime create failed: container_linux.go:349: starting container process caused "process_linux.go:449: container init caused \"rootfs_linux.go:58: mounting \\\"proc\\\" to rootfs \\\"/var/lib/docker/overlay2/4f1c/merged\\\" at \\\"/proc\\\" caused \\\"permission denied\\\"\"": unknown.
L1	docker: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error mounting "proc" to rootfs at "/proc": mount proc:/proc (via /proc/self/fd/6), flags: 0xe: permission denied: unknown.
L1	Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error mounting "proc" to rootfs at "/proc": mount src=proc, dst=/proc, dstFd=/proc/thread-self/fd/8, flags=0xe: permission denied: unknown
L1	Error: crun: mount `proc` to `proc`: Permission denied: OCI permission denied
U1	failed to register layer: ApplyLayer exit status 1 stdout:  stderr: lchown /etc/gshadow: invalid argument
U1	Error: writing blob: adding layer with blob "sha256:2a1c": processing tar file(potentially insufficient UIDs or GIDs available in user namespace (requested 0:42 for /etc/gshadow): Check /etc/subuid and /etc/subgid if configured locally and run "podman system migrate": lchown /etc/gshadow: invalid argument): exit status 1
N1	iptables v1.8.7 (legacy): can't initialize iptables table `nat': Table does not exist (do you need to insmod?)
N1	failed to start daemon: Error initializing network controller: error obtaining controller instance: failed to create NAT chain DOCKER: iptables failed: iptables -t nat -N DOCKER: iptables v1.8.9 (legacy): can't initialize iptables table 'nat': Table does not exist (do you need to insmod?)
N14	iptables: Failed to initialize nft: Protocol not supported
N5	iptables v1.8.7 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)
N12	failed to start daemon: Error initializing network controller: error creating default "bridge" network: Enabling IP forwarding failed: open /proc/sys/net/ipv4/ip_forward: read-only file system
L7	docker: Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: unable to apply caps: operation not permitted: unknown.
L7	docker: Error response from daemon: OCI runtime create failed: container_linux.go:349: starting container process caused "apply caps: operation not permitted": unknown.
L7	Error: OCI runtime error: crun: capset: Operation not permitted
L8	sysctl: setting key "vm.max_map_count": Read-only file system
L8	docker: Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: open /proc/sys/kernel/shmmax: read-only file system: unknown.
L9	snap-confine has elevated permissions and is not confined but should be. Refusing to continue to avoid permission escalation attacks
L9	cannot change profile for the next exec call: No such file or directory
A7	docker: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error applying AppArmor profile to container: apparmor failed to apply profile: write /proc/thread-self/attr/apparmor/exec: no such file or directory: unknown.
A7	OCI runtime create failed: container_linux.go:380: starting container process caused: apparmor failed to apply profile: write /proc/self/attr/apparmor/exec: no such file or directory: unknown
A7	docker: Error response from daemon: oci runtime error: apparmor failed to apply profile: no such file or directory.
A7	audit: type=1400 audit(1490200434.801:62): apparmor="DENIED" operation="change_onexec" info="label not found" error=-2 profile="unconfined" name="docker-default" pid=25840 comm="runc:[2:INIT]"
A7	Error: OCI runtime error: crun: apply apparmor profile `crio-default`: profile not loaded
A8	docker: Error response from daemon: OCI runtime create failed: container_linux.go:367: starting container process caused: apparmor failed to apply profile: write /proc/self/attr/exec: invalid argument: unknown.
-	Unable to find image 'nosuch:latest' locally
-	docker: Error response from daemon: pull access denied for nosuch, repository does not exist or may require 'docker login': denied: requested access to the resource is denied.
-	docker: Error response from daemon: manifest for alpine:9.99 not found: manifest unknown: manifest unknown.
-	docker: Error response from daemon: driver failed programming external connectivity on endpoint web (3f2a): Bind for 0.0.0.0:8080 failed: port is already allocated.
-	Error starting userland proxy: listen tcp4 0.0.0.0:80: bind: address already in use
-	exec /usr/local/bin/docker-entrypoint.sh: exec format error
-	standard_init_linux.go:228: exec user process caused: exec format error
-	failed to register layer: write /usr/lib/x86_64-linux-gnu/libLLVM-15.so.1: no space left on device
-	Error: writing blob: adding layer with blob "sha256:9c1b": processing tar file(write /usr/share/x: no space left on device): exit status 1
-	OCI runtime exec failed: exec failed: unable to start container process: exec: "bash": executable file not found in $PATH: unknown
-	Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?
-	Error response from daemon: Conflict. The container name "/web" is already in use by container "3f2a". You have to remove (or rename) that container to be able to reuse that name.
TSV

while IFS=$'\t' read -r want text; do
	got=$(timeout -k 2 10 "$NESTCHECK" explain --json -- "$text" 2>/dev/null </dev/null | "$JSONQ" /dev/stdin code 2>/dev/null)
	if [ "$want" = - ]; then
		check "no failure claims: ${text:0:70}" [ -z "$got" ] || echo "  (named $got)"
	else
		check "$want: ${text:0:70}" [ "$got" = "$want" ] || echo "  (named ${got:-nothing})"
	fi
done <"$TMP/variants.tsv"

finish
