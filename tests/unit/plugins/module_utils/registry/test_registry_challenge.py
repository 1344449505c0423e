# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""WWW-Authenticate challenges: several per header, quoted values with commas and escapes."""

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.registry.challenge import parse_www_authenticate


@pytest.mark.parametrize(
    "header,expected",
    [
        (
            'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
            [
                (
                    "bearer",
                    {
                        "realm": "https://auth.docker.io/token",
                        "service": "registry.docker.io",
                        "scope": "repository:library/busybox:pull",
                    },
                )
            ],
        ),
        ('Basic realm="okd-lab-upstream"', [("basic", {"realm": "okd-lab-upstream"})]),
        ('BEARER Realm="https://r/t", Service=svc', [("bearer", {"realm": "https://r/t", "service": "svc"})]),
        (
            'Bearer realm="https://quay.io/v2/auth",service="quay.io",scope="repository:a/b:pull,push repository:c/d:pull"',
            [
                (
                    "bearer",
                    {
                        "realm": "https://quay.io/v2/auth",
                        "service": "quay.io",
                        "scope": "repository:a/b:pull,push repository:c/d:pull",
                    },
                )
            ],
        ),
        (
            'Basic realm="x", Bearer realm="https://t/token",service="s"',
            [("basic", {"realm": "x"}), ("bearer", {"realm": "https://t/token", "service": "s"})],
        ),
        (
            'Bearer realm="https://t/token",error="insufficient_scope",scope="repository:a:push"',
            [("bearer", {"realm": "https://t/token", "error": "insufficient_scope", "scope": "repository:a:push"})],
        ),
        ('Bearer realm="a \\"quoted\\" realm, with comma"', [("bearer", {"realm": 'a "quoted" realm, with comma'})]),
        ("Negotiate abc123==", [("negotiate", {"token68": "abc123=="})]),
        ("", []),
    ],
)
def test_parse_www_authenticate(header, expected):
    assert [(c.scheme, c.params) for c in parse_www_authenticate(header)] == expected


def test_challenge_properties():
    (challenge,) = parse_www_authenticate('Bearer realm="https://r/t",service="svc",scope="repository:a:pull"')
    assert (challenge.realm, challenge.service, challenge.scope) == ("https://r/t", "svc", "repository:a:pull")
