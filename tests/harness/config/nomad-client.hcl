# Nomad client only: each Vagrant client VM and each client of the multi-node live tests
# (several on one machine: own name, ports, data folder and cgroup parent). Tasks get
# addresses on ${NETWORK_INTERFACE}; Vault tokens come from the server (token workflow).
# Used with nomad-agent.hcl (what every agent shares: name, addresses, ports, Consul).
client {
  enabled           = true
  servers           = ["${SERVER_RPC_ADDR}"]
  network_interface = "${NETWORK_INTERFACE}"
  cgroup_parent     = "${CGROUP_PARENT}"
  options = {
    # Cloud metadata fingerprinters only slow start-up off-cloud (and the AWS one fails
    # outright when AWS_CA_BUNDLE is set).
    "fingerprint.denylist" = "env_aws,env_gce,env_azure,env_digitalocean"
  }

  # Where the bundled hello_nomad_migrate job keeps its state (jobs/vars/common.yaml
  # hello_nomad.migrate.volume); the folder must exist before the agent starts.
  host_volume "hello_nomad_data" {
    path      = "${HELLO_NOMAD_DATA}"
    read_only = false
  }
}

plugin "raw_exec" {
  config {
    enabled = true
  }
}

vault {
  enabled = true
  address = "${VAULT_URL}"
}
