# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client's session honours the proxy and CA-bundle variables, read once per host."""

import requests

from ansible_collections.okd.machine_os.plugins.module_utils.registry.session import EnvironmentOnceSession


def test_proxies_and_no_proxy(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "mirror.internal")
    session = EnvironmentOnceSession()
    far = session.merge_environment_settings("https://quay.io/v2/", {}, False, "/ca.pem", None)
    near = session.merge_environment_settings("https://mirror.internal:5000/v2/", {}, False, "/ca.pem", None)
    assert far["proxies"]["https"] == "http://proxy.example:3128"
    assert "https" not in near["proxies"]
    assert far["verify"] == near["verify"] == "/ca.pem"  # an explicit CA file wins


def test_environment_read_once_per_host(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    session = EnvironmentOnceSession()
    session.merge_environment_settings("https://quay.io/v2/", {}, False, True, None)
    monkeypatch.setenv("HTTPS_PROXY", "http://other.example:3128")
    again = session.merge_environment_settings("https://quay.io/v2/x/manifests/latest", {}, False, True, None)
    assert again["proxies"]["https"] == "http://proxy.example:3128"


def test_ca_bundle_variable_when_no_ca_file(monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/site-ca.pem")
    session = EnvironmentOnceSession()
    assert (
        session.merge_environment_settings("https://quay.io/v2/", {}, False, True, None)["verify"] == "/etc/site-ca.pem"
    )


def test_redirect_to_another_host_gets_its_proxy(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "mirror.internal")
    session = EnvironmentOnceSession()
    redirected = requests.Request("GET", "https://cdn.example/blob").prepare()
    assert session.rebuild_proxies(redirected, {})["https"] == "http://proxy.example:3128"
    assert session.trust_env is False
