#!/usr/bin/env bash
# Provision the server VM: Consul server, Vault (dev mode: in memory, unsealed, KV v2 at
# secret/), Nomad server. Bootstraps Vault for Nomad 1.6's token workflow (as
# tests/live/agents.py configure_vault_for_nomad does), the demo's Vault secret and
# policy, and the demo's Nomad Variables. Idempotent: `vagrant provision server` again
# re-bootstraps (needed after a reboot: dev-mode Vault forgets everything).
#
# Env (set by the Vagrantfile): NODE_NAME NODE_IP NOMAD_VERSION CONSUL_VERSION VAULT_VERSION
# VAULT_ROOT_TOKEN.
set -euo pipefail
# Vagrant uploads this script alone: its helpers come from the synced repo.
# shellcheck source=vagrant/lib.sh
source "${REPO:-/vagrant}/vagrant/lib.sh"

: "${NODE_NAME:?}" "${NODE_IP:?}" "${VAULT_ROOT_TOKEN:?}"
TOKEN_ROLE=nomad-cluster

install_packages curl unzip ca-certificates python3 openssl
install_release consul "${CONSUL_VERSION:?}"
install_release vault "${VAULT_VERSION:?}"
install_release nomad "${NOMAD_VERSION:?}"

# -- Consul server --------------------------------------------------------------------
render_configs consul-server /etc/consul.d \
  NODE_NAME="$NODE_NAME" BIND_ADDR="$NODE_IP" DATA_DIR=/opt/consul \
  HTTP_PORT=8500 SERVER_PORT=8300 SERF_LAN_PORT=8301 SERF_WAN_PORT=8302
systemd_unit consul /usr/local/bin/consul agent -config-dir=/etc/consul.d
wait_http "http://$NODE_IP:8500/v1/status/leader"

# -- Vault (dev server: a demo, not a production Vault) --------------------------------
render_configs vault /etc/vault.d BIND_ADDR="$NODE_IP" HTTP_PORT=8200
systemd_unit vault /usr/local/bin/vault server -dev \
  "-dev-root-token-id=$VAULT_ROOT_TOKEN" "-dev-listen-address=0.0.0.0:8200" \
  -config=/etc/vault.d/vault.hcl
export VAULT_ADDR=http://127.0.0.1:8200 VAULT_TOKEN=$VAULT_ROOT_TOKEN
wait_http "$VAULT_ADDR/v1/sys/health"

log "bootstrapping Vault for Nomad (token role $TOKEN_ROLE)"
policy_dir=$(mktemp -d)
render_configs vault-policies "$policy_dir" VAULT_TOKEN_ROLE="$TOKEN_ROLE" >/dev/null
vault policy write nomad-workloads "$policy_dir/vault-nomad-policy.hcl"
vault policy write hello_nomad "$policy_dir/vault-nomad-policy.hcl"
vault policy write nomad-server "$policy_dir/vault-nomad-server-policy.hcl"
rm -rf "$policy_dir"
vault write "auth/token/roles/$TOKEN_ROLE" disallowed_policies=nomad-server orphan=true \
  renewable=true token_period=72h token_explicit_max_ttl=0 >/dev/null
server_token=$(vault token create -orphan -policy=nomad-server -period=72h -field=token)

# The demo's secrets: the same values in Vault and in Nomad Variables, kept across runs.
secrets=/etc/nomad-deploy-demo/secrets.env
if [ ! -f "$secrets" ]; then
  install -d -m 0700 "$(dirname "$secrets")"
  umask 077
  {
    echo "SECRET_KEY_BASE=$(openssl rand -hex 64)"
    echo "RELEASE_COOKIE=$(openssl rand -hex 32)"
  } >"$secrets"
fi
# shellcheck disable=SC1090
source "$secrets"
vault kv put secret/hello_nomad \
  secret_key_base="$SECRET_KEY_BASE" release_cookie="$RELEASE_COOKIE" >/dev/null

# -- Nomad server ---------------------------------------------------------------------
render_configs nomad-server /etc/nomad.d \
  NODE_NAME="$NODE_NAME" BIND_ADDR="$NODE_IP" DATA_DIR=/opt/nomad \
  HTTP_PORT=4646 RPC_PORT=4647 SERF_PORT=4648 \
  HEARTBEAT_GRACE=10s MIN_HEARTBEAT_TTL=10s \
  CONSUL_ADDR="$NODE_IP:8500" VAULT_URL="http://$NODE_IP:8200" \
  VAULT_SERVER_TOKEN="$server_token" VAULT_TOKEN_ROLE="$TOKEN_ROLE" >/dev/null
chmod 0600 /etc/nomad.d/nomad-server.hcl # it holds the server's Vault token
systemd_unit nomad /usr/local/bin/nomad agent -config=/etc/nomad.d
export NOMAD_ADDR=http://$NODE_IP:4646
wait_http "$NOMAD_ADDR/v1/status/leader"
# The leader can take a moment after the HTTP API answers.
for _ in $(seq 1 30); do
  nomad var put -force nomad/jobs/hello_nomad \
    secret_key_base="$SECRET_KEY_BASE" release_cookie="$RELEASE_COOKIE" >/dev/null 2>&1 && break
  sleep 2
done
nomad var get nomad/jobs/hello_nomad >/dev/null

log "ready: Nomad http://$NODE_IP:4646  Consul http://$NODE_IP:8500  Vault http://$NODE_IP:8200"
