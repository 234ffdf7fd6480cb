defmodule HelloNomad.Cluster.Peers do
  @moduledoc """
  The peers to cluster with, each written `name@host:port` (port: the peer's Erlang
  distribution port), read on every call from:

    * `CLUSTER_PEERS` - a list separated by commas or whitespace;
    * `CLUSTER_PEERS_FILE` - a file with the same entries (e.g. rendered by a Nomad
      `template` from the service catalog), re-read so it may change while running;
      blank lines and `#` comments are skipped.

  This node (`RELEASE_NODE` on `RELEASE_DIST_PORT`) is always included so that
  `bin/hello_nomad remote` and `rpc` find it without epmd.
  """

  @type peer :: {node(), host :: String.t(), :inet.port_number()}

  @spec list() :: [peer]
  def list do
    entries = split(System.get_env("CLUSTER_PEERS", "")) ++ file_entries() ++ self_entry()
    entries |> Enum.flat_map(&parse/1) |> Enum.uniq()
  end

  @doc "The distribution port of `name@host`, if a peer entry names it."
  @spec port_of(charlist | String.t(), charlist | String.t() | :inet.ip_address()) ::
          {:ok, :inet.port_number()} | :error
  def port_of(name, host) do
    node = :"#{name}@#{host_string(host)}"

    case List.keyfind(list(), node, 0) do
      {^node, _host, port} -> {:ok, port}
      nil -> :error
    end
  end

  @spec parse(String.t()) :: [peer]
  def parse(entry) do
    with [_, name, host, port] <- Regex.run(~r/^([^@]+)@(.+):(\d{1,5})$/, entry),
         port when port in 1..65_535 <- String.to_integer(port) do
      [{:"#{name}@#{host}", host, port}]
    else
      _ -> []
    end
  end

  defp file_entries do
    with path when path not in [nil, ""] <- System.get_env("CLUSTER_PEERS_FILE"),
         {:ok, text} <- File.read(path) do
      text
      |> String.split("\n")
      |> Enum.map(&(&1 |> String.split("#", parts: 2) |> hd()))
      |> Enum.flat_map(&split/1)
    else
      _ -> []
    end
  end

  defp self_entry do
    case {System.get_env("RELEASE_NODE"), System.get_env("RELEASE_DIST_PORT")} do
      {node, port} when is_binary(node) and is_binary(port) -> ["#{node}:#{port}"]
      _ -> []
    end
  end

  defp split(text), do: String.split(text, [",", " ", "\t", "\n"], trim: true)

  defp host_string(host) when is_tuple(host), do: to_string(:inet.ntoa(host))
  defp host_string(host), do: to_string(host)
end
