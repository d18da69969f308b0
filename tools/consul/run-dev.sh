#!/usr/bin/env bash
# Start a Consul dev agent in the foreground for the demo / manual use:
#   HTTP API and UI on http://127.0.0.1:8500, DNS on 127.0.0.1:8600, gRPC on 8502.
# Dev mode keeps all state in memory (nothing is written to disk); it is lost when
# the agent stops (Ctrl-C). Builds the binary first if it is not cached yet
# (tools/consul/build.sh). Extra arguments go to `consul agent`, e.g.
#   tools/consul/run-dev.sh -http-port 18500
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$("$here/build.sh" | tail -n1)"

echo "run-dev.sh: consul dev agent on http://127.0.0.1:8500 (Ctrl-C to stop)" >&2
exec "$bin" agent -dev \
  -bind 127.0.0.1 -client 127.0.0.1 \
  -node switchyard-dev \
  -hcl 'disable_update_check = true' \
  "$@"
