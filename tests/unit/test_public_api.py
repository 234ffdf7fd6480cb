"""The public face: ``import nomad_deploy`` stays light, its functions load on first use."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import nomad_deploy

PROBE = """
import sys
import nomad_deploy
heavy = ("jinja2", "yaml", "hcl2", "lark", "requests", "rich", "hvac", "consul", "nomad")
print(",".join(m for m in heavy if m in sys.modules))
print(callable(nomad_deploy.render_jobs))
print("jinja2" in sys.modules)
"""


def test_importing_the_package_loads_nothing_heavy_until_a_function_is_used() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == ["", "True", "True"]


def test_render_and_validate_from_python(tmp_path: Path) -> None:
    (tmp_path / "nomad-deploy.toml").write_text(
        '[vars]\nname = "py"\n\n[[job]]\nname = "web"\ntemplate = "web.nomad.j2"\n'
    )
    (tmp_path / "web.nomad.j2").write_text(
        'job "{{ name }}-web" {\n  group "g" {\n    task "t" {\n      driver = "docker"\n'
        '      config {\n        image = "busybox:1.36"\n      }\n    }\n  }\n}\n'
    )
    context = nomad_deploy.open_context(tmp_path / "nomad-deploy.toml", environ={})
    (job,) = nomad_deploy.render_jobs(context, ["web"], variables={"name": "api"})
    assert job.rendered.text.startswith('job "api-web" {')
    result = nomad_deploy.validate_jobs(context, ["web"])
    assert not result.failed and result.reports[0].outline.id == "py-web"


def test_public_names_are_not_shadowed_by_subpackages() -> None:
    package = Path(nomad_deploy.__file__).parent
    submodules = {path.stem for path in package.glob("*.py")} | {
        path.parent.name for path in package.glob("*/__init__.py")
    }
    assert set(nomad_deploy.__all__) & submodules == set()
    importlib.import_module("nomad_deploy.deploy.events")  # binds nomad_deploy.deploy
    importlib.import_module("nomad_deploy.render.model")  # binds nomad_deploy.render
    assert callable(nomad_deploy.deploy_jobs) and callable(nomad_deploy.render_jobs)


def test_unknown_names_are_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="no_such_verb"):
        _ = nomad_deploy.no_such_verb  # type: ignore[attr-defined]
