job "hello_nomad" {
  region      = "global"
  namespace   = "default"
  datacenters = ["dc1"]
  type        = "service"

  group "web" {
    count = 2

    network {
      port "http" {}
      # Erlang distribution: the node listens here (RELEASE_DIST_PORT, no epmd) and its
      # peers read the port from the "-dist" service below.
      port "dist" {}
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

    # Deregister from the load balancer first (nginx re-renders its upstreams within 2 s),
    # then signal the task: requests in flight finish, no new ones arrive.
    shutdown_delay = "5s"

    service {
      name     = "hello-nomad"
      provider = "consul"
      port     = "http"
      # nginx sends users to instances tagged "live" and its preview listener to those
      # tagged "canary": canaries register with canary_tags until promotion, then Nomad
      # re-registers them with tags. Users never see a version before it is promoted.
      tags        = ["http", "live"]
      canary_tags = ["http", "canary"]

      check {
        type     = "http"
        path     = "/health"
        interval = "10s"
        timeout  = "2s"

        # grace counts from the allocation's start: group services register before the
        # task folder is built and the artifact downloaded (25 s of chroot copying on a
        # busy 2-core agent), so it must cover those as well as the BEAM's boot.
        check_restart {
          limit = 3
          grace = "60s"
        }
      }
    }

    # Every instance's Erlang distribution endpoint, for the peers template: the node name
    # in the first tag (unique per allocation), the address and port as registered. Listed
    # while the app answers /health: peers only try nodes that are up.
    service {
      name     = "hello-nomad-dist"
      provider = "consul"
      port     = "dist"
      tags     = ["hello_nomad-${NOMAD_SHORT_ALLOC_ID}"]

      check {
        type     = "http"
        port     = "http"
        path     = "/health"
        interval = "10s"
        timeout  = "2s"
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

      # Token workflow (Nomad < 1.10, the only one before 1.7): the agent creates a
      # Vault token holding these policies for the task.
      vault {
        policies = ["hello_nomad"]
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

      template {
        # CLUSTER_PEERS_FILE: name@host:port of every instance, this one included. The app
        # re-reads it every CLUSTER_POLL_MS, so a change needs no restart.
        data        = <<-EOT
{{- range service "hello-nomad-dist" }}
{{ index .Tags 0 }}@{{ .Address }}:{{ .Port }}
{{- end }}
        EOT
        destination = "local/cluster_peers"
        change_mode = "noop"
      }

      config {
        command = "local/bin/hello_nomad"
        args    = ["start"]
      }

      env {
        PORT                 = "${NOMAD_PORT_http}"
        BIND_IP              = "${NOMAD_IP_http}"
        PHX_HOST             = "192.168.56.10"
        RELEASE_DISTRIBUTION = "name"
        # Unique per allocation: canaries reuse NOMAD_ALLOC_INDEX, alloc ids never repeat.
        RELEASE_NODE         = "hello_nomad-${NOMAD_SHORT_ALLOC_ID}@${NOMAD_IP_dist}"
        RELEASE_DIST_PORT    = "${NOMAD_PORT_dist}"
        CLUSTER_PEERS_FILE   = "${NOMAD_TASK_DIR}/cluster_peers"
        CLUSTER_POLL_MS      = "5000"
        # The release folder belongs to the artifact download; the runtime config goes here.
        RELEASE_TMP          = "${NOMAD_TASK_DIR}/tmp"
        # A crash dump lands next to the task's logs, where `nomad alloc fs` finds it.
        ERL_CRASH_DUMP       = "${NOMAD_ALLOC_DIR}/logs"
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
