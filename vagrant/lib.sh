#!/usr/bin/env bash
# Shared by vagrant/server.sh and vagrant/client.sh (sourced, not run): install pinned
# HashiCorp releases, render agent configs (the same code path as the live tests), write
# systemd units, wait for HTTP endpoints.
#
# Binaries: the official release zips from releases.hashicorp.com, checked against the
# release's SHA256SUMS. (The test suite builds the same versions from their Go modules,
# tests/harness/, because its machine cannot download release zips; on a VM that build
# would take 30+ minutes and a Go toolchain newer than Debian 12's.)

REPO=${REPO:-/vagrant}
HASHICORP_RELEASES=${HASHICORP_RELEASES:-https://releases.hashicorp.com}

log() { echo "provision[$(hostname)]: $*"; }

# open_source_version PRODUCT VERSION: fail for a release under the Business Source
# License (Nomad >= 1.7.0, Consul >= 1.15.0, Vault >= 1.14.10), as tests/harness does.
open_source_version() {
  local product=$1 version=$2 first_busl
  case $product in
    nomad) first_busl=1.7.0 ;;
    consul) first_busl=1.15.0 ;;
    vault) first_busl=1.14.10 ;;
    *) log "unknown product $product"; return 1 ;;
  esac
  if [ "$(printf '%s\n%s\n' "$first_busl" "$version" | sort -V | head -n1)" = "$first_busl" ]; then
    log "error: $product $version is not open source (BUSL from $first_busl); pick an MPL release"
    return 1
  fi
}

# install_release PRODUCT VERSION: put /usr/local/bin/PRODUCT at VERSION (kept if there).
install_release() {
  local product=$1 version=$2 arch zip sums
  open_source_version "$product" "$version"
  if [ -x "/usr/local/bin/$product" ] && "/usr/local/bin/$product" version | grep -q "v$version\b"; then
    log "$product $version already installed"
    return 0
  fi
  case $(uname -m) in
    x86_64) arch=amd64 ;;
    aarch64) arch=arm64 ;;
    *) log "error: unsupported machine $(uname -m)"; return 1 ;;
  esac
  zip=${product}_${version}_linux_${arch}.zip
  sums=${product}_${version}_SHA256SUMS
  log "installing $product $version"
  local tmp
  tmp=$(mktemp -d)
  curl -fsSL --retry 3 -o "$tmp/$zip" "$HASHICORP_RELEASES/$product/$version/$zip"
  curl -fsSL --retry 3 -o "$tmp/$sums" "$HASHICORP_RELEASES/$product/$version/$sums"
  (cd "$tmp" && grep " $zip\$" "$sums" | sha256sum -c -)
  unzip -o -q "$tmp/$zip" -d "$tmp/bin"
  install -m 0755 "$tmp/bin/$product" "/usr/local/bin/$product"
  rm -rf "$tmp"
}

# render_configs ROLE OUT_DIR NAME=VALUE...: the shared config step (vagrant/render-configs.sh).
render_configs() {
  "$REPO/vagrant/render-configs.sh" "$@"
}

# systemd_unit NAME COMMAND...: a restarting service running COMMAND, started now.
systemd_unit() {
  local name=$1
  shift
  cat >"/etc/systemd/system/$name.service" <<UNIT
[Unit]
Description=$name (nomad-deploy demo cluster)
Wants=network-online.target
After=network-online.target

[Service]
ExecStart=$*
Restart=on-failure
RestartSec=2
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
UNIT
  systemctl daemon-reload
  systemctl enable --quiet "$name"
  systemctl restart "$name"
}

# wait_http URL [SECONDS]: until URL answers 2xx (default 90 s).
wait_http() {
  local url=$1 limit=${2:-90} waited=0
  until curl -fsS -o /dev/null "$url"; do
    waited=$((waited + 1))
    if [ "$waited" -ge "$limit" ]; then
      log "error: $url did not answer within ${limit}s"
      return 1
    fi
    sleep 1
  done
}

# interface_of IP: the network interface holding IP (the private network's).
interface_of() {
  ip -o -4 addr show | awk -v ip="$1" '{ split($4, a, "/"); if (a[1] == ip) print $2 }' | head -n1
}

install_packages() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
