"""Checks of a rendered job before Nomad sees it: lint rules, offline validation (syntax,
structure, lint) and the preflight of the templates' Vault/Consul lookups."""
