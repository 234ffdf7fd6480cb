#!/usr/bin/env bash
# Provision a client VM: Consul client joining the server, Nomad client (exec and
# raw_exec), nginx (run by the nginx job, not as a system service) and the exec task user.
#
# Env (set by the Vagrantfile): NODE_NAME NODE_IP SERVER_IP NOMAD_VERSION CONSUL_VERSION.
set -euo pipefail
# Vagrant uploads this script alone: its helpers come from the synced repo.
# shellcheck source=vagrant/lib.sh
source "${REPO:-/vagrant}/vagrant/lib.sh"

: "${NODE_NAME:?}" "${NODE_IP:?}" "${SERVER_IP:?}"

install_packages curl unzip ca-certificates python3 nginx-light
# The bundled nginx job starts its own nginx; the package's service would hold port 80.
systemctl disable --now --quiet nginx || true
# The user the hello_nomad exec task runs as (jobs/vars/common.yaml hello_nomad.user).
id hello_nomad >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin hello_nomad

install_release consul "${CONSUL_VERSION:?}"
install_release nomad "${NOMAD_VERSION:?}"

render_configs consul-client /etc/consul.d \
  NODE_NAME="$NODE_NAME" BIND_ADDR="$NODE_IP" DATA_DIR=/opt/consul \
  HTTP_PORT=8500 SERVER_PORT=8300 SERF_LAN_PORT=8301 SERF_WAN_PORT=8302 \
  CONSUL_SERVER_ADDR="$SERVER_IP" >/dev/null
systemd_unit consul /usr/local/bin/consul agent -config-dir=/etc/consul.d
wait_http "http://$NODE_IP:8500/v1/status/leader"

# The host volume hello_nomad_migrate keeps its state in (owned by the task user).
install -d -o hello_nomad -g hello_nomad -m 0750 /opt/hello_nomad/data

iface=$(interface_of "$NODE_IP")
[ -n "$iface" ] || { log "error: no interface holds $NODE_IP"; exit 1; }
render_configs nomad-client /etc/nomad.d \
  NODE_NAME="$NODE_NAME" BIND_ADDR="$NODE_IP" DATA_DIR=/opt/nomad \
  HTTP_PORT=4646 RPC_PORT=4647 SERF_PORT=4648 \
  SERVER_RPC_ADDR="$SERVER_IP:4647" NETWORK_INTERFACE="$iface" CGROUP_PARENT=nomad.slice \
  HELLO_NOMAD_DATA=/opt/hello_nomad/data \
  CONSUL_ADDR="$NODE_IP:8500" VAULT_URL="http://$SERVER_IP:8200" >/dev/null
systemd_unit nomad /usr/local/bin/nomad agent -config=/etc/nomad.d
wait_http "http://$NODE_IP:4646/v1/agent/self"

log "ready: Nomad client $NODE_NAME on $iface ($NODE_IP); nginx will listen on $NODE_IP:8080"
