#!/usr/bin/env bash
# deploy.sh <env> <version>: a stand-in for a real deploy. "Uploads" the bundle to
# out/deploy/<env>/releases/, switches out/deploy/<env>/CURRENT to it, and
# health-checks the result by running it. Paths are relative to examples/release/.
set -euo pipefail
cd "$(dirname "$0")/.."

env="${1:?usage: deploy.sh <env> <version>}"
version="${2:?usage: deploy.sh <env> <version>}"
case "$env" in
  staging | prod) ;;
  *) echo "deploy: unknown environment '$env' (expected staging or prod)" >&2; exit 2 ;;
esac

bundle="out/receipt-kit-$version.js"
if [[ ! -f "$bundle" ]]; then
  echo "deploy: release/$bundle not found; did the build task run?" >&2
  exit 1
fi
# Refuse to ship something other than what the build checked.
expected="$(node -p "require('./out/build-info.json').sha256")"
actual="$(sha256sum "$bundle" | cut -d' ' -f1)"
if [[ "$expected" != "$actual" ]]; then
  echo "deploy: release/$bundle does not match release/out/build-info.json (sha256 $actual, expected $expected)" >&2
  exit 1
fi

dest="out/deploy/$env"
mkdir -p "$dest/releases"
echo "uploading receipt-kit $version to $env..."
cp "$bundle" "$dest/releases/"
sleep 0.3
echo "$version" > "$dest/CURRENT"
echo "switched release/$dest/CURRENT to $version"

echo "health check: https://$env.receipts.example.test/healthz"
# Failure injection for the Cairn demo: `--var fail_at=deploy`.
if [[ "${CAIRN_VAR_fail_at:-}" == deploy ]]; then
  echo "note: fail_at=deploy: simulating an unhealthy release"
  for try in 1 2 3; do
    echo "  try $try/3: 503 Service Unavailable"
  done
  echo "deploy: health check failed for receipt-kit $version on $env; CURRENT still points to it, roll back or fix and re-run" >&2
  exit 1
fi
reported="$(node "$dest/releases/receipt-kit-$version.js" --version)"
if [[ "$reported" != "$version" ]]; then
  echo "deploy: health check failed: release reports version '$reported', expected '$version'" >&2
  exit 1
fi
echo "  200 OK, version $reported"
