# Nomad dev agent (server + client) integrated with Consul (service registration) and
# Vault (workload identity: tasks log in to the JWT auth method at ${VAULT_JWT_PATH}).
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
}

vault {
  enabled               = true
  address               = "${VAULT_URL}"
  jwt_auth_backend_path = "${VAULT_JWT_PATH}"

  default_identity {
    aud = ["vault.io"]
    ttl = "1h"
  }
}
