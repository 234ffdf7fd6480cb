job "nginx" {
  region      = "global"
  namespace   = "default"
  datacenters = ["dc1"]
  type        = "service"

  group "nginx" {
    count = 1

    network {
      port "http" {
        static = 8080
      }
      port "preview" {
        static = 8081
      }
    }

    # A static port allows one nginx per host: replace in place, one at a time.
    update {
      max_parallel     = 1
      canary           = 0
      auto_revert      = true
      health_check     = "checks"
      min_healthy_time = "5s"
      healthy_deadline = "2m"
    }

    restart {
      attempts = 3
      interval = "5m"
      delay    = "10s"
      mode     = "delay"
    }

    service {
      name     = "nginx"
      provider = "consul"
      port     = "http"

      check {
        type     = "http"
        path     = "/nginx-health"
        interval = "10s"
        timeout  = "2s"
      }
    }

    task "nginx" {
      driver = "exec"
      user   = "www-data"

      config {
        command = "/usr/sbin/nginx"
        args = [
          "-p", "${NOMAD_TASK_DIR}/",
          "-c", "${NOMAD_TASK_DIR}/nginx.conf",
          "-e", "stderr",
          "-g", "daemon off;",
        ]
      }

      template {
        data          = <<-EOT
worker_processes 1;
pid nginx.pid;
error_log stderr warn;

events {
  worker_connections 1024;
}

http {
  access_log /dev/stdout;
  default_type application/octet-stream;

  # Relative to the prefix (-p): inside the allocation, writable without root.
  client_body_temp_path client_body_temp;
  proxy_temp_path proxy_temp;
  fastcgi_temp_path fastcgi_temp;
  uwsgi_temp_path uwsgi_temp;
  scgi_temp_path scgi_temp;

  # Phoenix channels and LiveView: upgrade to a websocket when the client asks.
  map $http_upgrade $connection_upgrade {
    default upgrade;
    ''      close;
  }

  upstream hello_nomad {
    least_conn;
{{- $live := service "live.hello-nomad" }}
{{- if $live }}{{ range $live }}
    server {{ .Address }}:{{ .Port }} max_fails=3 fail_timeout=30s;
{{- end }}{{ else }}{{ range service "hello-nomad" }}
    server {{ .Address }}:{{ .Port }} max_fails=3 fail_timeout=30s;
{{- else }}
    server 127.0.0.1:65535; # no healthy instance yet: answer 502
{{- end }}{{ end }}
  }

  upstream hello_nomad_preview {
{{- range service "canary.hello-nomad" }}
    server {{ .Address }}:{{ .Port }};
{{- else }}
    server 127.0.0.1:65535; # no canary: answer 502
{{- end }}
  }

  server {
    listen {{ env "NOMAD_PORT_http" }};

    location = /nginx-health {
      access_log off;
      return 200 "ok\n";
    }

    location / {
      proxy_pass http://hello_nomad;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_read_timeout 120s;
    }
  }

  # Preview: the canaries of a canary or blue/green deploy, before promotion.
  server {
    listen {{ env "NOMAD_PORT_preview" }};

    location / {
      proxy_pass http://hello_nomad_preview;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_read_timeout 120s;
    }
  }
}
        EOT
        destination   = "local/nginx.conf"
        change_mode   = "signal"
        change_signal = "SIGHUP"
        # Reload within 2 s of a catalog change (by default the client waits at least 5 s,
        # then up to 5 s more of splay before the signal): well inside hello_nomad's
        # shutdown_delay, so a stopping instance leaves the upstream before it stops.
        splay         = "0s"
        wait {
          min = "500ms"
          max = "2s"
        }
      }

      resources {
        cpu    = 200
        memory = 128
      }
    }
  }
}
