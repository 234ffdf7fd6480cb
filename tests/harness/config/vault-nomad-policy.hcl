# What a Nomad task may read: the policy jobs ask for with vault { policies = [...] }.
path "secret/data/*" {
  capabilities = ["read"]
}

path "secret/metadata/*" {
  capabilities = ["read", "list"]
}
