"""``history``: versions paired with deployments, and the text and JSON shown for them."""

from __future__ import annotations

import json

from nomad_deploy.actions.history import job_history
from nomad_deploy.ui.history_view import history_json, history_text, revert_command

S = 1_000_000_000
NOW = 1_900_000_000 * S

VERSIONS = [
    {
        "Version": 2,
        "Stable": False,
        "SubmitTime": NOW - 90 * S,
        "Meta": {
            "nomad_deploy_commit": "0123456789abcdef0123456789abcdef01234567",
            "nomad_deploy_dirty": "true",
            "nomad_deploy_user": "ana",
            "nomad_deploy_ci_url": "https://ci.example/runs/3",
            "team": "web",
        },
    },
    {"Version": 1, "Stable": True, "SubmitTime": NOW - 2 * 3600 * S, "Meta": None},
    {
        "Version": 0,
        "Stable": True,
        "SubmitTime": NOW - 3 * 86400 * S,
        "Meta": {"nomad_deploy_commit": "fedcba9876543210fedcba9876543210fedcba98"},
    },
]
DEPLOYMENTS = [
    {"ID": "d-old", "JobVersion": 2, "CreateIndex": 10, "Status": "cancelled"},
    {"ID": "d-new", "JobVersion": 2, "CreateIndex": 20, "Status": "failed",
     "StatusDescription": "Failed due to progress deadline"},
    {"ID": "d-0", "JobVersion": 0, "CreateIndex": 5, "Status": "successful"},
]  # fmt: skip


def test_each_version_gets_its_newest_deployment() -> None:
    history = job_history("web", list(reversed(VERSIONS)), DEPLOYMENTS)
    assert [entry.version for entry in history.entries] == [2, 1, 0]
    newest, middle, oldest = history.entries
    assert newest.deployment is not None and newest.deployment.id == "d-new"
    assert newest.deployment.status == "failed"
    assert middle.deployment is None and middle.provenance == {}
    assert oldest.deployment is not None and oldest.deployment.status == "successful"
    assert newest.provenance["user"] == "ana" and "team" not in newest.provenance


def test_text_is_a_table_with_the_revert_command() -> None:
    text = history_text(job_history("web", VERSIONS, DEPLOYMENTS), now_ns=NOW, env_name="prod")
    assert text == (
        "Versions of web, newest first\n"
        "  Version  Stable  Deployment  Submitted  Commit              User  CI run\n"
        "  2        no      failed      1m ago     0123456789ab-dirty  ana   https://ci.example/runs/3\n"
        "  1        yes     -           2h ago     -                   -     -\n"
        "  0        yes     successful  3d ago     fedcba987654        -     -\n"
        "\n"
        "revert with: nomad-deploy revert web VERSION --env prod\n"
    )
    assert history_text(job_history("gone", [], []), now_ns=NOW) == (
        "Versions of gone, newest first\n  (none)\n"
    )


def test_json_is_one_object_with_every_version() -> None:
    document = history_json(job_history("web", VERSIONS, DEPLOYMENTS), now_ns=NOW)
    json.dumps(document)  # JSON-ready
    assert document["job_id"] == "web"
    first, second, third = document["versions"]
    assert first == {
        "version": 2,
        "current": True,
        "stable": False,
        "submit_time": "2030-03-17T17:45:10Z",
        "age_seconds": 90,
        "deployment": {
            "id": "d-new",
            "status": "failed",
            "description": "Failed due to progress deadline",
        },
        "provenance": {
            "commit": "0123456789abcdef0123456789abcdef01234567",
            "dirty": "true",
            "user": "ana",
            "ci_url": "https://ci.example/runs/3",
        },
        "revert_command": "nomad-deploy revert web 2",
    }
    assert second["deployment"] is None and second["current"] is False
    assert third["revert_command"] == "nomad-deploy revert web 0"


def test_revert_command_quotes_what_a_shell_would_split() -> None:
    assert (
        revert_command("my job", 3, "dev env") == "nomad-deploy revert 'my job' 3 --env 'dev env'"
    )
