"""nomad-deploy: render Nomad jobs from Jinja2 templates, plan, register and watch them.

The public API (documented in README, "Use from Python")::

    import nomad_deploy
    context = nomad_deploy.open_context(env="dev")
    report = nomad_deploy.deploy_jobs(context, ["web"], variables={"count": 2})

``open_context``, ``load_project``, ``render_jobs``, ``validate_jobs``, ``plan_jobs``,
``deploy_jobs``, ``watch_job`` and ``job_status`` are imported on first use, so importing
the package (and the CLI's cold start) stays light. Their names differ from the
subpackages' (``render``, ``deploy``): importing a subpackage binds its name on the
package. Everything else is private and may change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nomad_deploy.public import (
        deploy_jobs,
        job_status,
        load_project,
        open_context,
        plan_jobs,
        render_jobs,
        validate_jobs,
        watch_job,
    )

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "deploy_jobs",
    "job_status",
    "load_project",
    "open_context",
    "plan_jobs",
    "render_jobs",
    "validate_jobs",
    "watch_job",
]


def __getattr__(name: str) -> Any:
    """Import a public function on first use."""
    if name not in __all__:
        raise AttributeError(f"module 'nomad_deploy' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module("nomad_deploy.public"), name)
    globals()[name] = value
    return value
