job "binary-expression" {
  group "g" {
    count = 1 + 1
    task "t" {
      driver = "exec"
    }
  }
}
