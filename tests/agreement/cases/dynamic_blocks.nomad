locals {
  ports = ["http", "metrics"]
}

job "dynamic-blocks" {
  group "g" {
    network {
      dynamic "port" {
        for_each = local.ports
        labels   = [port.value]
        content {}
      }
    }
    task "t" {
      driver = "exec"
    }
  }
}
