# What every agent of a multi-node Nomad cluster shares (the Vagrant VMs, the multi-node
# live tests); nomad-server.hcl or nomad-client.hcl sits next to it in the agent's config
# folder (`nomad agent -config=DIR` merges the folder's files).
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

consul {
  address = "${CONSUL_ADDR}"
}
