job "go-template-missing-end" {
  group "g" {
    task "t" {
      driver = "exec"
      template {
        data        = <<EOH
{{ range service "db" }}{{ .Address }}
EOH
        destination = "local/x"
      }
    }
  }
}
