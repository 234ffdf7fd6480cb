defmodule HelloNomad.Application do
  @moduledoc false
  use Application
  require Logger

  @impl true
  def start(_type, _args) do
    secret = Application.fetch_env!(:hello_nomad, :secret_key_base)
    # The length shows the secret arrived; the value must never reach a log.
    Logger.info("SECRET_KEY_BASE set (#{byte_size(secret)} bytes)")

    children = [HelloNomad.Endpoint, HelloNomad.Cluster]
    Supervisor.start_link(children, strategy: :one_for_one, name: HelloNomad.Supervisor)
  end
end
