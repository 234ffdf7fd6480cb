defmodule HelloNomad.Cluster do
  @moduledoc """
  Keeps this node connected to the peers of HelloNomad.Cluster.Peers: tries every
  `CLUSTER_POLL_MS` milliseconds (default 5000) to connect to each one not connected yet.
  Does nothing when distribution is off (`RELEASE_DISTRIBUTION=none`).
  """
  use GenServer
  require Logger
  alias HelloNomad.Cluster.Peers

  def start_link(_opts), do: GenServer.start_link(__MODULE__, [], name: __MODULE__)

  @impl true
  def init(_) do
    if Node.alive?() do
      set_cookie()
      send(self(), :connect)
      {:ok, %{interval: String.to_integer(System.get_env("CLUSTER_POLL_MS", "5000"))}}
    else
      :ignore
    end
  end

  @impl true
  def handle_info(:connect, state) do
    connected = Node.list()

    for {node, _host, _port} <- Peers.list(), node != node(), node not in connected do
      if Node.connect(node) == true, do: Logger.info("cluster: connected to #{node}")
    end

    Process.send_after(self(), :connect, state.interval)
    {:noreply, state}
  end

  # rel/env.sh.eex starts the VM with a throwaway cookie so the real one never shows on
  # its command line (world-readable in /proc); the real one is set here, before any
  # connection is made.
  defp set_cookie do
    case System.get_env("HELLO_NOMAD_COOKIE") do
      cookie when cookie not in [nil, ""] -> Node.set_cookie(String.to_atom(cookie))
      _ -> :ok
    end
  end
end
