# Read at every start of the release (not at build time), like a Phoenix app's runtime.exs.
import Config

if config_env() == :prod do
  # Only a server needs the secret; `bin/hello_nomad eval` (migrations) runs without it.
  if System.get_env("RELEASE_COMMAND") in ~w(start start_iex daemon daemon_iex) do
    secret =
      case System.get_env("SECRET_KEY_BASE") do
        value when value in [nil, ""] ->
          raise """
          environment variable SECRET_KEY_BASE is missing.
          Generate one with: openssl rand -base64 48
          """

        value ->
          value
      end

    config :hello_nomad, secret_key_base: secret
  end

  # PORT wins; under Nomad, the port labelled "http" is given as NOMAD_PORT_http.
  port = System.get_env("PORT") || System.get_env("NOMAD_PORT_http") || "4000"
  bind_ip = System.get_env("BIND_IP") || System.get_env("NOMAD_IP_http") || "0.0.0.0"

  config :hello_nomad, http_port: String.to_integer(port), bind_ip: bind_ip
end
