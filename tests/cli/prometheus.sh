#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# --report prometheus:FILE read by a real node_exporter (Debian's
# prometheus-node-exporter), its textfile collector only, serving on loopback:
# the metrics it serves are nestcheck's, the textfile collector reports no
# error, a rewrite of the file is served whole, and promtool finds the served
# text clean.
# Usage: bash prometheus.sh NESTCHECK_BINARY SOURCE_DIR JSONQ_BINARY
set -u
# shellcheck source=lib.bash
source "$(dirname "$0")/lib.bash" "$@"

for c in prometheus-node-exporter promtool curl; do
	command -v "$c" >/dev/null || { not_ok "$c is missing (scripts/setup.sh --test installs it)"; finish; }
done
DIR=$TMP/textfile
mkdir -p "$DIR"
NOTREADY=$SRCDIR/fixtures/vm-lxd-no-nesting/root
READY=$SRCDIR/fixtures/vm-debian12-host/root

nc first --root "$NOTREADY" --report prometheus:"$DIR/nestcheck.prom"
check "the file is written (exit 1: not_ready)" eval 'rc_is 1 && [ -s "$DIR/nestcheck.prom" ]'

# A free port on loopback, then node_exporter with only the textfile collector.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
prometheus-node-exporter --web.listen-address="127.0.0.1:$port" --collector.disable-defaults --collector.textfile \
	--collector.textfile.directory="$DIR" >"$TMP/exporter.log" 2>&1 &
EXPORTER=$!
stop_exporter() { kill "$EXPORTER" 2>/dev/null && wait "$EXPORTER" 2>/dev/null; }
trap 'stop_exporter; peer_stop; _lib_cleanup' EXIT
scrape() { curl -sf --max-time 5 "http://127.0.0.1:$port/metrics" >"$1"; }
for _ in $(seq 1 50); do scrape "$TMP/m1" && break; sleep 0.1; done

check "node_exporter serves on loopback" [ -s "$TMP/m1" ] || cat "$TMP/exporter.log"
check "the textfile collector read the file without error" \
	grep -q '^node_textfile_scrape_error 0$' "$TMP/m1"
check "nestcheck's verdict is served" grep -q '^nestcheck_verdict{verdict="not_ready"} 1$' "$TMP/m1"
check "container.nesting's fail is served" \
	grep -q '^nestcheck_check_status{area="container",id="container.nesting",status="fail"} 1$' "$TMP/m1"
check "the file's mtime is served (node_textfile_mtime_seconds)" \
	grep -q 'node_textfile_mtime_seconds{file="[^"]*nestcheck.prom"}' "$TMP/m1"
promtool check metrics <"$TMP/m1" >"$TMP/promtool.out" 2>&1
# node_exporter's own families may draw lint notes; nestcheck's may not.
check "promtool: nothing about nestcheck's families" lacks "$TMP/promtool.out" "nestcheck_"

nc second --root "$READY" --report prometheus:"$DIR/nestcheck.prom"
scrape "$TMP/m2"
check "a rewrite is served whole: the new verdict" grep -q '^nestcheck_verdict{verdict="ready"} 1$' "$TMP/m2"
check "... and not the old one" grep -q '^nestcheck_verdict{verdict="not_ready"} 0$' "$TMP/m2"
check "no temporary file in the collector's directory" [ "$(ls "$DIR")" = nestcheck.prom ]

stop_exporter
finish
