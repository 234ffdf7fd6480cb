# Consul dev agent for tests and the local demo. ${...} placeholders are filled in by the
# fixture (tests/live/agents.py) or, for a Vagrant VM, by its provisioning script.
node_name   = "${NODE_NAME}"
bind_addr   = "${BIND_ADDR}"
client_addr = "${BIND_ADDR}"
data_dir    = "${DATA_DIR}"
log_level   = "INFO"

ports {
  http     = ${HTTP_PORT}
  server   = ${SERVER_PORT}
  serf_lan = ${SERF_LAN_PORT}
  serf_wan = ${SERF_WAN_PORT}
  dns      = -1
  grpc     = -1
  grpc_tls = -1
}
