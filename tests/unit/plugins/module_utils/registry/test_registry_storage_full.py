# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which error answers mean "the registry's storage is full" (not retried, named)."""

import json

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.registry.http_errors import reports_out_of_space


class Answer:
    def __init__(self, status, body=b""):
        self.status_code = status
        self.content = body if isinstance(body, bytes) else json.dumps(body).encode()


# what Debian's docker-registry 2.8 (filesystem driver) answered a POST on a full tmpfs
DISTRIBUTION_ENOSPC = {
    "errors": [
        {
            "code": "UNKNOWN",
            "message": "unknown error",
            "detail": {
                "DriverName": "filesystem",
                "Enclosed": {
                    "Op": "write",
                    "Path": "/data/docker/registry/v2/repositories/x/_uploads/u/startedat",
                    "Err": 28,
                },
            },
        }
    ]
}


@pytest.mark.parametrize(
    "answer, full",
    [
        (Answer(500, DISTRIBUTION_ENOSPC), True),
        (Answer(507), True),
        (Answer(500, b"write /data/blob: no space left on device"), True),
        (
            Answer(
                500,
                {
                    "errors": [
                        {
                            "code": "UNKNOWN",
                            "message": "unknown error",
                            "detail": {"Enclosed": {"Op": "write", "Err": 5}},
                        }
                    ]
                },
            ),
            False,
        ),  # EIO: transient
        (Answer(503, b"busy"), False),
        (Answer(400, DISTRIBUTION_ENOSPC), False),
    ],
)
def test_out_of_space_answers(answer, full):
    assert reports_out_of_space(answer) is full
