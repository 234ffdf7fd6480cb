job "attribute-opening-line" {
  group "g" { count = 2
    task "t" {
      driver = "exec"
    }
  }
}
