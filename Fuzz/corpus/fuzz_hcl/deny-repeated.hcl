path "secret/*" {
  capabilities = ["create", "read", "update", "patch", "delete", "list"]
}

path "secret/super-secret" {
  capabilities = ["deny"]
}

# the same path twice: both blocks count
path "secret/shared" { capabilities = ["read"] }
path "secret/shared" { capabilities = ["list"], comment = "second block" }
path "secret/shared" {
  capabilities = ["update"]
}
