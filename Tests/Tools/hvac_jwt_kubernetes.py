#!/usr/bin/env python3
"""Vault's own client, hvac, unchanged, against Vouch's jwt and kubernetes auth methods:
sys.enable_auth_method at paths of their own, config / role writes, reads and lists, logins
with tokens PyJWT mints (an OIDC provider's key, a cluster's service-account key), Vault's
auth.metadata, refusals as hvac raises them.

    hvac_jwt_kubernetes.py URL SERVER_CA ADMIN_TOKEN OIDC_ISSUER OIDC_CA OIDC_KEY OIDC_KID \
        K8S_HOST K8S_CA K8S_REVIEWER K8S_SIGNING_KEY
"""
import sys
import time

import hvac
import jwt

(url, server_ca, admin, issuer, oidc_ca, oidc_key, oidc_kid, k8s_host, k8s_ca, k8s_reviewer, k8s_key) = sys.argv[1:12]
K8S_ISSUER = "https://kubernetes.default.svc.cluster.local"
now = int(time.time())


def oidc_token(**claims):
    c = {"iss": issuer, "sub": "repo:acme/api", "aud": "vouch", "iat": now, "exp": now + 600, "environment": "production"}
    c.update(claims)
    return jwt.encode(c, open(oidc_key, "rb").read(), algorithm="RS256", headers={"kid": oidc_kid})


def sa_token(ns, name, uid="sa-uid-9"):
    c = {"iss": K8S_ISSUER, "sub": "system:serviceaccount:%s:%s" % (ns, name), "aud": [K8S_ISSUER], "iat": now, "nbf": now,
         "exp": now + 3600, "jti": "jti-%s-%s" % (ns, name),
         "kubernetes.io": {"namespace": ns, "serviceaccount": {"name": name, "uid": uid}}}
    return jwt.encode(c, open(k8s_key, "rb").read(), algorithm="RS256", headers={"kid": "sa-key-1"})


def refused(call, exc):
    try:
        call()
    except exc:
        return
    raise AssertionError("not refused")


adminc = hvac.Client(url=url, token=admin, verify=server_ca)

# --- jwt at its default mount, with OIDC discovery --------------------------------------
adminc.auth.jwt.configure(oidc_discovery_url=issuer, oidc_discovery_ca_pem=oidc_ca, bound_issuer=issuer)
cfg = adminc.auth.jwt.read_config()["data"]
assert cfg["oidc_discovery_url"] == issuer and cfg["bound_issuer"] == issuer, cfg
r = adminc.auth.jwt.create_role(name="ci", user_claim="sub", allowed_redirect_uris=[], role_type="jwt", bound_audiences=["vouch"],
                                bound_claims={"environment": "production"}, claim_mappings={"environment": "env"},
                                token_policies=["deploy"], token_ttl="1h")
assert r.status_code == 204, r
role = adminc.auth.jwt.read_role(name="ci")["data"]
assert role["bound_audiences"] == ["vouch"] and role["token_ttl"] == 3600 and role["role_type"] == "jwt", role
assert "ci" in adminc.auth.jwt.list_roles()["data"]["keys"]
client = hvac.Client(url=url, verify=server_ca)
auth = client.auth.jwt.jwt_login(role="ci", jwt=oidc_token())["auth"]
assert auth["policies"] == ["deploy"] and auth["metadata"] == {"role": "ci", "env": "production"}, auth
assert auth["lease_duration"] == 3600, auth
assert client.is_authenticated()  # lookup-self with the token the login set
assert client.lookup_token()["data"]["path"] == "auth/jwt/login"
refused(lambda: hvac.Client(url=url, verify=server_ca).auth.jwt.jwt_login(role="ci", jwt=oidc_token(aud="other")),
        hvac.exceptions.InvalidRequest)
refused(lambda: hvac.Client(url=url, verify=server_ca).auth.jwt.jwt_login(role="ci", jwt=oidc_token(environment="dev")),
        hvac.exceptions.InvalidRequest)
refused(lambda: hvac.Client(url=url, verify=server_ca).auth.jwt.jwt_login(role="nope", jwt=oidc_token()),
        hvac.exceptions.InvalidRequest)

# --- jwt enabled at a path of its own, keys from a JWKS URL, algorithms restricted -------
adminc.sys.enable_auth_method("jwt", path="jwt-github", description="GitHub Actions")
methods = adminc.sys.list_auth_methods()
assert methods["data"]["jwt-github/"]["type"] == "jwt" and "jwt-github/" in methods, methods
assert {"token/", "cert/", "jwt/", "oidc/", "kubernetes/"} <= set(methods["data"]), methods
adminc.auth.jwt.configure(jwks_url=issuer + "/jwks.json", jwks_ca_pem=oidc_ca, bound_issuer=issuer, jwt_supported_algs=["RS256"],
                          path="jwt-github")
adminc.auth.jwt.create_role(name="deploy", user_claim="sub", allowed_redirect_uris=[], role_type="jwt", bound_subject="repo:acme/api",
                            bound_audiences=["vouch"],
                            token_policies=["gh"], path="jwt-github")
# as Vault: a token with an audience is refused by a role that binds none
adminc.auth.jwt.create_role(name="loose", user_claim="sub", allowed_redirect_uris=[], role_type="jwt", bound_subject="repo:acme/api",
                            path="jwt-github")
refused(lambda: hvac.Client(url=url, verify=server_ca).auth.jwt.jwt_login(role="loose", jwt=oidc_token(), path="jwt-github"),
        hvac.exceptions.InvalidRequest)
gh = hvac.Client(url=url, verify=server_ca).auth.jwt.jwt_login(role="deploy", jwt=oidc_token(), path="jwt-github")["auth"]
assert gh["policies"] == ["gh"], gh
adminc.auth.jwt.configure(jwks_url=issuer + "/jwks.json", jwks_ca_pem=oidc_ca, bound_issuer=issuer, jwt_supported_algs=["ES256"],
                          path="jwt-github")
refused(lambda: hvac.Client(url=url, verify=server_ca).auth.jwt.jwt_login(role="deploy", jwt=oidc_token(), path="jwt-github"),
        hvac.exceptions.InvalidRequest)
# enabling at a path in use is refused; disabling removes it
refused(lambda: adminc.sys.enable_auth_method("jwt", path="jwt-github"), hvac.exceptions.InvalidRequest)
adminc.sys.disable_auth_method("jwt-github")
assert "jwt-github/" not in adminc.sys.list_auth_methods()["data"]

# --- kubernetes at its default mount and at a second cluster's path ----------------------
adminc.auth.kubernetes.configure(kubernetes_host=k8s_host, kubernetes_ca_cert=k8s_ca, token_reviewer_jwt=k8s_reviewer)
kcfg = adminc.auth.kubernetes.read_config()  # hvac hands back data itself
assert kcfg["kubernetes_host"] == k8s_host and kcfg["token_reviewer_jwt_set"] is True and "token_reviewer_jwt" not in kcfg, kcfg
adminc.auth.kubernetes.create_role(name="api", bound_service_account_names=["api"], bound_service_account_namespaces=["prod"],
                                   policies=["read"], ttl="30m")
krole = adminc.auth.kubernetes.read_role(name="api")
assert krole["bound_service_account_names"] == ["api"] and krole["token_ttl"] == 1800, krole
assert "api" in adminc.auth.kubernetes.list_roles()["keys"]
kauth = hvac.Client(url=url, verify=server_ca).auth.kubernetes.login(role="api", jwt=sa_token("prod", "api"))["auth"]
assert kauth["policies"] == ["read"], kauth
assert kauth["metadata"] == {"role": "api", "service_account_name": "api", "service_account_namespace": "prod",
                             "service_account_uid": "sa-uid-9", "service_account_secret_name": ""}, kauth
refused(lambda: hvac.Client(url=url, verify=server_ca).auth.kubernetes.login(role="api", jwt=sa_token("dev", "api")),
        hvac.exceptions.Forbidden)
refused(lambda: hvac.Client(url=url, verify=server_ca).auth.kubernetes.login(role="api", jwt=sa_token("prod", "admin")),
        hvac.exceptions.Forbidden)
adminc.sys.enable_auth_method("kubernetes", path="kubernetes-prod")
adminc.auth.kubernetes.configure(kubernetes_host=k8s_host, kubernetes_ca_cert=k8s_ca, token_reviewer_jwt=k8s_reviewer,
                                 mount_point="kubernetes-prod")
adminc.auth.kubernetes.create_role(name="any", bound_service_account_names=["*"], bound_service_account_namespaces=["*"],
                                   policies=["all"], mount_point="kubernetes-prod")
pauth = hvac.Client(url=url, verify=server_ca).auth.kubernetes.login(role="any", jwt=sa_token("dev", "x"),
                                                                    mount_point="kubernetes-prod")["auth"]
assert pauth["policies"] == ["all"] and pauth["metadata"]["service_account_namespace"] == "dev", pauth
print("ok")
