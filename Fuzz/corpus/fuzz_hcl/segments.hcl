# + matches one path segment, a trailing * any suffix.
path "secret/+/teamb" {
  capabilities = ["read"]
}

path "secret/+/+/config/*" {
  capabilities = ["read", "list"]
}

path "+/segment/at/front" { capabilities = ["read"] }
path "test/segment/at/end/+" { capabilities = ["read"] }
path "test/+/wildcard/+/*" { capabilities = ["read"] }
path "test/+/wildcardglob/+/end*" { capabilities = ["read"] }
path "1/2/*" { capabilities = ["create"] }
path "1/2/+" { capabilities = ["read"] }
path "1/2/+/+" { capabilities = ["update"] }
path "*" { capabilities = [] }
