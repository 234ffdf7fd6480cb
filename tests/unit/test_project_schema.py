"""The project file against its schema: typos get a did-you-mean, wrong types and bad
job names are errors naming the line and key; a cycle lists only the cycle."""

from __future__ import annotations

from pathlib import Path

import pytest

from nomad_deploy.errors import ConfigError, UsageError
from nomad_deploy.project import load_project
from nomad_deploy.project_schema import ENV_KEYS, JOB_KEYS, TOP_KEYS

README = Path(__file__).resolve().parents[2] / "README.md"


def config_error(tmp_path: Path, text: str | bytes) -> ConfigError:
    path = tmp_path / "nomad-deploy.toml"
    if isinstance(text, str):
        text = text.encode()
    path.write_bytes(text)
    with pytest.raises(ConfigError) as caught:
        load_project(cwd=tmp_path)
    return caught.value


@pytest.mark.parametrize(
    ("text", "subject", "line", "hint"),
    [
        (
            'defualt_env = "dev"\n',
            "unknown key 'defualt_env' in the project file",
            1,
            "default_env",
        ),
        (
            '[env.dev]\nnomad_address = "x"\n',
            "unknown key 'nomad_address' in [env.dev]",
            2,
            "nomad_addr",
        ),
        (
            '[[job]]\nname = "web"\ntemplate = "w.j2"\nvar_file = ["a.yaml"]\n',
            "unknown key 'var_file' in job 'web'",
            4,
            "var_files",
        ),
    ],
)
def test_typos_are_errors_with_a_did_you_mean(
    tmp_path: Path, text: str, subject: str, line: int, hint: str
) -> None:
    error = config_error(tmp_path, text)
    assert error.subject == subject
    assert dict(error.context)["File"].endswith(f"nomad-deploy.toml:{line}")
    assert error.suggestion is not None and f"did you mean {hint!r}" in error.suggestion


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("default_env = []\n", "'default_env' in the project file must be a string, not a list"),
        ("[default_env]\n", "'default_env' in the project file must be a string, not a table"),
        ("[env.dev]\nnamespace = 3\n", "'namespace' in [env.dev] must be a string"),
        ('[env.dev]\nvars = "x"\n', "'vars' in [env.dev] must be a table"),
        ('[[job]]\ntemplate = "w.j2"\n', "[[job]] number 1 has no 'name'"),
        ('[[job]]\nname = "web"\n', "job 'web' has no 'template'"),
        ('[[job]]\nname = "web"\ntemplate = 3\n', "'template' in job 'web' must be a string"),
        ('[[job]]\nname = "../../escaped"\ntemplate = "w.j2"\n', "job name '../../escaped'"),
        ('[[job]]\nname = "/abs"\ntemplate = "w.j2"\n', "job name '/abs'"),
        ('[[job]]\nname = ""\ntemplate = "w.j2"\n', "job name '' is empty"),
        ('[[job]]\nname = "a b"\ntemplate = "w.j2"\n', "job name 'a b'"),
        (b'default_env = "d\xffv"\n', "not UTF-8"),
        ("a = " + "[" * 5000 + "]" * 5000 + "\n", "nests too deeply"),
        ("[vars]\nn = " + "9" * 5000 + "\n", "invalid TOML"),
    ],
)
def test_wrong_types_and_names_are_config_errors(
    tmp_path: Path, text: str | bytes, needle: str
) -> None:
    assert needle in config_error(tmp_path, text).subject


def test_a_cycle_lists_only_the_jobs_in_it(tmp_path: Path) -> None:
    jobs = [("a", []), ("b", ["c"]), ("c", ["b"]), ("d", ["a", "b"])]
    text = "".join(
        f'[[job]]\nname = "{name}"\ntemplate = "{name}.j2"\nafter = {after!r}\n'.replace("'", '"')
        for name, after in jobs
    )
    error = config_error(tmp_path, text)
    assert error.subject == "jobs depend on each other in a cycle: b -> c -> b"


def test_a_template_file_name_that_is_no_job_name_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / ".nomad.j2").write_text("")
    project = load_project(cwd=tmp_path)
    with pytest.raises(UsageError, match="is empty"):
        project.resolve_job(str(tmp_path / ".nomad.j2"))


def test_readme_documents_every_key() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [key for key in {*TOP_KEYS, *ENV_KEYS, *JOB_KEYS} if f"`{key}`" not in text]
    assert missing == []
    assert "[env.NAME.vars]" in text
