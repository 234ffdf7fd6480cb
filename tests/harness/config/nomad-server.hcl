# Nomad server only: the Vagrant server VM and the multi-node live tests' server. Clients
# (nomad-client.hcl) join it at ${BIND_ADDR}:${RPC_PORT}. Nomad 1.6 has no Vault workload
# identity: the server holds a Vault token and creates each task's token from the token
# role ${VAULT_TOKEN_ROLE} (jobs ask with `vault { policies = [...] }`).
# Used with nomad-agent.hcl (what every agent shares: name, addresses, ports, Consul).
server {
  enabled          = true
  bootstrap_expect = 1
  # How long a silent client keeps its allocations before they are rescheduled.
  heartbeat_grace   = "${HEARTBEAT_GRACE}"
  min_heartbeat_ttl = "${MIN_HEARTBEAT_TTL}"
}

vault {
  enabled          = true
  address          = "${VAULT_URL}"
  token            = "${VAULT_SERVER_TOKEN}"
  create_from_role = "${VAULT_TOKEN_ROLE}"
}
