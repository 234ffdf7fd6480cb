# The Nomad server's own Vault token (legacy token workflow, Nomad < 1.10): create task
# tokens from the token role, look up, renew and revoke them, check its own capabilities.
path "auth/token/create/${VAULT_TOKEN_ROLE}" {
  capabilities = ["update"]
}

path "auth/token/roles/${VAULT_TOKEN_ROLE}" {
  capabilities = ["read"]
}

path "auth/token/lookup-self" {
  capabilities = ["read"]
}

path "auth/token/lookup" {
  capabilities = ["update"]
}

path "auth/token/revoke-accessor" {
  capabilities = ["update"]
}

path "sys/capabilities-self" {
  capabilities = ["update"]
}

path "auth/token/renew-self" {
  capabilities = ["update"]
}
