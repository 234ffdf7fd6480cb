# Added to consul.hcl on the Vagrant server VM: a one-node Consul server with the UI.
server           = true
bootstrap_expect = 1

ui_config {
  enabled = true
}
