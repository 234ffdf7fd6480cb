"""``nomad-deploy render``: Jinja2 templates to HCL, offline."""

from __future__ import annotations

from pathlib import Path

import click

from nomad_deploy.cli import state
from nomad_deploy.cli.exit_codes import ExitCode
from nomad_deploy.cli.options import project_options


@click.command(
    epilog="""\b
Examples:
  nomad-deploy render hello_nomad --env dev
  nomad-deploy render hello_nomad nginx --env vagrant --out rendered/
  nomad-deploy render jobs/hello_nomad.nomad.j2 --var count=3"""
)
@click.argument("jobs", nargs=-1, required=True)
@project_options
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write <job>.nomad.hcl files into this directory instead of printing.",
)
@click.option(
    "--reveal-secrets",
    is_flag=True,
    help="Print values read from Vault instead of masking them.",
)
def render(
    jobs: tuple[str, ...],
    config: Path | None,
    env_name: str | None,
    assignments: tuple[str, ...],
    var_files: tuple[Path, ...],
    out_dir: Path | None,
    reveal_secrets: bool,
) -> int:
    """Render JOBS to HCL and print them (or write them with --out).

    Nothing is contacted unless a template uses vault()/consul lookups.
    """
    from nomad_deploy.actions.render import RenderOptions, render
    from nomad_deploy.prepare import VariableInputs

    context = state.open_command_context(config, env_name)
    prepared = render(context, RenderOptions(jobs, VariableInputs(var_files, assignments)))
    show = (lambda text: text) if reveal_secrets else context.redactor.redact
    if out_dir is not None:
        from nomad_deploy.errors import UsageError
        from nomad_deploy.output_files import write_all

        files: dict[str, str] = {}
        for job in prepared:
            if job.spec.name in files:
                raise UsageError(
                    f"two jobs are named {job.spec.name!r}: --out would write one file twice",
                    suggestion="name each job once, or render them without --out",
                )
            # Files on disk keep real values only when asked: a rendered file is output too.
            files[job.spec.name] = show(job.rendered.text)
        for target in write_all(out_dir, files):
            click.echo(f"wrote {target}", err=True)
        return ExitCode.OK
    for index, job in enumerate(prepared):
        if len(prepared) > 1:
            if index:
                click.echo("")
            click.echo(f"# --- {job.spec.name} ({job.rendered.template})")
        click.echo(show(job.rendered.text), nl=False)
    return ExitCode.OK
