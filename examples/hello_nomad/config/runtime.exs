# Read at every start of the release (not at build time), like a Phoenix app's runtime.exs.
import Config

# An empty variable counts as unset (a Nomad template may render one empty).
env = fn name ->
  case System.get_env(name) do
    "" -> nil
    value -> value
  end
end

if config_env() == :prod do
  # Only a server needs the secret; `bin/hello_nomad eval` (migrations) runs without it.
  if System.get_env("RELEASE_COMMAND") in ~w(start start_iex daemon daemon_iex) do
    secret = env.("SECRET_KEY_BASE")

    # A plain message and exit 1 rather than a raise: no stack trace, no crash dump.
    unless secret do
      IO.puts(:stderr, [
        "ERROR: environment variable SECRET_KEY_BASE is missing.\n",
        "Generate one with: openssl rand -base64 48"
      ])

      System.halt(1)
    end

    config :hello_nomad, secret_key_base: secret
  end

  # PORT wins; under Nomad, the port labelled "http" is given as NOMAD_PORT_http.
  port = env.("PORT") || env.("NOMAD_PORT_http") || "4000"
  bind_ip = env.("BIND_IP") || env.("NOMAD_IP_http") || "0.0.0.0"

  config :hello_nomad, http_port: String.to_integer(port), bind_ip: bind_ip
end
