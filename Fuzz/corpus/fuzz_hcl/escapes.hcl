path "secret/data/\u00e9t\u00e9/*" { capabilities = ["read"] comment = "tab\there, quote \" backslash \\ \U0001F600 \n" }
path "café/*" { capabilities = ["list",] }
