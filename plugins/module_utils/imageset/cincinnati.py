# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Asking an update service (Cincinnati) for a channel's graph.

``GET <graph_url>?channel=<name>&arch=<arch>`` with ``Accept: application/json``, as the
cluster-version-operator (``pkg/cincinnati/cincinnati.go``) and oc-mirror v2
(``internal/pkg/release/client.go``) ask. The public endpoints are OCP's
``https://api.openshift.com/api/upgrades_info/v1/graph`` and OKD's
``https://origin-release.ci.openshift.org/graph`` (oc-mirror ``internal/pkg/cincinnati``).
"""

import json

from ansible_collections.okd.machine_os.plugins.module_utils.imageset.errors import GraphError
from ansible_collections.okd.machine_os.plugins.module_utils.imageset.graph import Graph
from ansible_collections.okd.machine_os.plugins.module_utils.imageset.web import WebError

OCP_GRAPH_URL = "https://api.openshift.com/api/upgrades_info/v1/graph"
OKD_GRAPH_URL = "https://origin-release.ci.openshift.org/graph"
DEFAULT_GRAPH_URLS = {"ocp": OCP_GRAPH_URL, "okd": OKD_GRAPH_URL}
MAX_GRAPH_BYTES = 64 * 1024 * 1024


def fetch_graph(web, url, channel, arch):
    """The Graph of ``channel`` for ``arch`` at ``url``; GraphError if it cannot be had."""
    try:
        status, body, _type = web.get(
            url, params={"channel": channel, "arch": arch}, accept="application/json", max_bytes=MAX_GRAPH_BYTES
        )
    except WebError as exc:
        raise GraphError(
            f"the update graph at {url} cannot be reached for channel {channel}: {exc.message}; "
            f"check graph_url and that the update service is up",
            graph_url=url,
            channel=channel,
        ) from None
    if status != 200:
        detail = body[:200].decode("utf-8", "replace").strip()
        raise GraphError(
            f"the update graph at {url} answered HTTP {status} for channel {channel} ({arch})"
            + (f": {detail}" if detail else "")
            + "; check graph_url, the channel name and the architecture",
            graph_url=url,
            channel=channel,
            status=status,
        )
    try:
        data = json.loads(body)
    except ValueError:
        raise GraphError(
            f"the update graph at {url} answered channel {channel} with something that is not JSON: "
            f"is graph_url an update service's /graph endpoint?",
            graph_url=url,
            channel=channel,
        ) from None
    return Graph.from_cincinnati(channel, arch, data, url=url)
