path "a" { capabilities = ["read"] }, path "b" { capabilities = ["read"], }
x = { a = 1, b = [1, [2, [3]], {c = "d"}] }
labels "one" two "three" { k = true }
