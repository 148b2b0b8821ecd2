-- wrk script: PUT /image with the legacy sample frame (the seed's request).
-- Usage: wrk -t2 -c4 -d10s --latency -s bench/put_image.lua http://127.0.0.1:PORT/image
-- FRAME_FILE overrides the frame (default: tests/fixtures/frames/legacy_sample_data.json).
local path = os.getenv("FRAME_FILE") or "tests/fixtures/frames/legacy_sample_data.json"
local f = assert(io.open(path, "rb"))
wrk.method = "PUT"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"

-- wrk prints "Non-2xx or 3xx responses" itself when any request failed.
done = function(summary, latency, requests)
  io.write(string.format("p50_ms %.2f\np99_ms %.2f\nrps %.1f\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6)))
end
