#!/usr/bin/env bash
# Consumer test: installs the packed packages, with plain `npm install` (no --legacy-peer-deps,
# no --force), into fresh apps outside the workspace, each on the newest versions its
# package.json ranges allow (no lockfile), then runs each app: two local backends, one failing,
# calls through Switchyard, and spans, metrics and log records checked in the app's own SDK.
#
#   .ci/consumers.sh [app ...]      default: every app under .ci/consumers/ (except common)
#
# Uses the `node` and `npm` on PATH; the packages must be built (`npm run build`).
# Env: CONSUMERS_DIR (work directory, default a new /tmp/switchyard-consumers.*).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TEMPLATES="$ROOT/.ci/consumers"
WORK="${CONSUMERS_DIR:-$(mktemp -d /tmp/switchyard-consumers.XXXXXX)}"
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

if [ "$#" -gt 0 ]; then
  APPS=("$@")
else
  APPS=()
  for dir in "$TEMPLATES"/*/; do
    name="$(basename "$dir")"
    [ "$name" = common ] || APPS+=("$name")
  done
fi

echo "== consumers on Node $(node -v), npm $(npm -v), in $WORK"
mkdir -p "$WORK/tarballs"
for pkg in core express nestjs; do
  test -f "$ROOT/packages/$pkg/dist/index.mjs" || { echo "packages/$pkg is not built (npm run build)"; exit 1; }
  (cd "$ROOT/packages/$pkg" && npm pack --ignore-scripts --pack-destination "$WORK/tarballs" >/dev/null 2>&1)
done

failed=()
for app in "${APPS[@]}"; do
  dir="$WORK/$app"
  rm -rf "$dir" && cp -R "$TEMPLATES/$app" "$dir" && cp "$TEMPLATES"/common/harness.* "$dir/"
  # The @switchyard/* dependencies point at the tarballs packed above.
  node -e '
    const fs = require("node:fs");
    const [file, tarballs] = process.argv.slice(1);
    const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
    // "nodeOverrides": { "26": { "opossum": "^10.0.0" } }: ranges for a Node line where the
    // default one would install a package outside its own engines.
    Object.assign(pkg.dependencies, pkg.nodeOverrides?.[process.versions.node.split(".")[0]]);
    delete pkg.nodeOverrides;
    for (const name of Object.keys(pkg.dependencies)) {
      if (pkg.dependencies[name] === "TARBALL")
        pkg.dependencies[name] = `file:${tarballs}/switchyard-${name.split("/")[1]}-0.1.0.tgz`;
    }
    fs.writeFileSync(file, JSON.stringify(pkg, null, 2));
  ' "$dir/package.json" "$WORK/tarballs"
  start=$SECONDS
  if ! (
    cd "$dir"
    npm install --no-package-lock >install.log 2>&1 || { cat install.log; echo "$app: npm install failed"; exit 1; }
    # A peer conflict npm resolved by overriding, or an engine outside a package's range, is a failure too.
    if grep -E 'ERESOLVE|EBADENGINE|peer dep' install.log; then echo "$app: npm install warned"; exit 1; fi
    npm ls --all >ls.log 2>&1 || { cat ls.log; echo "$app: npm ls is not clean"; exit 1; }
    if grep -qE '"build"' package.json; then npm run build >build.log 2>&1 || { cat build.log; echo "$app: build failed"; exit 1; }; fi
    timeout 120 npm start --silent 2>&1 | tee run.log
    test "${PIPESTATUS[0]}" -eq 0 || { echo "$app: run failed"; exit 1; }
    # Node must load the CommonJS entries (require of ES modules) without warnings.
    if grep -E 'ExperimentalWarning|DeprecationWarning' run.log; then echo "$app: warnings"; exit 1; fi
    versions="$(node -e '
      const want = ["express", "@nestjs/core", "@opentelemetry/api", "@opentelemetry/sdk-trace", "@opentelemetry/sdk-node", "@opentelemetry/sdk-logs", "opossum", "typescript"];
      const out = [];
      for (const name of want) {
        try { out.push(`${name}@${require(`./node_modules/${name}/package.json`).version}`); } catch {}
      }
      console.log(out.join(" "));
    ')"
    echo "$app: passed on Node $(node -v) in $((SECONDS - start)) s ($versions)"
  ); then
    failed+=("$app")
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "== consumers FAILED on Node $(node -v): ${failed[*]}"
  exit 1
fi
echo "== consumers passed on Node $(node -v): ${APPS[*]}"
