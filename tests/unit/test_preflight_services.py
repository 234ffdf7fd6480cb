"""Preflight does not warn about a service that a job of the same command registers."""

from __future__ import annotations

from pathlib import Path

from nomad_deploy.checks.preflight import preflight, registered_services
from nomad_deploy.checks.validate import validate_offline
from nomad_deploy.render import RenderedJob
from nomad_deploy.render.plain import plain_rendered_job

APP = """\
job "app" {
  group "web" {
    service {
      name = "web"
    }
    task "t" {
      driver = "exec"
      service {
        name = "web-dist"
      }
    }
  }
}
"""
LB = """\
job "lb" {
  group "g" {
    task "nginx" {
      driver = "exec"
      template {
        data        = <<EOT
{{ range service "web" }}{{ .Address }}{{ end }}{{ range service "other" }}{{ end }}
EOT
        destination = "local/x"
      }
    }
  }
}
"""


class EmptyConsul:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def key_exists(self, path: str) -> bool:
        return True

    def service_known(self, name: str) -> bool:
        self.asked.append(name)
        return False


def job(name: str, text: str) -> RenderedJob:
    return plain_rendered_job(name, Path(f"{name}.nomad"), text)


def test_services_registered_by_the_same_command_are_not_reported() -> None:
    app, lb = job("app", APP), job("lb", LB)
    registered = registered_services(validate_offline(app).outline)
    assert registered == {"web", "web-dist"}
    consul = EmptyConsul()
    findings = preflight(
        validate_offline(lb).outline,
        lb,
        vault=lambda: None,  # type: ignore[arg-type,return-value]
        consul=lambda: consul,
        registered_here=registered,
    )
    assert consul.asked == ["other"]
    assert [f.message for f in findings] == [
        "Consul service 'other' is not registered yet (fine if this deploy registers it)"
    ]
