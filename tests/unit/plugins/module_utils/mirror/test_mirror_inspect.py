# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""inspect: the destination is asked first; images already there are never read from the source."""

from test_mirror_plan import MANIFEST, blob, dg, image  # pylint: disable=import-error  # same folder

from ansible_collections.okd.machine_os.plugins.module_utils.mirror import plan as mplan
from ansible_collections.okd.machine_os.plugins.module_utils.mirror.execute import RegistryEndpoint, inspect, make_pool
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import NotFoundError, RegistryError
from ansible_collections.okd.machine_os.plugins.module_utils.registry.manifest import Descriptor


class FakeSource:
    """Manifests by digest; records which were read and which blobs were verified."""

    def __init__(self, docs):
        self.docs = docs
        self.read = []
        self.verified = []

    def manifest_doc(self, ref):
        self.read.append(ref.digest)
        return self.docs[ref.digest]

    def verify_blob(self, digest, size):
        self.verified.append(digest)
        return size


class FakeDestination:
    def __init__(self, states, blobs):
        self.states = states
        self.blobs = blobs
        self.asked = []

    def image_state(self, img):
        return self.states.get(img.name, mplan.MISSING)

    def has_blob(self, repo, digest):
        self.asked.append(digest)
        return digest in self.blobs


def _images():
    base = blob("base", 1000)
    images = [image("a", [base, blob("a")]), image("b", [base, blob("b")]), image("c", [blob("c")])]
    docs = {}
    for img in images:
        docs[img.digest] = img.manifest
        img.manifest = None
    return images, docs


def test_present_images_are_not_read():
    images, docs = _images()
    source, destination = FakeSource(docs), FakeDestination({"a": mplan.PRESENT, "c": mplan.UNTAGGED}, {dg("base")})
    with make_pool(4) as pool:
        present = inspect(pool, images, source, destination)
    assert sorted(source.read) == sorted([images[1].digest, images[2].digest])
    assert images[0].manifest is None and images[1].manifest.media_type == MANIFEST
    assert sorted(destination.asked) == sorted([dg("base"), dg("b")])  # only the missing image's blobs
    result = mplan.plan_mirror(images, present)
    assert [m.digest for m in result.uploads] == [dg("b")]
    assert result.summary()["blobs_total"] == 3  # base, b, c: a was not read


def test_warm_run_reads_nothing_from_the_source():
    images, docs = _images()
    source = FakeSource(docs)
    destination = FakeDestination({img.name: mplan.PRESENT for img in images}, set())
    with make_pool(4) as pool:
        present = inspect(pool, images, source, destination, verify_source=True)
    assert not source.read and not source.verified and not destination.asked and present == {}
    summary = mplan.plan_mirror(images, present).summary()
    assert summary["images_missing"] == 0 and summary["blobs_total"] == 0 and summary["manifests_missing"] == 0


def test_directory_source_verifies_what_it_will_push():
    images, docs = _images()
    source = FakeSource(docs)
    destination = FakeDestination({"a": mplan.PRESENT}, set())
    with make_pool(4) as pool:
        inspect(pool, images, source, destination, verify_source=True)
    assert sorted(source.verified) == sorted([dg("base"), dg("b"), dg("c")])


class FakeClient:
    """A registry client answering from {repository: {tag or digest: digest}}; counts requests."""

    def __init__(self, repos, listable=True):
        self.repos = repos
        self.listable = listable
        self.requests = []

    def list_tags(self, ref):
        self.requests.append(("list", ref.repository))
        if not self.listable:
            raise RegistryError("denied")
        if ref.repository not in self.repos:
            raise NotFoundError("NAME_UNKNOWN")
        return [key for key in self.repos[ref.repository] if not key.startswith("sha256:")]

    def head_manifest(self, ref):
        self.requests.append(("head", ref.ref))
        digest = self.repos.get(ref.repository, {}).get(ref.ref)
        return Descriptor(MANIFEST, digest, 1) if digest else None


def _state(client, tag, digest):
    img = image("a", [])
    img.repo, img.tag, img.digest = "mirror.example/ocp", tag, digest
    return RegistryEndpoint(client).image_state(img)


def test_image_state_from_the_tag_listing():
    present = FakeClient({"ocp": {"t1": dg("m1"), dg("m1"): dg("m1"), dg("m2"): dg("m2")}})
    assert _state(present, "t1", dg("m1")) == mplan.PRESENT
    assert present.requests == [("list", "ocp"), ("head", "t1")]
    assert _state(present, "t2", dg("m2")) == mplan.UNTAGGED  # listed repo, tag absent: by digest
    assert ("head", "t2") not in present.requests
    assert _state(present, "t1", dg("m3")) == mplan.MISSING  # tag moved elsewhere, digest absent


def test_new_repository_costs_one_listing():
    client = FakeClient({})
    assert _state(client, "t1", dg("m1")) == mplan.MISSING
    assert client.requests == [("list", "ocp")]


def test_unlistable_repository_asks_per_image():
    client = FakeClient({"ocp": {"t1": dg("m1")}}, listable=False)
    assert _state(client, "t1", dg("m1")) == mplan.PRESENT
    assert client.requests == [("list", "ocp"), ("head", "t1")]
