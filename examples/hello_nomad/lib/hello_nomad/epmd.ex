defmodule HelloNomad.Epmd do
  @moduledoc """
  Erlang distribution without the epmd daemon (rel/vm.args.eex: `-start_epmd false
  -epmd_module Elixir.HelloNomad.Epmd`). With epmd, the first node on a host starts an
  `epmd` daemon that outlives it; here nothing is started and nothing registers.

  This node listens on `RELEASE_DIST_PORT` (0 or unset: the kernel's
  `inet_dist_listen_min`/`max`, else any port). Other nodes' ports come from the peer
  entries (`name@host:port`, see HelloNomad.Cluster.Peers), not from a port mapper.
  """
  alias HelloNomad.Cluster.Peers

  # Distribution protocol version for OTP >= 23.
  @version 6

  def start_link, do: :ignore

  def register_node(name, port), do: register_node(name, port, :inet)
  # -1: no epmd hands out a creation; the runtime picks a random one.
  def register_node(_name, _port, _family), do: {:ok, -1}

  def listen_port_please(_name, _host) do
    case Integer.parse(System.get_env("RELEASE_DIST_PORT", "0")) do
      {port, ""} when port in 0..65_535 -> {:ok, port}
      _ -> {:ok, 0}
    end
  end

  def port_please(name, host), do: port_please(name, host, :infinity)

  def port_please(name, host, _timeout) do
    case Peers.port_of(name, host) do
      {:ok, port} -> {:port, port, @version}
      :error -> :noport
    end
  end

  def address_please(_name, host, family), do: :inet.getaddr(host, family)

  def names(_host), do: {:error, :address}
end
