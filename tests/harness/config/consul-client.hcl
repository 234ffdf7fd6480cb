# Added to consul.hcl on each Vagrant client VM: a Consul client joining the server.
retry_join = ["${CONSUL_SERVER_ADDR}"]
