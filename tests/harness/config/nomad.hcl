# Nomad agent (server + client) integrated with Consul (service registration) and Vault.
# Nomad 1.6 (the newest open-source release) has no Vault workload identity: the server
# holds a Vault token and creates each task's token from the token role
# ${VAULT_TOKEN_ROLE}; a job asks for policies with `vault { policies = [...] }`.
name      = "${NODE_NAME}"
bind_addr = "${BIND_ADDR}"
data_dir  = "${DATA_DIR}"
log_level = "INFO"

ports {
  http = ${HTTP_PORT}
  rpc  = ${RPC_PORT}
  serf = ${SERF_PORT}
}

client {
  enabled = true
  options = {
    # Cloud metadata fingerprinters only slow start-up off-cloud (and the AWS one fails
    # outright when AWS_CA_BUNDLE is set).
    "fingerprint.denylist" = "env_aws,env_gce,env_azure,env_digitalocean"
  }
}

plugin "raw_exec" {
  config {
    enabled = true
  }
}

consul {
  address = "${CONSUL_ADDR}"
  # The multi-node test cluster's Consul agents join this Consul too, and Nomad clients
  # find servers through Consul when theirs is down: under the default name "nomad" they
  # would find this dev agent and try to register with it ("node not found").
  server_service_name = "nomad-dev-agent"
  client_service_name = "nomad-dev-agent-client"
}

vault {
  enabled          = true
  address          = "${VAULT_URL}"
  token            = "${VAULT_SERVER_TOKEN}"
  create_from_role = "${VAULT_TOKEN_ROLE}"
}
