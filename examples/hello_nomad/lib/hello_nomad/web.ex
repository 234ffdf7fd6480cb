defmodule HelloNomad.Web do
  @moduledoc """
  The endpoints, as an :inets httpd callback module:

    * `/` - "Hello from NODE, version VSN"
    * `/health` - 200 "ok" while the app is up
    * `/cluster` - this node and the connected nodes, as JSON
    * `/deployment_id` - the version (blue/green checks compare it with the expected one)
  """
  require Record
  Record.defrecordp(:mod, Record.extract(:mod, from_lib: "inets/include/httpd.hrl"))

  # httpd calls `do/1`; `do` is a reserved word in Elixir.
  def unquote(:do)(request) do
    path = request |> mod(:request_uri) |> to_string() |> URI.parse() |> Map.fetch!(:path)
    {status, type, body} = route(mod(request, :method), path)

    head = [
      code: status,
      content_type: type,
      content_length: Integer.to_charlist(byte_size(body))
    ]

    {:proceed, [response: {:response, head, [body]}]}
  end

  def route('GET', "/"), do: text(200, "Hello from #{node()}, version #{HelloNomad.version()}\n")
  def route('GET', "/health"), do: text(200, "ok\n")
  def route('GET', "/deployment_id"), do: text(200, HelloNomad.version())
  def route('GET', "/cluster"), do: {200, 'application/json', cluster_json()}
  def route('GET', _path), do: text(404, "not found\n")
  def route(_method, _path), do: text(405, "method not allowed\n")

  defp text(status, body), do: {status, 'text/plain; charset=utf-8', body}

  # No JSON library without Hex; node names are atoms of plain characters.
  defp cluster_json do
    nodes = Enum.map_join(Enum.sort(Node.list()), ",", &json_string/1)
    ~s({"node":#{json_string(node())},"nodes":[#{nodes}]})
  end

  defp json_string(atom) do
    escaped =
      atom |> Atom.to_string() |> String.replace("\\", "\\\\") |> String.replace("\"", "\\\"")

    ~s("#{escaped}")
  end
end
