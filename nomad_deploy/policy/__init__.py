"""Least-privilege policies: what each verb reaches (verbs.py) and the rules built from it
(model.py). The capability of each Nomad request is in clients/nomad_acl.py."""
