"""Clients for Nomad (and later Vault and Consul): TLS, env vars, typed errors."""
