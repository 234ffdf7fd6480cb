job "hello_nomad_migrate" {
  region      = "global"
  namespace   = "default"
  datacenters = ["dc1"]
  type        = "batch"

  group "migrate" {
    # A failed migration is reported, never retried behind the deploy's back.
    restart {
      attempts = 0
      mode     = "fail"
    }

    reschedule {
      attempts  = 0
      unlimited = false
    }

    volume "data" {
      type      = "host"
      source    = "hello_nomad_data"
      read_only = false
    }

    task "migrate" {
      driver = "exec"
      user   = "hello_nomad"

      artifact {
        source      = "http://192.168.56.1:8000/hello_nomad-0.1.0.tar.gz"
        destination = "local/"
        options {
          checksum = "sha256:5f2b6a1c4f1e0d3b9a8c7e6d5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a"
        }
      }

      volume_mount {
        volume      = "data"
        destination = "/data"
      }

      config {
        command = "local/bin/hello_nomad"
        args    = ["eval", "HelloNomad.Release.migrate()"]
      }

      env {
        DATA_DIR             = "/data"
        # eval needs no node name, cookie or secret.
        RELEASE_DISTRIBUTION = "none"
        RELEASE_TMP          = "${NOMAD_TASK_DIR}/tmp"
        ERL_CRASH_DUMP       = "${NOMAD_ALLOC_DIR}/logs"
      }

      resources {
        cpu    = 200
        memory = 256
      }
    }
  }
}
