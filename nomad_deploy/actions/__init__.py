"""The verbs of nomad-deploy as library calls: one module per verb or family.

Each takes a :class:`~nomad_deploy.context.Context` and an options object, and returns
data (or emits watcher events through a callback). None prints or picks an exit code: the
CLI binds its options, calls one action, shows the result and maps it to an exit code.
"""
