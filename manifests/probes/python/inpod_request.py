"""inpod's Python-client probe: one API request made with the official client's
in-cluster configuration (the mounted token and CA), answered as one JSON line.
The guide's own app.py covers "list pods"; this covers the other verbs and
resources its RBAC rules are about.

    python3 inpod_request.py METHOD PATH [BODY-JSON]
        PATH may be a kubelet's https://HOST:PORT/PATH: sent there with the
        pod's token
    python3 inpod_request.py batch METHOD PATH BODY-JSON|"" ...
        several requests, one after another in the order given, one JSON line
        each: the client's import and configuration are paid once
"""
import json
import ssl
import sys

import urllib3

from kubernetes import client, config
from kubernetes.client.rest import ApiException


SA = "/var/run/secrets/kubernetes.io/serviceaccount"


def kubelet(method, url):
    """A request to a kubelet (url https://HOST:PORT/PATH), with the pod's token:
    verified against the pod's CA first and, when that fails (kind's kubelets
    sign their own certificate), sent again unverified, which the answer says."""
    with open(SA + "/token") as f:
        headers = {"Authorization": "Bearer " + f.read().strip()}
    out = {}
    for verify in (True, False):
        pool = urllib3.PoolManager(
            cert_reqs="CERT_REQUIRED" if verify else "CERT_NONE",
            ca_certs=SA + "/ca.crt" if verify else None,
            assert_hostname=None if verify else False,
            retries=False, timeout=20)
        try:
            if not verify:
                urllib3.disable_warnings()
            resp = pool.request(method, url, headers=headers)
        except Exception as e:  # TLS, connection, DNS, timeout: no HTTP answer
            tls = isinstance(e, (urllib3.exceptions.SSLError, ssl.SSLError)) or "CERTIFICATE_VERIFY_FAILED" in str(e)
            if verify and tls:
                out["unverified"] = "the kubelet's certificate did not verify against the pod's CA: %s" % e
                continue
            out["error"] = "%s: %s" % (type(e).__name__, e)
            return out
        body = resp.data.decode("utf-8", "replace")[:1048576]
        out.update({"code": resp.status, "body": body})
        if resp.status in (401, 403):
            out["reason"], out["message"] = resp.reason.replace(" ", ""), body.strip()
        return out
    return out


def request(method, path, body):
    if path.startswith("https://"):
        return kubelet(method, path)
    config.load_incluster_config()
    api = client.ApiClient()
    headers = {"Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = (
            "application/merge-patch+json" if method == "PATCH" else "application/json"
        )
    try:
        resp, status, _ = api.call_api(
            path, method, header_params=headers, body=body,
            auth_settings=["BearerToken"], _preload_content=False,
            _return_http_data_only=False, _request_timeout=20,
        )
        return {"code": status, "body": resp.data.decode("utf-8", "replace")[:1048576]}
    except ApiException as e:
        body = e.body.decode("utf-8", "replace") if isinstance(e.body, bytes) else (e.body or "")
        out = {"code": e.status, "body": body[:1048576]}
        try:
            st = json.loads(body)
            out["reason"], out["message"] = st.get("reason", ""), st.get("message", "")
        except (TypeError, ValueError):
            out["reason"] = e.reason or ""
        return out
    except Exception as e:  # connection, DNS, TLS: no HTTP answer at all
        return {"error": "%s: %s" % (type(e).__name__, e)}


def batch(args):
    if not args or len(args) % 3:
        print('usage: inpod_request.py batch METHOD PATH BODY-JSON|"" ...', file=sys.stderr)
        sys.exit(2)
    for i in range(0, len(args), 3):
        body = json.loads(args[i + 2]) if args[i + 2] else None
        print(json.dumps(request(args[i].upper(), args[i + 1], body)), flush=True)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "batch":
        batch(sys.argv[2:])
        return
    if len(sys.argv) < 3:
        print("usage: inpod_request.py METHOD PATH [BODY-JSON]", file=sys.stderr)
        sys.exit(2)
    body = json.loads(" ".join(sys.argv[3:])) if len(sys.argv) > 3 else None
    print(json.dumps(request(sys.argv[1].upper(), sys.argv[2], body)))


if __name__ == "__main__":
    main()
