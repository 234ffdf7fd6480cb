"""Pure parts of the deploy layer: settings, diff text, durations, exit codes, line joining."""

from __future__ import annotations

import json

import pytest
import requests

from nomad_deploy.actions.waves import run_waves
from nomad_deploy.cli.exit_codes import outcome_exit_code, worst_exit_code
from nomad_deploy.clients.nomad import join_lines
from nomad_deploy.clients.nomad_http import _api_error
from nomad_deploy.clients.nomad_settings import NomadSettings
from nomad_deploy.deploy.events import Finished, Outcome
from nomad_deploy.deploy.plan import plan_has_changes
from nomad_deploy.deploy.watch_context import PromotePolicy
from nomad_deploy.durations import parse_duration
from nomad_deploy.errors import (
    JobModifiedError,
    NomadNotFoundError,
    NomadPermissionError,
    UsageError,
)
from nomad_deploy.ui.plan_text import format_job_diff


def test_environment_wins_over_project_and_tls_verification_is_on() -> None:
    environ = {"NOMAD_ADDR": "https://env:4646", "NOMAD_TOKEN": "s3cr3t-token-value"}
    settings = NomadSettings.resolve(environ, address="http://project:4646", namespace="apps")
    assert settings.address == "https://env:4646"
    assert settings.namespace == "apps"
    assert settings.verify is True
    assert "s3cr3t-token-value" not in repr(settings)
    with_ca = NomadSettings.resolve({"NOMAD_CACERT": "/ca.pem"})
    assert with_ca.verify == "/ca.pem" and with_ca.address == "http://127.0.0.1:4646"
    assert NomadSettings.resolve({"NOMAD_SKIP_VERIFY": "true"}).verify is False


def test_credentials_in_the_address_become_basic_auth_and_leave_the_address() -> None:
    settings = NomadSettings.resolve({"NOMAD_ADDR": "https://ops:p%40ss-9917@nomad:4646/"})
    assert settings.address == "https://nomad:4646"
    assert settings.http_auth == "ops:p@ss-9917"
    assert "p@ss-9917" not in repr(settings) and "9917" not in settings.address
    explicit = {"NOMAD_ADDR": "http://a:b@nomad:4646", "NOMAD_HTTP_AUTH": "c:d"}
    assert NomadSettings.resolve(explicit).http_auth == "c:d"  # the variable wins


def test_bad_tls_settings_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="NOMAD_SKIP_VERIFY"):
        NomadSettings.resolve({"NOMAD_SKIP_VERIFY": "maybe"})
    with pytest.raises(UsageError, match="needs its key"):
        NomadSettings.resolve({"NOMAD_CLIENT_CERT": "/c.pem"})


def _response(status: int, text: str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = text.encode()
    return response


def test_http_statuses_become_typed_errors_with_request_context() -> None:
    url = "http://n:4646/v1/job/web"
    missing = _api_error("GET", url, _response(404, "job not found"))
    assert isinstance(missing, NomadNotFoundError)
    assert ("Request", f"GET {url}") in missing.context
    assert isinstance(
        _api_error("GET", url, _response(403, "Permission denied")), NomadPermissionError
    )
    text = "Enforcing job modify index 11: job exists with conflicting job modify index: 19"
    changed = _api_error("POST", url, _response(500, text))
    assert isinstance(changed, JobModifiedError)
    assert (changed.expected, changed.actual) == (11, 19)
    exists = _api_error(
        "POST", url, _response(500, "Enforcing job modify index 0: job already exists")
    )
    assert isinstance(exists, JobModifiedError) and "already exists" in exists.subject


def test_join_lines_rejoins_lines_split_across_chunks() -> None:
    chunks = iter([b"par", b"tial\nwhole\nsplit-", b"line\n", b"tail"])
    assert list(join_lines(chunks)) == ["partial\n", "whole\n", "split-line\n", "tail"]


def test_durations_and_promote_policies() -> None:
    assert parse_duration("90") == 90 and parse_duration("2m") == 120
    assert parse_duration("500ms") == 0.5
    with pytest.raises(UsageError, match="--timeout"):
        parse_duration("soon", option="--timeout")
    assert PromotePolicy.parse("auto") == PromotePolicy("auto")
    assert PromotePolicy.parse("2m") == PromotePolicy("after", 120.0)


def test_outcomes_map_to_documented_exit_codes() -> None:
    expected = {
        Outcome.SUCCESSFUL: 0, Outcome.UNPLACEABLE: 2, Outcome.ROLLED_BACK: 3,
        Outcome.FAILED: 4, Outcome.AWAITING_PROMOTION: 5, Outcome.BATCH_FAILED: 6,
        Outcome.TIMEOUT: 124, Outcome.INTERRUPTED: 130,
    }  # fmt: skip
    for outcome, code in expected.items():
        assert outcome_exit_code(outcome.value) == code
    finished = Finished("web", Outcome.ROLLED_BACK, "rolled back")
    assert json.loads(json.dumps(finished.to_json()))["outcome"] == "rolled_back"


def test_worst_exit_code_and_waves_stop_after_a_failing_wave() -> None:
    assert worst_exit_code([0, 5, 4]) == 4
    assert worst_exit_code([0, 2, 5]) == 2
    assert worst_exit_code([0, 0]) == 0
    ran: list[str] = []

    def work(name: str) -> int:
        ran.append(name)
        return 4 if name == "b" else 0

    result = run_waves([["a", "b"], ["c"]], work, succeeded=lambda code: code == 0)
    assert sorted(ran) == ["a", "b"] and result.skipped == ["c"]
    assert result.results == {"a": 0, "b": 4}


def test_diff_alignment_and_nested_objects() -> None:
    diff = {
        "Type": "Edited",
        "ID": "web",
        "Fields": [{"Type": "Edited", "Name": "Priority", "Old": "50", "New": "60"}],
        "Objects": [],
        "TaskGroups": [
            {
                "Type": "Edited",
                "Name": "g",
                "Updates": {"in-place update": 1},
                "Fields": [],
                "Objects": [
                    {
                        "Type": "Added",
                        "Name": "Meta",
                        "Fields": [
                            {"Type": "Added", "Name": "a", "Old": "", "New": "1"},
                            {"Type": "Added", "Name": "longer", "Old": "", "New": 'say "hi"'},
                        ],
                        "Objects": [],
                    }
                ],
                "Tasks": [{"Type": "None", "Name": "t", "Annotations": None}],
            }
        ],
    }
    # Worked through Nomad's alignment rules (command/job_plan.go) by hand.
    assert format_job_diff(diff) == (
        '+/- Job: "web"\n'
        '+/- Priority: "50" => "60"\n'
        '+/- Task Group: "g" (1 in-place update)\n'
        "  + Meta {\n"
        '    + a:      "1"\n'
        '    + longer: "say \\"hi\\""\n'
        "    }\n"
        '    Task: "t"\n'
        "\n"
    )


def test_plan_has_changes_follows_nomads_exit_rule() -> None:
    unchanged = {"Diff": {"Type": "None"}, "Annotations": {"DesiredTGUpdates": {}}}
    assert not plan_has_changes(unchanged)
    in_place = {
        "Diff": {"Type": "Edited"},
        "Annotations": {"DesiredTGUpdates": {"g": {"InPlaceUpdate": 2}}},
    }
    assert not plan_has_changes(in_place)
    placing = {"Diff": {"Type": "Edited"}, "Annotations": {"DesiredTGUpdates": {"g": {"Place": 1}}}}
    assert plan_has_changes(placing)
