job "secret-like-name" {
  group "g" {
    task "t" {
      driver = "exec"
      env {
        REGISTRY_AUTH_HTPASSWD_REALM = "Registry Realm"
      }
    }
  }
}
