defmodule HelloNomad.Release do
  @moduledoc """
  Release tasks, run without starting the app:

      bin/hello_nomad eval "HelloNomad.Release.migrate()"

  The "database" is a folder, `DATA_DIR`: `schema_migrations` lists the applied
  migrations (each applied once), `migrate.log` gets a line for every run.
  `MIGRATE_FAIL=message` makes the run fail with that message (tests, failed-deploy demos).
  """

  @migrations [{1, "create greetings"}, {2, "add greetings.language"}]

  def migrate do
    if message = non_empty_env("MIGRATE_FAIL"), do: raise("migration failed: #{message}")
    dir = non_empty_env("DATA_DIR") || raise "DATA_DIR is not set: where migrate keeps its state"
    File.mkdir_p!(dir)

    schema = Path.join(dir, "schema_migrations")
    applied = if File.exists?(schema), do: File.read!(schema) |> String.split(), else: []
    pending = for {id, name} <- @migrations, to_string(id) not in applied, do: {id, name}

    for {id, name} <- pending do
      IO.puts("migrate: applying #{id} #{name}")
      File.write!(schema, "#{id}\n", [:append])
    end

    ids = Enum.map_join(pending, ",", fn {id, _} -> id end)

    line =
      "#{DateTime.utc_now() |> DateTime.to_iso8601()} version=#{version()} applied=[#{ids}]\n"

    File.write!(Path.join(dir, "migrate.log"), line, [:append])

    IO.puts(
      "migrate: #{length(pending)} applied, #{length(@migrations) - length(pending)} already up to date"
    )
  end

  defp version do
    Application.load(:hello_nomad)
    HelloNomad.version()
  end

  defp non_empty_env(name) do
    case System.get_env(name) do
      value when value in [nil, ""] -> nil
      value -> value
    end
  end
end
