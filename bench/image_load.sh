#!/usr/bin/env bash
# PUT /image throughput and latency: carenco-edge (release binary) against the seed's
# path rebuilt (../shared/bench/seed_baseline.py: Flask + OpenCV + SQLite), loaded the
# same way in the same run (PERFORMANCE.md): wrk -t2 -c4 -d${DURATION}s with the legacy
# sample frame. Prints both and the ratio.
#
# Needs: wrk (Debian package), python3 with flask, opencv-python-headless, numpy.
#   pip install flask opencv-python-headless numpy
# Usage: bench/image_load.sh [DURATION_S]   (DATA_DIR=... to choose the disk; default a
#        temp dir under target/, i.e. the same disk as the build; PROFILE=bench builds
#        the service with the bench profile, thin LTO, instead of the release profile's
#        fat LTO: same opt-level, quicker to build, and shares `cargo bench`'s deps;
#        EDGE_BIN=path runs that binary without building)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10}"
SEED="${SEED_BASELINE:-../shared/bench/seed_baseline.py}"
[ -f "$SEED" ] || SEED=/work/shared/bench/seed_baseline.py
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
BASE="${DATA_DIR:-$TARGET_DIR/image-load}"
rm -rf "$BASE"; mkdir -p "$BASE/edge" "$BASE/seed"

PROFILE="${PROFILE:-release}"
if [ -n "${EDGE_BIN:-}" ]; then
  # A binary built already (e.g. by `cargo bench`, bench profile): no build here.
  BIN="$EDGE_BIN"
  echo "carenco-edge: $BIN (not rebuilt)" >&2
else
  cargo build --profile "$PROFILE" --locked --bin carenco-edge >&2
  # Both the release and the bench profile build into target/release.
  BIN="$TARGET_DIR/release/carenco-edge"
  echo "carenco-edge built with the $PROFILE profile" >&2
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
EDGE_PORT=$(free_port); SEED_PORT=$(free_port)

"$BIN" serve --listen "127.0.0.1:$EDGE_PORT" --data-dir "$BASE/edge" >"$BASE/edge.log" 2>&1 &
EDGE_PID=$!
python3 "$SEED" "$SEED_PORT" "$BASE/seed" >"$BASE/seed.log" 2>&1 &
SEED_PID=$!
trap 'kill $EDGE_PID $SEED_PID 2>/dev/null || true' EXIT

wait_up() { for _ in $(seq 1 200); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done; echo "not up: $1" >&2; exit 1; }
wait_up "http://127.0.0.1:$EDGE_PORT/health"
wait_up "http://127.0.0.1:$SEED_PORT/health"

run() { # name url -> prints wrk output, sets RPS_<name>
  echo "== $1 ==" >&2
  out=$(wrk -t2 -c4 -d"${DURATION}s" --latency -s bench/put_image.lua "$2")
  echo "$out"
  echo "$out" | awk '/^rps /{print $2}' > "$BASE/$1.rps"
}
# CPU seconds (user + system) a process has used, from /proc (clock ticks).
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
run seed "http://127.0.0.1:$SEED_PORT/image"
EDGE_CPU0=$(cpu_s "$EDGE_PID")
run edge "http://127.0.0.1:$EDGE_PORT/image" | tee "$BASE/edge.out"
EDGE_CPU1=$(cpu_s "$EDGE_PID")
SEED_RPS=$(cat "$BASE/seed.rps"); EDGE_RPS=$(cat "$BASE/edge.rps")
# What bounds an answer: the server's CPU per answer over the run, and the flushes
# per answer (fsync/fdatasync, counted by strace over a second, shorter run: strace
# slows the server, so that run's rate is not reported).
EDGE_ANSWERS=$(awk -v r="$EDGE_RPS" -v d="$DURATION" 'BEGIN{print int(r * d)}')
python3 - "$EDGE_CPU0" "$EDGE_CPU1" "$EDGE_ANSWERS" <<'PY'
import sys
c0, c1, n = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
print(f"carenco-edge CPU per answer: {(c1 - c0) / max(n, 1) * 1000:.2f} ms ({c1 - c0:.2f} s over {n} answers)")
PY
if command -v strace >/dev/null && [ "${COUNT_FLUSHES:-1}" = 1 ]; then
  strace -f -c -e trace=fsync,fdatasync -p "$EDGE_PID" -o "$BASE/strace.txt" &
  STRACE_PID=$!
  sleep 0.5
  flushed=$(wrk -t2 -c4 -d3s -s bench/put_image.lua "http://127.0.0.1:$EDGE_PORT/image" | awk '/^rps /{print $2}')
  kill -INT "$STRACE_PID"; wait "$STRACE_PID" 2>/dev/null || true
  python3 - "$BASE/strace.txt" "$flushed" <<'PY'
import sys
calls = 0
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) >= 5 and parts[-1] in ("fsync", "fdatasync"):
        calls += int(parts[3])
answers = float(sys.argv[2]) * 3
print(f"flushes per answer (strace, 3 s at 4 connections): {calls / max(answers, 1):.2f} "
      f"({calls} fsync/fdatasync calls, {answers:.0f} answers)")
PY
fi
# The floor under our latency: every answered scan waits for its group commit's flush
# (picture and row are one transaction; the seed flushes nothing). Measured on the
# data disk.
FLUSH_MS=$(python3 - "$BASE" <<'PY'
import os, sys, time
path = os.path.join(sys.argv[1], "flush-probe")
fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
times = []
for _ in range(40):
    os.write(fd, b"x" * 20000)
    t = time.perf_counter(); os.fdatasync(fd); times.append((time.perf_counter() - t) * 1000)
os.close(fd); os.unlink(path)
times.sort(); print(f"{times[len(times) // 2]:.2f}")
PY
)
echo "data disk: fdatasync of a 20 kB write, median ${FLUSH_MS} ms" >&2
python3 - "$SEED_RPS" "$EDGE_RPS" "$FLUSH_MS" <<'PY'
import sys
seed, edge, flush = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
print(f"seed {seed:.1f} req/s, carenco-edge {edge:.1f} req/s: {edge / seed:.1f}x (target >= 20x)")
# 4 connections, each answer after at least one flush (its group's commit).
print(f"durability ceiling at 4 connections: 4 / {flush:.2f} ms = {4000 / flush:.0f} req/s"
      f" = {4000 / flush / seed:.1f}x the seed")
PY
