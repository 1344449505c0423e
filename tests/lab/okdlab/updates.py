"""The lab's update service: a Cincinnati-shaped graph endpoint and a release signature store.

One HTTPS server on 127.0.0.1 (the lab CA's serving certificate), serving what
okdlab/releases.py prepared under <state>/updates:

  GET /graph?channel=<name>&arch=<arch>   Accept: application/json
      the channel's graph {nodes[{version, payload, metadata}], edges[[i, j]],
      conditionalEdges[{edges[{from, to}], risks[{url, name, message, matchingRules}]}]};
      an unknown channel or architecture is an empty graph, as Cincinnati answers it;
      no channel/arch is HTTP 400, an Accept without application/json HTTP 406
      (openshift/cincinnati graph-builder / policy-engine behaviour)
  GET /signatures/sha256=<hex>/signature-<N>
      the signature file, or 404 (library-go pkg/verify/store/sigstore stops at the first 404)

Run as `python -m okdlab.updates --port P --root DIR --cert C --key K` (labctl starts it).
"""

import argparse
import json
import os
import re
import ssl
import sys
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

_SIGNATURE_PATH = re.compile(r"^/signatures/(sha256=[0-9a-f]{64})/(signature-[1-9][0-9]*)$")
EMPTY_GRAPH = {"nodes": [], "edges": [], "conditionalEdges": []}


class Handler(BaseHTTPRequestHandler):
    server_version = "okdlab-updates/1"
    root = None  # set by serve()

    def _send(self, status, body, content_type="application/json"):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # http.server calls do_<METHOD>
        url = urlsplit(self.path)
        if url.path == "/graph":
            return self._graph(parse_qs(url.query))
        match = _SIGNATURE_PATH.match(url.path)
        if match:
            path = os.path.join(self.root, "signatures", match.group(1), match.group(2))
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    return self._send(200, f.read(), "application/octet-stream")
        return self._send(404, b"not found\n", "text/plain")

    def _graph(self, query):
        if "application/json" not in (self.headers.get("Accept") or ""):
            return self._send(406, {"kind": "invalid_content_type", "value": "Accept must be application/json"})
        missing = [p for p in ("channel", "arch") if not query.get(p)]
        if missing:
            return self._send(
                400, {"kind": "missing_params", "value": f"mandatory client parameters missing: {','.join(missing)}"}
            )
        with open(os.path.join(self.root, "graph.json"), encoding="utf-8") as f:
            data = json.load(f)
        graph = data["channels"].get(query["channel"][0]) if query["arch"][0] == data["arch"] else None
        return self._send(200, graph or EMPTY_GRAPH)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


def serve(port, root, cert, key):
    Handler.root = root
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


PROCESS = "updates"


def start(run_dir, port, root, certs, timeout=20):
    """Start the server (labctl up); return (graph URL, signature store URL) once it answers."""
    from . import procs  # pylint: disable=import-outside-toplevel

    procs.require_free(port, "the update service (graph + signature store)")
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    procs.start(
        run_dir,
        PROCESS,
        [
            sys.executable,
            "-m",
            "okdlab.updates",
            "--port",
            str(port),
            "--root",
            root,
            "--cert",
            certs["serving_cert"],
            "--key",
            certs["serving_key"],
        ],
        env=env,
    )
    base = f"https://127.0.0.1:{port}"
    context = ssl.create_default_context(cafile=certs["ca"])

    def answers():
        request = urllib.request.Request(
            f"{base}/graph?channel=stable-4.19&arch=amd64", headers={"Accept": "application/json"}
        )
        with urllib.request.urlopen(request, context=context, timeout=2) as response:
            return response.status == 200

    procs.wait_until(run_dir, PROCESS, answers, timeout, "the update service")
    return f"{base}/graph", f"{base}/signatures"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="okdlab.updates")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    args = parser.parse_args(argv)
    serve(args.port, args.root, args.cert, args.key)


if __name__ == "__main__":
    main()
