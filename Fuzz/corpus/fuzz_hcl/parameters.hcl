path "secret/restricted" {
  capabilities = ["create"]
  allowed_parameters = {
    "foo" = []
    "bar" = ["zip", "zap"]
    "*"   = []
  }
  denied_parameters = {
    "baz" = ["glob*"]
  }
  required_parameters = ["bar", "baz"]
  min_wrapping_ttl = "1s"
  max_wrapping_ttl = 90
  mfa_methods = ["totp"]
  control_group = {
    ttl = "4h"
    factor "ops_manager" {
      identity {
        group_names = ["managers"]
        approvals = 1
      }
    }
  }
}
path "test/types" {
  policy = "write"
  allowed_parameters = {
    "map" = [{"good" = "one"}]
    "int" = [1, 2, -3, 4.5e-1]
    "bool" = [false, true]
  }
  denied_parameters = {
  }
}
