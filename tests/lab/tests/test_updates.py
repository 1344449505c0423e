"""The lab's update service behaves like Cincinnati and a signature store, and its signatures
are what gpg itself accepts (checked with gpgv, independently of the collection)."""

import json
import os
import shutil
import ssl
import subprocess
import urllib.error
import urllib.request

import pytest

from okdlab import releases

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def updates(lab):
    if not lab.updates:
        pytest.skip("this lab has no update service: `tests/lab/labctl down && tests/lab/labctl up`")
    return lab.updates


def get(lab, url, accept="application/json"):
    context = ssl.create_default_context(cafile=lab.ca_file)
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_graph_per_channel(lab, updates):
    status, body = get(lab, f"{updates['graph_url']}?channel=stable-4.20&arch=amd64")
    assert status == 200
    graph = json.loads(body)
    versions = [node["version"] for node in graph["nodes"]]
    assert versions == list(releases.CHANNELS["stable-4.20"])
    edges = {(versions[a], versions[b]) for a, b in graph["edges"]}
    assert edges == {("4.19.1", "4.19.2"), ("4.19.2", "4.20.0")}
    assert graph["conditionalEdges"] == [{"edges": [{"from": "4.19.1", "to": "4.20.0"}], "risks": [releases.RISK]}]
    for node in graph["nodes"]:
        assert node["payload"] == updates["releases"][node["version"]]["pullspec"]
        assert "@sha256:" in node["payload"]


def test_graph_refusals_and_unknown_channel(lab, updates):
    assert get(lab, f"{updates['graph_url']}?channel=stable-4.20&arch=amd64", accept="text/html")[0] == 406
    status, body = get(lab, f"{updates['graph_url']}?arch=amd64")
    assert status == 400 and json.loads(body)["kind"] == "missing_params"
    for query in ("channel=stable-4.99&arch=amd64", "channel=stable-4.20&arch=s390x"):
        status, body = get(lab, f"{updates['graph_url']}?{query}")
        assert status == 200 and json.loads(body)["nodes"] == []


@pytest.mark.skipif(not shutil.which("gpgv"), reason="gpgv (Debian gpgv) checks the signatures")
def test_signature_store_and_gpgv(lab, updates, tmp_path):
    keyring = tmp_path / "release.gpg"
    with open(updates["public_key"].replace("public.asc", "public.gpg"), "rb") as f:
        keyring.write_bytes(f.read())
    for version, release in updates["releases"].items():
        hexdigest = release["digest"].split(":")[1]
        status, body = get(lab, f"{updates['signature_store']}/sha256={hexdigest}/signature-1", accept=None)
        if release["signature"] == "unsigned":
            assert status == 404, version
            continue
        assert status == 200, version
        path = tmp_path / f"{version}.sig"
        path.write_bytes(body)
        proc = subprocess.run(
            ["gpgv", "--keyring", str(keyring), "--output", "-", str(path)], capture_output=True, check=False
        )
        assert (proc.returncode == 0) == (release["signature"] == "signed"), (version, proc.stderr)
        if proc.returncode == 0:
            claim = json.loads(proc.stdout)
            assert claim["critical"]["image"]["docker-manifest-digest"] == release["digest"]
            assert claim["critical"]["type"] == "atomic container signature"
        assert get(lab, f"{updates['signature_store']}/sha256={hexdigest}/signature-2", accept=None)[0] == 404
    assert os.path.isdir(updates["root"])
