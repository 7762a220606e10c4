name = "legacy"

path "sys/*" {
  policy = "deny"
}

path "secret/*" {
  policy = "write"
}

path "secret/super-secret" {
  policy = "read"
}

path "transit/keys/*" {
  policy = "sudo"
  capabilities = ["patch"]
}
