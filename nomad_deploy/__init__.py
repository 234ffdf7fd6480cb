"""nomad-deploy: render Nomad jobs from Jinja2 templates, plan, register and watch them.

The package keeps its import light (the CLI's cold start is budgeted): submodules are
imported where they are used.
"""

__version__ = "0.1.0"
