# Vault dev server (in-memory, unsealed, KV v2 at secret/). The listener comes from
# -dev-listen-address=${BIND_ADDR}:${HTTP_PORT} and the root token from -dev-root-token-id.
api_addr      = "http://${BIND_ADDR}:${HTTP_PORT}"
disable_mlock = true
ui            = false
log_level     = "info"
