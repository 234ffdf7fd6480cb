defmodule HelloNomad do
  @moduledoc "A tiny web app shipped as an Elixir release: the workload nomad-deploy deploys."

  @doc "The release version (mix.exs `version`, set by scripts/build-release)."
  def version, do: to_string(Application.spec(:hello_nomad, :vsn))
end
