job "heredoc-end-spaces" {
  group "g" {
    task "t" {
      driver = "exec"
      template {
        data        = <<EOH
hello
EOH   
        destination = "local/x"
      }
    }
  }
}
