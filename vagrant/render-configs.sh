#!/usr/bin/env bash
# The provisioner's config step: render one role's agent configs from
# tests/harness/config/*.hcl into OUT_DIR. The multi-node live tests render theirs with the
# same code (tests/harness/cluster_config.py), and a test runs this script on the CI
# machine to check both give the same files.
#
# Usage: vagrant/render-configs.sh ROLE OUT_DIR NAME=VALUE...
#   ROLE: consul-server | consul-client | vault | vault-policies | nomad-server | nomad-client
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -lt 2 ]; then
  echo "usage: $0 ROLE OUT_DIR NAME=VALUE..." >&2
  exit 64
fi
role=$1
out=$2
shift 2
exec python3 "$repo/tests/harness/cluster_config.py" --role "$role" --out "$out" "$@"
