"""The bundled jobs rendered for each environment, byte for byte.

A difference means a template, a var file or the renderer changed what Nomad would get.
If the change is intended, rewrite the files (`UPDATE_GOLDEN=1 pytest tests/golden` or
`pytest tests/golden --update-golden`) and review the diff like any other code change.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from nomad_deploy.checks.validate import validate_offline
from nomad_deploy.project import load_project
from nomad_deploy.render import render_job
from nomad_deploy.variables import collect_variables

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "rendered"


@pytest.mark.parametrize("env", ["dev", "vagrant"])
@pytest.mark.parametrize("job", ["hello_nomad_migrate", "hello_nomad", "nginx"])
def test_rendered_job_matches_golden(job: str, env: str, update_golden: bool) -> None:
    project = load_project(ROOT / "nomad-deploy.toml")
    spec = project.jobs[job]
    environment = project.environment(env)
    variables = collect_variables(project, environment, spec, environ={})
    rendered = render_job(
        spec,
        variables,
        search_path=project.template_dirs,
        delimiters=spec.delimiters or project.delimiters,
    )
    validate_offline(rendered)  # a golden file is never a job that does not parse
    golden = GOLDEN / f"{job}.{env}.hcl"
    if update_golden:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(rendered.text, encoding="utf-8")
        return
    assert golden.exists(), f"{golden} missing: run with UPDATE_GOLDEN=1 to create it"
    expected = golden.read_text(encoding="utf-8")
    if rendered.text != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                rendered.text.splitlines(keepends=True),
                fromfile=str(golden.relative_to(ROOT)),
                tofile=f"render {job} --env {env}",
            )
        )
        pytest.fail(f"rendered {job} ({env}) differs from its golden file:\n{diff}")
