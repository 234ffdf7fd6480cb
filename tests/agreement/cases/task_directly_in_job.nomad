job "task-in-job" {
  datacenters = ["dc1"]
  task "solo" {
    driver = "raw_exec"
    config {
      command = "/bin/true"
    }
  }
}
