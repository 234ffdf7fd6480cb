# Nomad server only: the Vagrant server VM and the multi-node live tests' server. Clients
# (nomad-client.hcl) join it at ${BIND_ADDR}:${RPC_PORT}. Nomad 1.6 has no Vault workload
# identity: the server holds a Vault token and creates each task's token from the token
# role ${VAULT_TOKEN_ROLE} (jobs ask with `vault { policies = [...] }`).
name       = "${NODE_NAME}"
datacenter = "dc1"
bind_addr  = "${BIND_ADDR}"
data_dir   = "${DATA_DIR}"
log_level  = "INFO"

ports {
  http = ${HTTP_PORT}
  rpc  = ${RPC_PORT}
  serf = ${SERF_PORT}
}

# Nomad refuses to guess an advertise address for a loopback bind.
advertise {
  http = "${BIND_ADDR}"
  rpc  = "${BIND_ADDR}"
  serf = "${BIND_ADDR}"
}

server {
  enabled          = true
  bootstrap_expect = 1
  # How long a silent client keeps its allocations before they are rescheduled.
  heartbeat_grace   = "${HEARTBEAT_GRACE}"
  min_heartbeat_ttl = "${MIN_HEARTBEAT_TTL}"
}

consul {
  address = "${CONSUL_ADDR}"
}

vault {
  enabled          = true
  address          = "${VAULT_URL}"
  token            = "${VAULT_SERVER_TOKEN}"
  create_from_role = "${VAULT_TOKEN_ROLE}"
}
