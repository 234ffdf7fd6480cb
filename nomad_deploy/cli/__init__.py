"""The ``nomad-deploy`` command line: click commands that bind options to library calls."""
