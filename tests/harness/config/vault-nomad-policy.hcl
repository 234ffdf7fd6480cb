# What a Nomad task may read with its workload identity (the role "nomad-workloads").
path "secret/data/*" {
  capabilities = ["read"]
}

path "secret/metadata/*" {
  capabilities = ["read", "list"]
}
