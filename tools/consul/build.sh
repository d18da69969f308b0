#!/usr/bin/env bash
# Build the Consul agent pinned in tools/consul/go.mod from the Go module proxy
# and cache it at <repo>/.cache/consul/<version>/consul.
#
# - A second run is a no-op when the cached binary exists (it only prints the path).
# - Concurrent callers are serialised with flock, so parallel test workers can
#   all call this script safely.
# - The freshly built binary is licence-checked (check-licenses.sh) before it is
#   put in place; set CONSUL_SKIP_LICENSE_CHECK=1 to skip that step.
# - Uses the default Go module and build caches.
#
# stdout: the absolute path of the binary (last line). Progress goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$here/../.." && pwd)"

version="$(sed -n 's/^[[:space:]]*github.com\/hashicorp\/consul v\([^ ]*\).*/\1/p' "$here/go.mod" | head -n1)"
if [[ -z "$version" ]]; then
  echo "build.sh: cannot find the github.com/hashicorp/consul version in $here/go.mod" >&2
  exit 1
fi
out_dir="$repo_root/.cache/consul/$version"
bin="$out_dir/consul"

if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi

mkdir -p "$out_dir"
exec 9>"$out_dir/.build.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
fi
# Someone else may have finished the build while we waited for the lock.
if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  if [[ -x /usr/local/go/bin/go ]]; then
    export PATH="/usr/local/go/bin:$PATH"
  else
    echo "build.sh: 'go' not found on PATH (Go >= 1.26 is needed to build Consul)" >&2
    exit 1
  fi
fi

echo "build.sh: building consul $version with $(go version) (takes a few minutes on a clean machine)..." >&2
start=$(date +%s)
tmp_bin="$out_dir/.consul.tmp.$$"
trap 'rm -f "$tmp_bin"' EXIT
(
  cd "$here"
  CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags='-s -w' -o "$tmp_bin" github.com/hashicorp/consul
)
echo "build.sh: built in $(( $(date +%s) - start ))s" >&2

if [[ "${CONSUL_SKIP_LICENSE_CHECK:-}" != "1" ]]; then
  echo "build.sh: checking licences of the linked modules..." >&2
  if ! "$here/check-licenses.sh" "$tmp_bin" >&2; then
    echo "build.sh: licence check failed; not installing the binary" >&2
    exit 1
  fi
fi

"$tmp_bin" version >&2
mv -f "$tmp_bin" "$bin"
echo "$bin"
