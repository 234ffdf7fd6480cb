job "shell-default" {
  group "g" {
    task "t" {
      driver = "exec"
      template {
        data        = <<EOH
TIMEOUT=${TIMEOUT:-300}
EOH
        destination = "local/x"
      }
    }
  }
}
