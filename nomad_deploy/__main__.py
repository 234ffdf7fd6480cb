"""``python -m nomad_deploy``: the same as the ``nomad-deploy`` command."""

from nomad_deploy.cli.main import entry

entry()
