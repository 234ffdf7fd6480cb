defmodule HelloNomad.MixProject do
  use Mix.Project

  # scripts/build-release sets HELLO_NOMAD_VERSION; it must be SemVer (mix requires it).
  @version System.get_env("HELLO_NOMAD_VERSION", "0.1.0")

  def project do
    [
      app: :hello_nomad,
      version: @version,
      elixir: "~> 1.14",
      start_permanent: Mix.env() == :prod,
      # No Hex packages: the build runs offline (OTP's :inets serves HTTP).
      deps: [],
      releases: [
        hello_nomad: [
          include_executables_for: [:unix],
          steps: [:assemble, &drop_cookie/1, :tar]
        ]
      ]
    ]
  end

  def application do
    [
      extra_applications: [:logger, :inets],
      mod: {HelloNomad.Application, []}
    ]
  end

  # mix release writes a random cookie into releases/COOKIE, world-readable in the
  # tarball. The cookie comes from RELEASE_COOKIE at start instead (rel/env.sh.eex).
  defp drop_cookie(release) do
    File.rm!(Path.join(release.path, "releases/COOKIE"))
    release
  end
end
