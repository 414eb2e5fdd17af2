"""inpod's Python-client probe: one API request made with the official client's
in-cluster configuration (the mounted token and CA), answered as one JSON line.
The guide's own app.py covers "list pods"; this covers the other verbs and
resources its RBAC rules are about.

    python3 inpod_request.py METHOD PATH [BODY-JSON]
    python3 inpod_request.py batch METHOD PATH BODY-JSON|"" ...
        several requests, one after another in the order given, one JSON line
        each: the client's import and configuration are paid once
"""
import json
import sys

from kubernetes import client, config
from kubernetes.client.rest import ApiException


def request(method, path, body):
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
