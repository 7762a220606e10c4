# Lets the web application read its own secrets in the KV v2 engine mounted at secret/.

# Secret values live under data/
path "secret/data/webapp/*" {
  capabilities = ["read"]
}

# Listing keys goes through metadata/
path "secret/metadata/webapp/*" {
  capabilities = ["list"]
}
