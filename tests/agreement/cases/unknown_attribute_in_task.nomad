job "unknown-attribute" {
  group "g" {
    task "t" {
      driver = "exec"
      group  = "oops"
    }
  }
}
