#!/usr/bin/env python3
"""jwt_issuer.py: an issuer's side for the tests, as users build one: key sets published
as a JWK Set (joserfc), tokens minted with PyJWT or joserfc from keys the openssl CLI made.

  jwt_issuer.py jwks KID=PRIVATE_KEY.pem ...    prints a JWK Set of the public keys
  jwt_issuer.py mint < requests.json            prints a JSON list of tokens

A mint request: {"key": PEM path, "alg": "RS256", "kid": "k1" (optional), "lib": "pyjwt" or
"joserfc", "claims": {...}}; a claim written "now+600" or "now-30" is that Unix time.
"""
import json
import sys
import time

import jwt
from joserfc import jwt as jjwt
from joserfc.jwk import import_key


def claims_at(claims, now):
    out = {}
    for k, v in claims.items():
        if isinstance(v, str) and v.startswith("now"):
            out[k] = now + int(v[3:] or 0)
        else:
            out[k] = v
    return out


def main():
    if sys.argv[1] == "jwks":
        keys = []
        for arg in sys.argv[2:]:
            kid, path = arg.split("=", 1)
            k = import_key(open(path, "rb").read(), parameters={"kid": kid, "use": "sig"})
            keys.append(k.as_dict(private=False))
        print(json.dumps({"keys": keys}))
    elif sys.argv[1] == "mint":
        now = int(time.time())
        tokens = []
        for r in json.load(sys.stdin):
            pem = open(r["key"], "rb").read()
            claims = claims_at(r["claims"], now)
            headers = {"kid": r["kid"]} if r.get("kid") else {}
            if r.get("lib", "pyjwt") == "pyjwt":
                tokens.append(jwt.encode(claims, pem, algorithm=r["alg"], headers=headers or None))
            else:
                header = {"alg": r["alg"], **headers}
                tokens.append(jjwt.encode(header, claims, import_key(pem), algorithms=[r["alg"]]))
        print(json.dumps(tokens))
    else:
        sys.exit("usage: jwt_issuer.py jwks KID=KEY.pem ... | mint < requests.json")


if __name__ == "__main__":
    main()
