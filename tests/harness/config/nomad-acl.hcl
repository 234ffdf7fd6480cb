# Nomad's ACL system, for the least-privilege tests (tests/live/test_acl_policy.py): loaded
# after nomad.hcl (a second -config); the harness bootstraps the management token with
# POST /v1/acl/bootstrap once the dev server has a leader.
acl {
  enabled = true
}
