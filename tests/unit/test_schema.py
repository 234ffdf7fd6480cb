"""ND170: unknown arguments and blocks are errors worded as Nomad's parser words them.

Each rejected case below was run through Nomad 1.6.3's own parser (``nomad job run
-output``), which gave the same summary and detail (where Nomad has no did-you-mean, for
``Driver`` and ``dynamic "templat"``, ours adds one); each accepted case is accepted by it
too, except the 1.7-2.0 features (accepted on purpose; ND160 judges the version).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nomad_deploy.checks.schema import SCHEMA_RULE, check_schema, did_you_mean
from nomad_deploy.checks.validate import validate_offline
from nomad_deploy.errors import ValidationError
from nomad_deploy.jobspec.parse import parse_hcl
from nomad_deploy.jobspec.schema import ANY, ROOT, SCHEMA
from nomad_deploy.render import RenderedJob, SourceLine

TEMPLATE = Path("/srv/proj/jobs/app.nomad.j2")
OFFSET = 10

JOB = """\
job "app" {
  datacenters = ["dc1"]
  type        = "batch"
  JOB_LEVEL
  group "web" {
    GROUP_LEVEL
    task "app" {
      driver = "docker"
      config {
        image = "busybox:1.36"
      }
      TASK_LEVEL
    }
  }
}
"""


def job_with(task: str = "", group: str = "", job: str = "") -> str:
    return JOB.replace("TASK_LEVEL", task).replace("GROUP_LEVEL", group).replace("JOB_LEVEL", job)


def rendered(text: str) -> RenderedJob:
    count = len(text.splitlines())
    return RenderedJob(
        name="app",
        template=TEMPLATE,
        text=text,
        source_map=tuple(SourceLine(TEMPLATE, n + OFFSET) for n in range(1, count + 2)),
        secrets=frozenset(),
    )


def problems(text: str) -> list[tuple[int, str]]:
    return [(p.line, p.message()) for p in check_schema(parse_hcl(rendered(text)))]


TASK_LINE = 12  # the line TASK_LEVEL is on

REJECTED = [
    # issue 10's example: an attribute of another block inside a task
    (
        'group = "web"',
        'Unsupported argument; An argument named "group" is not expected here.',
    ),
    ("config2 = 1", 'Unsupported argument; An argument named "config2" is not expected here.'),
    (
        'Driver = "exec"',
        'Unsupported argument; An argument named "Driver" is not expected here. '
        'Did you mean "driver"?',
    ),
    (
        "logs = 3",
        'Unsupported argument; An argument named "logs" is not expected here. '
        'Did you mean to define a block of type "logs"?',
    ),
    (
        'templte {\n        data = "x"\n      }',
        'Unsupported block type; Blocks of type "templte" are not expected here. '
        'Did you mean "template"?',
    ),
    (
        "kill_timeout {\n      }",
        'Unsupported block type; Blocks of type "kill_timeout" are not expected here. '
        'Did you mean to define argument "kill_timeout"? If so, use the equals sign to '
        "assign it a value.",
    ),
    (
        'dynamic "templat" {\n        for_each = [1]\n        content {\n'
        '          data = "x"\n        }\n      }',
        'Unsupported block type; Blocks of type "templat" are not expected here. '
        'Did you mean "template"?',
    ),
    (
        "scaling {\n        max = 2\n      }",
        "Missing name for scaling; All scaling blocks must have 1 labels (name).",
    ),
    (
        'lifecycle "x" {\n        hook = "prestart"\n      }',
        "Extraneous label for lifecycle; No labels are expected for lifecycle blocks.",
    ),
]


@pytest.mark.parametrize(("snippet", "message"), REJECTED)
def test_unknown_names_in_a_task(snippet: str, message: str) -> None:
    assert problems(job_with(task=snippet)) == [(TASK_LINE, message)]


@pytest.mark.parametrize(
    ("snippet", "line", "message"),
    [
        (  # Nomad checks a dynamic block's content as the generated block
            'dynamic "template" {\n        for_each = [1]\n        content {\n'
            '          datta = "x"\n        }\n      }',
            TASK_LINE + 3,
            'Unsupported argument; An argument named "datta" is not expected here. '
            'Did you mean "data"?',
        ),
        (
            'service {\n        name = "s"\n        meta = { a = "b" }\n      }',
            TASK_LINE + 2,
            'Unsupported argument; An argument named "meta" is not expected here. '
            'Did you mean to define a block of type "meta"?',
        ),
        (
            'service {\n        check {\n          type = "tcp"\n          nterval = "10s"\n'
            "        }\n      }",
            TASK_LINE + 3,
            'Unsupported argument; An argument named "nterval" is not expected here. '
            'Did you mean "interval"?',
        ),
        (
            'artifact {\n        source = "x"\n        bad = "x"\n      }',
            TASK_LINE + 2,
            'Unsupported argument; An argument named "bad" is not expected here.',
        ),
    ],
)
def test_unknown_names_in_nested_blocks(snippet: str, line: int, message: str) -> None:
    assert problems(job_with(task=snippet)) == [(line, message)]


def test_unknown_names_in_a_group_and_a_job() -> None:
    text = job_with(group="cout = 2", job='regin = "eu"')
    assert problems(text) == [
        (4, 'Unsupported argument; An argument named "regin" is not expected here. '
         'Did you mean "region"?'),
        (6, 'Unsupported argument; An argument named "cout" is not expected here. '
         'Did you mean "count"?'),
    ]  # fmt: skip


def test_config_as_an_attribute_is_rejected_env_and_meta_are_not() -> None:
    text = job_with().replace("config {", "config = {")
    assert problems(text) == [
        (9, 'Unsupported argument; An argument named "config" is not expected here. '
         'Did you mean to define a block of type "config"?')
    ]  # fmt: skip
    assert problems(job_with(task='env = { A = "b" }\n      meta = { "x.y" = "z" }')) == []


ACCEPTED = [
    # driver config, meta, env, artifact options/headers: any content, nested blocks too
    'env {\n        A = "b"\n      }\n      meta {\n        anything = 1\n      }',
    'artifact {\n        source = "x"\n        options {\n          checksum = "md5:1"\n'
    '        }\n        headers {\n          a = "b"\n        }\n      }',
    'resources {\n        cpu = 100\n        network {\n          port "db" {\n'
    "            static = 5\n          }\n        }\n      }",
    'scaling "cpu" {\n        max = 2\n        policy {\n          anything = 1\n        }\n'
    "      }",
    "constraint {\n        distinct_hosts = true\n      }\n      affinity {\n"
    '        attribute = "x"\n        set_contains_any = "a,b"\n        weight = 50\n      }',
    'dynamic "template" {\n        for_each = [1]\n        iterator = t\n        content {\n'
    '          data = "x"\n        }\n      }',
    'service {\n        name = "s"\n        connect {\n          sidecar_service {\n'
    "            proxy {\n              upstreams {\n                destination_name = "
    '"db"\n                local_bind_port = 5432\n              }\n              config {\n'
    "                x = 1\n              }\n            }\n          }\n        }\n      }",
    # Nomad 1.7 to 2.0 features, kept in the schema (the version check judges them)
    'vault {\n        role = "app"\n      }',
    'identity "vault_default" {\n        aud = ["vault.io"]\n        ttl = "1h"\n'
    '        change_mode = "signal"\n        change_signal = "SIGHUP"\n        env = true\n'
    "        file = true\n      }",
    'action "hello" {\n        command = "/bin/echo"\n        args = ["hi"]\n      }',
]


@pytest.mark.parametrize("snippet", ACCEPTED)
def test_what_nomad_accepts_passes(snippet: str) -> None:
    assert problems(job_with(task=snippet)) == []


def test_job_and_group_level_blocks_nomad_accepts() -> None:
    group = (
        'vault {\n      policies = ["x"]\n    }\n    disconnect {\n      lost_after = "1h"\n'
        '    }\n    scaling {\n      max = 3\n    }\n    meta = { a = "b" }'
    )
    job = (
        'meta = { a = "b" }\n  ui {\n    description = "x"\n    link {\n      label = "l"\n'
        '      url = "https://x"\n    }\n  }\n  task "alone" {\n    driver = "docker"\n  }'
    )
    assert problems(job_with(group=group, job=job)) == []


def test_top_level_variables_and_locals() -> None:
    text = (
        'variable "image" {\n  type = string\n  default = "x"\n  validation {\n'
        '    condition = true\n    error_message = "no"\n  }\n}\n'
        "locals {\n  anything = 1\n}\n" + job_with()
    )
    assert problems(text) == []
    assert problems('variable "x" {\n  defualt = 1\n}\n' + job_with()) == [
        (2, 'Unsupported argument; An argument named "defualt" is not expected here. '
         'Did you mean "default"?')
    ]  # fmt: skip


def test_validate_offline_reports_nd170_errors_at_the_template_line() -> None:
    report = validate_offline(rendered(job_with(task='group = "web"')))
    (finding,) = [f for f in report.findings if f.rule == SCHEMA_RULE]
    assert finding.severity == "error"
    assert finding.location == f"{TEMPLATE}:{TASK_LINE + OFFSET}"
    assert 'in job "app" > group "web" > task "app"' in finding.suggestion
    assert report.failed(strict=False)


def test_a_schema_error_comes_before_the_structure_error_it_causes() -> None:
    text = job_with().replace('job "app"', 'jobb "app"')
    with pytest.raises(ValidationError) as caught:
        validate_offline(rendered(text))
    assert 'Blocks of type "jobb" are not expected here. Did you mean "job"?' in str(caught.value)
    assert f"{TEMPLATE}:{1 + OFFSET}" in str(caught.value)


def test_a_misspelt_task_block_is_named_with_the_group_it_leaves_empty() -> None:
    text = job_with().replace('task "app"', 'tsk "app"')
    report = validate_offline(rendered(text))
    first = report.findings[0]
    assert first.rule == SCHEMA_RULE
    assert first.message.endswith('Did you mean "task"?')
    assert report.failed(strict=False)


@pytest.mark.parametrize(
    ("snippet", "line", "message"),
    [
        (
            "resources {\n        cpu = 1\n      }\n      resources {\n        cpu = 2\n      }",
            TASK_LINE + 3,
            "Duplicate resources block; Only one resources block is allowed.",
        ),
        (
            'vault {\n        role = "a"\n      }\n      vault {\n        role = "b"\n      }',
            TASK_LINE + 3,
            "Duplicate vault block; Only one vault block is allowed.",
        ),
        (
            'scaling "cpu" {\n        max = 2\n      }\n      scaling "CPU" {\n        max = 3\n'
            "      }",
            TASK_LINE + 3,
            'Duplicate scaling "cpu" block; Only one scaling "cpu" block is allowed.',
        ),
        (
            'scaling "disk" {\n        max = 2\n      }',
            TASK_LINE,
            'Invalid scaling policy name; scaling policy name must be "cpu" or "mem"',
        ),
    ],
)
def test_blocks_allowed_once_and_task_scaling_names(snippet: str, line: int, message: str) -> None:
    assert problems(job_with(task=snippet)) == [(line, message)]


def test_repeatable_blocks_may_repeat() -> None:
    snippet = (
        'template {\n        data = "a"\n      }\n      template {\n        data = "b"\n      }\n'
        '      scaling "cpu" {\n        max = 2\n      }\n      scaling "mem" {\n        max = 2\n'
        "      }"
    )
    assert problems(job_with(task=snippet)) == []


@pytest.mark.parametrize(
    ("given", "expected"),
    [("templte", "template"), ("Driver", "driver"), ("grop", "group"), ("xyz", None)],
)
def test_did_you_mean(given: str, expected: str | None) -> None:
    assert did_you_mean(given, ["template", "driver", "group", "task"]) == expected


def test_the_schema_is_closed_and_covers_the_job_specification() -> None:
    names = {target for block in SCHEMA.values() for target in block.blocks.values()}
    assert names - {ANY} <= set(SCHEMA)
    job = SCHEMA[SCHEMA[ROOT].blocks["job"]]
    group = SCHEMA[job.blocks["group"]]
    task = SCHEMA[group.blocks["task"]]
    for block in (
        "update",
        "migrate",
        "reschedule",
        "periodic",
        "parameterized",
        "multiregion",
        "spread",
        "constraint",
        "affinity",
        "ui",
        "vault",
        "task",
    ):
        assert block in job.blocks, block
    for block in (
        "network",
        "service",
        "volume",
        "ephemeral_disk",
        "restart",
        "scaling",
        "consul",
        "disconnect",
        "vault",
    ):
        assert block in group.blocks, block
    for block in (
        "template",
        "artifact",
        "vault",
        "identity",
        "resources",
        "volume_mount",
        "lifecycle",
        "logs",
        "csi_plugin",
        "dispatch_payload",
        "action",
        "service",
    ):
        assert block in task.blocks, block
    for free in ("config", "meta", "env"):
        assert task.blocks[free] == ANY
    assert "role" in SCHEMA[task.blocks["vault"]].attributes
    assert SCHEMA[task.blocks["identity"]].labels == (0, 1)


GROUP_LINE = 6  # the line GROUP_LEVEL is on


@pytest.mark.parametrize(
    ("group", "task", "expected"),
    [
        (
            'scaling {\n      min = 1\n      max = 3\n      type = "vertical_cpu"\n    }',
            "",
            [
                (
                    GROUP_LINE,
                    "Invalid group scaling type; task group scaling policy had invalid "
                    'type: "vertical_cpu"',
                )
            ],
        ),
        (
            "scaling {\n      min = 1\n    }",
            "",
            [
                (
                    GROUP_LINE,
                    'Missing required argument; The argument "max" is required, but no '
                    "definition was found.",
                )
            ],
        ),
        (
            "scaling {\n      max = 3\n      policy {\n      }\n      policy {\n      }\n    }",
            "",
            [(GROUP_LINE + 4, "Duplicate policy block; Only one policy block is allowed.")],
        ),
        (
            "",
            'scaling "mem" {\n        max = 512\n        type = "vertical_cpu"\n      }',
            [
                (
                    TASK_LINE,
                    "Invalid scaling policy type; Invalid policy type, expected "
                    '"vertical_mem" but found "vertical_cpu"',
                )
            ],
        ),
        ('scaling {\n      max = 3\n      type = "horizontal"\n    }', "", []),
        ("", 'scaling "cpu" {\n        max = 2\n        type = "vertical_cpu"\n      }', []),
    ],
)
def test_scaling_values_as_nomads_parser_checks_them(
    group: str, task: str, expected: list[tuple[int, str]]
) -> None:
    assert problems(job_with(task=task, group=group)) == expected


def test_check_header_values_are_lists() -> None:
    service = (
        'service {\n      name = "web"\n      check {\n        type = "http"\n'
        '        path = "/"\n        interval = "10s"\n        timeout = "2s"\n'
        '        header {\n          Authorization = "Basic x"\n          X-Ok = ["1"]\n'
        "        }\n      }\n    }"
    )
    assert problems(job_with(group=service)) == [
        (
            GROUP_LINE + 8,
            "Unsuitable value type; Unsuitable value: list of string required "
            "(header Authorization)",
        )
    ]
