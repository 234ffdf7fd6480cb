job "gateway-only" {
  group "ingress" {
    network {
      mode = "bridge"
    }
    service {
      name = "ingress"
      port = "8080"
      connect {
        gateway {
          ingress {
            listener {
              port     = 8080
              protocol = "tcp"
              service {
                name = "api"
              }
            }
          }
        }
      }
    }
  }
}
