job "hello_nomad" {
  region      = "global"
  namespace   = "default"
  datacenters = ["dc1"]
  type        = "service"

  group "web" {
    count = 2

    network {
      port "http" {}
      # Erlang distribution: pinned per allocation through ELIXIR_ERL_OPTIONS below.
      port "epmd_dist" {}
    }

    update {
      max_parallel      = 2
      canary            = 2
      auto_promote      = false
      auto_revert       = true
      health_check      = "checks"
      min_healthy_time  = "10s"
      healthy_deadline  = "3m"
      progress_deadline = "10m"
    }

    restart {
      attempts = 3
      interval = "5m"
      delay    = "15s"
      mode     = "fail"
    }

    # Deregister from the load balancer first, then signal the task.
    shutdown_delay = "5s"

    service {
      name     = "hello-nomad"
      provider = "consul"
      port     = "http"
      tags     = ["http", "phoenix"]

      check {
        type     = "http"
        path     = "/health"
        interval = "10s"
        timeout  = "2s"

        check_restart {
          limit = 3
          grace = "30s"
        }
      }
    }

    task "migrate" {
      lifecycle {
        hook    = "prestart"
        sidecar = false
      }

      driver = "exec"
      user   = "hello_nomad"

      artifact {
        source      = "http://192.168.56.1:8000/hello_nomad-0.1.0.tar.gz"
        destination = "local/"
        options {
          checksum = "sha256:5f2b6a1c4f1e0d3b9a8c7e6d5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a"
        }
      }

      # Workload identity: the Vault role maps the task's JWT to a policy (Nomad >= 1.7).
      vault {
        role = "hello_nomad"
      }

      template {
        # SECRET_KEY_BASE and RELEASE_COOKIE, read on the client: never in the job spec.
        data        = <<-EOT
{{- /* consul-template, rendered by Nomad on the client: never parsed by Jinja. */ -}}
{{ with secret "secret/data/hello_nomad" -}}
SECRET_KEY_BASE={{ .Data.data.secret_key_base | toJSON }}
RELEASE_COOKIE={{ .Data.data.release_cookie | toJSON }}
{{ end -}}
EOT
        destination = "secrets/app.env"
        env         = true
        change_mode = "restart"
      }

      config {
        command = "local/bin/hello_nomad"
        args    = ["eval", "HelloNomad.Release.migrate"]
      }

      resources {
        cpu    = 200
        memory = 256
      }
    }

    task "app" {
      driver = "exec"
      user   = "hello_nomad"

      artifact {
        source      = "http://192.168.56.1:8000/hello_nomad-0.1.0.tar.gz"
        destination = "local/"
        options {
          checksum = "sha256:5f2b6a1c4f1e0d3b9a8c7e6d5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a"
        }
      }

      # Workload identity: the Vault role maps the task's JWT to a policy (Nomad >= 1.7).
      vault {
        role = "hello_nomad"
      }

      template {
        # SECRET_KEY_BASE and RELEASE_COOKIE, read on the client: never in the job spec.
        data        = <<-EOT
{{- /* consul-template, rendered by Nomad on the client: never parsed by Jinja. */ -}}
{{ with secret "secret/data/hello_nomad" -}}
SECRET_KEY_BASE={{ .Data.data.secret_key_base | toJSON }}
RELEASE_COOKIE={{ .Data.data.release_cookie | toJSON }}
{{ end -}}
EOT
        destination = "secrets/app.env"
        env         = true
        change_mode = "restart"
      }

      config {
        command = "local/bin/hello_nomad"
        args    = ["start"]
      }

      env {
        PORT                 = "${NOMAD_PORT_http}"
        PHX_SERVER           = "true"
        PHX_HOST             = "192.168.56.10"
        RELEASE_DISTRIBUTION = "name"
        # Unique per allocation: canaries reuse NOMAD_ALLOC_INDEX, alloc ids never repeat.
        RELEASE_NODE         = "hello_nomad-${NOMAD_SHORT_ALLOC_ID}@${NOMAD_IP_http}"
        ELIXIR_ERL_OPTIONS   = "-kernel inet_dist_listen_min ${NOMAD_PORT_epmd_dist} inet_dist_listen_max ${NOMAD_PORT_epmd_dist}"
      }

      # The BEAM stops gracefully on SIGTERM (Nomad's default SIGINT kills it at once).
      kill_signal  = "SIGTERM"
      kill_timeout = "30s"

      resources {
        cpu    = 500
        memory = 512
      }
    }
  }
}
