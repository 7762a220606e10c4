#!/usr/bin/env python3
"""Vault's own client, hvac, unchanged, against Vouch's ssh secrets engine: enable it at a
path of its own, generate its CA, read the public key, write a role, and sign a user key
made by ssh-keygen with a token from a jwt login whose role grants an ACL policy (written
with hvac's sys.create_or_update_acl_policy, in HCL); refusals as hvac raises them: a
principal the role does not allow, a bad token, a token without the policy, a policy
that denies.

    hvac_ssh.py URL SERVER_CA ADMIN_TOKEN JWT_KEY USER_PUBKEY_FILE OUT_CERT_FILE
"""
import sys
import time

import hvac
import jwt

url, server_ca, admin, jwt_key, user_pub_file, out_cert = sys.argv[1:7]
adminc = hvac.Client(url=url, token=admin, verify=server_ca)

adminc.sys.enable_secrets_engine("ssh", path="ssh-prod", description="production hosts")
assert "ssh-prod/" in adminc.sys.list_mounted_secrets_engines()["data"]
r = adminc.secrets.ssh.submit_ca_information(key_type="ssh-ed25519", mount_point="ssh-prod")
ca_line = r["data"]["public_key"]
assert ca_line.startswith("ssh-ed25519 "), r
# hvac's read_public_key reads config/ca (authenticated); /public_key is the unauthenticated one
assert adminc.secrets.ssh.read_public_key(mount_point="ssh-prod")["data"]["public_key"] == ca_line
r = adminc.secrets.ssh.create_role(name="ops", key_type="ca", allowed_users="root,deploy", default_user="root",
                                   allow_user_certificates=True, default_extensions={"permit-pty": ""},
                                   allowed_extensions="permit-pty", ttl="10m", max_ttl="1h", mount_point="ssh-prod")
assert r.status_code == 204, r
role = adminc.secrets.ssh.read_role(name="ops", mount_point="ssh-prod")["data"]
assert role["allowed_users"] == "root,deploy" and role["ttl"] == 600 and role["allow_user_certificates"] is True, role
assert adminc.secrets.ssh.list_roles(mount_point="ssh-prod")["data"]["keys"] == ["ops"]

# the policy a workload's login grants: sign with role ops, nothing else
adminc.sys.create_or_update_acl_policy(name="ssh", policy="""
# CI runners sign their keys for deploys
path "ssh-prod/sign/ops" {
  capabilities = ["update"]
}
path "ssh-prod/roles/*" {
  capabilities = ["read"]
}
""")
assert "ssh" in adminc.sys.list_acl_policies()["data"]["keys"]
assert 'path "ssh-prod/sign/ops"' in adminc.sys.read_acl_policy("ssh")["data"]["policy"]
try:
    adminc.sys.create_or_update_acl_policy(name="broken", policy='path "x" { capabilities = ["fly"] }')
    raise SystemExit("a policy with an unknown capability was stored")
except hvac.exceptions.InvalidRequest as e:
    assert "fly" in str(e), e

# a workload logs in (jwt, a static key) and signs its key
pub = open(jwt_key.replace(".pem", ".pub.pem")).read()
adminc.auth.jwt.configure(jwt_validation_pubkeys=[pub], bound_issuer="https://ci.example")
adminc.auth.jwt.create_role(name="ci", user_claim="sub", allowed_redirect_uris=[], role_type="jwt", bound_audiences=["vouch"],
                            token_policies=["ssh"])
adminc.auth.jwt.create_role(name="nobody", user_claim="sub", allowed_redirect_uris=[], role_type="jwt", bound_audiences=["vouch"],
                            token_policies=["other"])
now = int(time.time())
token = jwt.encode({"iss": "https://ci.example", "aud": "vouch", "sub": "ci-runner", "iat": now, "exp": now + 300},
                   open(jwt_key, "rb").read(), algorithm="ES256")
client = hvac.Client(url=url, verify=server_ca)
client.auth.jwt.jwt_login(role="ci", jwt=token)
assert client.secrets.ssh.read_role(name="ops", mount_point="ssh-prod")["data"]["allowed_users"] == "root,deploy"
try:
    client.secrets.ssh.create_role(name="mine", key_type="ca", allowed_users="*", allow_user_certificates=True,
                                   mount_point="ssh-prod")
    raise SystemExit("a token without create on ssh-prod/roles/mine wrote a role")
except hvac.exceptions.Forbidden as e:
    assert "ssh-prod/roles/mine" in str(e) and "create" in str(e), e
user_pub = open(user_pub_file).read()
signed = client.secrets.ssh.sign_ssh_key(name="ops", public_key=user_pub, valid_principals="deploy", mount_point="ssh-prod")["data"]
assert signed["signed_key"].startswith("ssh-ed25519-cert-v01@openssh.com "), signed
assert int(signed["serial_number"], 16) > 0, signed
open(out_cert, "w").write(signed["signed_key"])
try:
    client.secrets.ssh.sign_ssh_key(name="ops", public_key=user_pub, valid_principals="admin", mount_point="ssh-prod")
    raise SystemExit("a principal outside allowed_users was signed")
except hvac.exceptions.InvalidRequest as e:
    assert "valid_principals" in str(e), e
try:
    hvac.Client(url=url, token="nope", verify=server_ca).secrets.ssh.sign_ssh_key(name="ops", public_key=user_pub,
                                                                                 mount_point="ssh-prod")
    raise SystemExit("signed without a valid token")
except (hvac.exceptions.Unauthorized, hvac.exceptions.Forbidden):
    pass
# a token whose policies do not name the path: 403 with the path and the capability
other = hvac.Client(url=url, verify=server_ca)
other.auth.jwt.jwt_login(role="nobody", jwt=token)
try:
    other.secrets.ssh.sign_ssh_key(name="ops", public_key=user_pub, valid_principals="deploy", mount_point="ssh-prod")
    raise SystemExit("signed without the policy")
except hvac.exceptions.Forbidden as e:
    assert "ssh-prod/sign/ops" in str(e) and "update" in str(e), e
# a deny in the rule that decides wins over the grant beside it
adminc.sys.create_or_update_acl_policy(name="ssh", policy='''{"path": {"ssh-prod/sign/ops": {"capabilities": ["update", "deny"]}}}''')
try:
    client.secrets.ssh.sign_ssh_key(name="ops", public_key=user_pub, valid_principals="deploy", mount_point="ssh-prod")
    raise SystemExit("signed through a deny")
except hvac.exceptions.Forbidden:
    pass
adminc.sys.delete_acl_policy("ssh")
assert "ssh" not in adminc.sys.list_acl_policies()["data"]["keys"]
adminc.secrets.ssh.delete_role(name="ops", mount_point="ssh-prod")
adminc.sys.disable_secrets_engine("ssh-prod")
assert "ssh-prod/" not in adminc.sys.list_mounted_secrets_engines()["data"]
print("ok")
