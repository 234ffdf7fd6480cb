defmodule HelloNomad.Endpoint do
  @moduledoc "OTP's :inets httpd on the configured address and port, serving HelloNomad.Web."
  require Logger

  def child_spec(_opts) do
    %{id: __MODULE__, start: {__MODULE__, :start_link, []}, type: :supervisor}
  end

  def start_link do
    port = Application.fetch_env!(:hello_nomad, :http_port)
    bind_ip = Application.fetch_env!(:hello_nomad, :bind_ip)
    {:ok, address} = :inet.parse_address(String.to_charlist(bind_ip))
    root = :code.lib_dir(:hello_nomad)

    config = [
      port: port,
      bind_address: address,
      server_name: 'hello_nomad',
      server_root: root,
      document_root: root,
      modules: [HelloNomad.Web]
    ]

    # stand_alone: linked to our supervisor rather than to the inets application's.
    with {:ok, pid} <- :inets.start(:httpd, config, :stand_alone) do
      Logger.info(
        "listening on http://#{bind_ip}:#{port} as #{node()}, version #{HelloNomad.version()}"
      )

      {:ok, pid}
    end
  end
end
