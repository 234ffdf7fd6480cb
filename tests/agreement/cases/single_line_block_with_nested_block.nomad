job "single-line-nested" {
  group "g" {
    network { port "db" {} }
    task "t" {
      driver = "exec"
    }
  }
}
