import Config

config :logger, :console, format: "$time [$level] $message\n"

# Development defaults; a release reads its settings from the environment (runtime.exs).
config :hello_nomad, http_port: 4000, bind_ip: "127.0.0.1", secret_key_base: "dev-only"
