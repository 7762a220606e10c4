#!/usr/bin/env python3
"""k8s_apiserver_double.py: the part of a Kubernetes API server that Vouch talks to,
following the TokenReview API to the letter (kubernetes/api authentication/v1 types; the
apiserver's create handler and authentication filter), because no real API server can run
in the tests.

  k8s_apiserver_double.py --port P --cert server.pem --key server.key --signing-key sa.pub.pem \
      --state state.json --log requests.log

POST /apis/authentication.k8s.io/v1/tokenreviews:
- the caller's bearer token must be a reviewer listed in state["reviewers"], or a valid
  service-account token of an account in state["auth_delegators"] (self-review); otherwise
  401 with a metav1.Status ("Unauthorized"), or 403 Forbidden when it authenticates but may
  not create tokenreviews;
- the reviewed token is verified as the API server does (RS256/ES256 signature with the
  cluster's service-account key, exp/nbf, the issuer), then its audiences intersected with
  spec.audiences (or the API audiences when none); state["invalidated"] lists jtis whose
  bound object was deleted. The answer is 201 with the request echoed and `status` filled:
  authenticated + user (username system:serviceaccount:NS:NAME, uid, groups, extra) +
  audiences, or `user: {}` and `error` "[invalid bearer token, <reason>]".
state["mode"] injects faults: "ok", "500" (an InternalError Status), "hang" (no answer),
"garbage" (a 201 that is not JSON). The state file is read on every request; each request
is appended to the log (method, path, whether it carried a bearer token; never the token).
"""
import argparse
import json
import os
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt

API_AUDIENCES = ["https://kubernetes.default.svc.cluster.local"]
ISSUER = "https://kubernetes.default.svc.cluster.local"


def status(code, reason, message, details=None):
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message, "reason": reason}
    if details:
        body["details"] = details
    body["code"] = code
    return code, body


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def state(self):
        with open(self.server.args.state) as f:
            return json.load(f)

    def send(self, code, body, raw=None):
        data = raw if raw is not None else (json.dumps(body, separators=(",", ":")) + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def verify(self, token, audiences):
        """(claims, None) or (None, reason) as the service-account authenticator decides."""
        key = open(self.server.args.signing_key, "rb").read()
        try:
            claims = jwt.decode(token, key, algorithms=["RS256", "ES256"], options={"verify_aud": False}, issuer=ISSUER)
        except jwt.ExpiredSignatureError:
            return None, "service account token has expired"
        except jwt.ImmatureSignatureError:
            return None, "service account token is not valid yet"
        except jwt.InvalidTokenError:
            return None, None  # not ours: plain "invalid bearer token"
        token_auds = claims.get("aud") or []
        if isinstance(token_auds, str):
            token_auds = [token_auds]
        wanted = audiences or API_AUDIENCES
        both = [a for a in token_auds if a in wanted]
        if not both:
            return None, "token audiences %s is invalid for the target audiences %s" % (
                json.dumps(token_auds), json.dumps(wanted))
        if claims.get("jti") in self.state().get("invalidated", []):
            return None, "service account token has been invalidated"
        claims["_audiences"] = both
        return claims, None

    def do_POST(self):
        st = self.state()
        auth = self.headers.get("Authorization", "")
        with open(self.server.args.log, "a") as log:
            log.write("%s %s bearer=%s\n" % (self.command, self.path, auth.startswith("Bearer ")))
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.path != "/apis/authentication.k8s.io/v1/tokenreviews":
            return self.send(*status(404, "NotFound", "the server could not find the requested resource"))
        mode = st.get("mode", "ok")
        if mode == "hang":
            time.sleep(60)
            return
        if mode == "500":
            return self.send(*status(500, "InternalError", "Internal error occurred: etcd cluster is unavailable",
                                     {"causes": [{"message": "etcd cluster is unavailable"}]}))
        if mode == "garbage":
            return self.send(201, None, raw=b"<html>502 Bad Gateway</html>")
        # the caller: a reviewer token, or a service account allowed to create tokenreviews
        bearer = auth[7:] if auth.startswith("Bearer ") else ""
        caller = None
        if bearer in st.get("reviewers", []):
            caller = "system:serviceaccount:kube-system:vouch-reviewer"
        else:
            claims, _ = self.verify(bearer, None) if bearer else (None, None)
            if claims is None:
                return self.send(*status(401, "Unauthorized", "Unauthorized"))
            caller = claims["sub"]
            if caller not in st.get("auth_delegators", []):
                return self.send(*status(403, "Forbidden",
                    'tokenreviews.authentication.k8s.io is forbidden: User "%s" cannot create resource "tokenreviews" in API group '
                    '"authentication.k8s.io" at the cluster scope' % caller,
                    {"group": "authentication.k8s.io", "kind": "tokenreviews"}))
        try:
            review = json.loads(body)
        except ValueError:
            return self.send(*status(400, "BadRequest", "the body of the request was in an unknown format"))
        spec = review.get("spec") or {}
        token = spec.get("token", "")
        if not token:
            return self.send(*status(400, "BadRequest", "token is required for TokenReview in authentication"))
        claims, reason = self.verify(token, spec.get("audiences"))
        out = {"kind": "TokenReview", "apiVersion": "authentication.k8s.io/v1", "metadata": {"creationTimestamp": None},
               "spec": spec, "status": {"user": {}}}
        if claims is None:
            out["status"]["error"] = "[invalid bearer token, %s]" % reason if reason else "invalid bearer token"
        else:
            k = claims["kubernetes.io"]
            ns, sa = k["namespace"], k["serviceaccount"]
            extra = {"authentication.kubernetes.io/credential-id": ["JTI=" + claims.get("jti", "")]}
            if "pod" in k:
                extra["authentication.kubernetes.io/pod-name"] = [k["pod"]["name"]]
                extra["authentication.kubernetes.io/pod-uid"] = [k["pod"]["uid"]]
            out["status"] = {"authenticated": True, "user": {
                "username": "system:serviceaccount:%s:%s" % (ns, sa["name"]), "uid": sa["uid"],
                "groups": ["system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"], "extra": extra},
                "audiences": claims["_audiences"]}
        self.send(201, out)


def main():
    p = argparse.ArgumentParser()
    for a in ["--port", "--cert", "--key", "--signing-key", "--state", "--log"]:
        p.add_argument(a, required=True)
    args = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", int(args.port)), Handler)
    server.daemon_threads = True
    server.args = args
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    # a test that dies never leaves the double behind: it ends when its parent does
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)
    threading.Thread(target=watch, daemon=True).start()
    print("listening", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
