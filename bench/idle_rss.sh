#!/usr/bin/env bash
# Idle memory with the mat streaming (PERFORMANCE.md: resident set <= 30 MB): runs the
# service on the simulated mat (10 frames/s through the real decoder, calibration and
# stance detection), waits, then reads VmRSS/VmHWM from /proc/PID/status and checks
# that frames really flowed meanwhile (GET /check scanner.frames_decoded).
#
# Usage: bench/idle_rss.sh [WAIT_S]   (default 60; EDGE_BIN=path runs that binary,
#        else the release profile is built; PROFILE=pi builds the size profile)
set -euo pipefail
cd "$(dirname "$0")/.."
WAIT="${1:-60}"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
PROFILE="${PROFILE:-release}"
if [ -n "${EDGE_BIN:-}" ]; then
  BIN="$EDGE_BIN"
else
  cargo build --profile "$PROFILE" --locked --bin carenco-edge >&2
  BIN="$TARGET_DIR/$PROFILE/carenco-edge"
fi
DATA=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --simulate --listen "127.0.0.1:$PORT" --data-dir "$DATA" >"$DATA/edge.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT

frames() { curl -fsS "http://127.0.0.1:$PORT/check" | python3 -c 'import json,sys; print(json.load(sys.stdin)["scanner"]["frames_decoded"])'; }
for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/health" 2>/dev/null && break; sleep 0.1; done
before=$(frames)
sleep "$WAIT"
after=$(frames)
rss=$(awk '/^VmRSS/{print $2}' "/proc/$PID/status")
hwm=$(awk '/^VmHWM/{print $2}' "/proc/$PID/status")
echo "binary: $BIN"
echo "after ${WAIT}s streaming: frames decoded $before -> $after, VmRSS ${rss} kB, VmHWM ${hwm} kB"
[ "$after" -gt "$before" ] || { echo "FAIL: the simulated mat did not stream" >&2; exit 1; }
if [ "$rss" -le 30720 ]; then echo "PASS: idle RSS <= 30 MB"; else echo "FAIL: idle RSS > 30 MB"; exit 1; fi
