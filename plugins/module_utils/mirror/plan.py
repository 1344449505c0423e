# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The mirror plan: what is missing at the destination and how each missing blob gets there (pure).

The engine first learns, with HEAD requests, which images and blobs the destination already
has; ``plan_mirror`` then decides, without I/O:

* images: ``present`` (the tag points at the source digest: nothing to do), ``untagged``
  (the manifest is there by digest: only the tag is pushed), ``missing`` (blobs, then the
  manifest);
* blobs: every unique blob of the missing images moves **once**: uploaded into the first
  destination repository that needs it, and **mounted** (cross-repository mount, no bytes
  moved) into every other repository of the same registry that needs it, or mounted from
  the source repository when source and destination are the same registry;
* totals: images, unique blobs, blobs and bytes to move, mounts.

An image already ``present`` (its tag holds the source digest) is not read from the source at
all: its ``manifest`` stays None and its blobs are not counted. That keeps a warm run (nothing
to copy) at one HEAD per image.
"""

from dataclasses import dataclass, field

PRESENT = "present"
UNTAGGED = "untagged"
MISSING = "missing"

COMPONENT = "component"
RELEASE = "release"
SIGNATURE = "signature"


@dataclass
class ManifestDoc:
    """A manifest as read from the source: its exact bytes, its blobs, its children (an index)."""

    digest: str
    media_type: str
    raw: bytes = field(repr=False)
    blobs: tuple = ()  # Descriptors of the config and layers (an image manifest)
    children: tuple = ()  # ManifestDocs of an index's entries

    def walk(self):
        """Children before parents: the order manifests are pushed in."""
        for child in self.children:
            yield from child.walk()
        yield self

    def all_blobs(self):
        """Every blob descriptor of this manifest and its children, each digest once."""
        seen = set()
        for doc in self.walk():
            for blob in doc.blobs:
                if blob.digest not in seen:
                    seen.add(blob.digest)
                    yield blob


@dataclass
class MirrorImage:
    """One image to mirror: where it comes from (by digest) and where it goes (repo + tag)."""

    name: str  # the component tag name, the release version, or the signature tag
    kind: str  # COMPONENT, RELEASE or SIGNATURE
    source: object  # Reference by digest (the original pullspec)
    digest: str
    repo: str  # destination repository (registry/path), or the layout's key
    tag: str  # destination tag = OCI layout ref name
    registry: str = None  # destination registry (None for a directory)
    manifest: ManifestDoc = None
    state: str = None

    @property
    def destination(self):
        return f"{self.repo}:{self.tag}"


@dataclass(frozen=True)
class BlobMove:
    """Put blob ``digest`` into ``repo``: uploaded from ``source`` or mounted from ``mount_from``."""

    digest: str
    size: int
    repo: str
    source: object  # the source Reference (repository) the blob is read from
    mount_from: str = None  # a repository of the same registry: mount instead of upload


@dataclass
class MirrorPlan:
    images: list
    uploads: list
    mounts: list
    blobs_total: int

    @property
    def missing_images(self):
        return [i for i in self.images if i.state != PRESENT]

    @property
    def bytes_missing(self):
        return sum(move.size for move in self.uploads)

    @property
    def manifests_to_push(self):
        count = 0
        for image in self.missing_images:
            count += 1 if image.state == UNTAGGED else len(list(image.manifest.walk()))
        return count

    def summary(self):
        return {
            "images_total": len(self.images),
            "images_missing": len(self.missing_images),
            "blobs_total": self.blobs_total,
            "blobs_missing": len(self.uploads),
            "bytes_missing": self.bytes_missing,
            "mounts": len(self.mounts),
            "manifests_missing": self.manifests_to_push,
        }


def blob_checks(images):
    """The (repo, digest) pairs whose presence the destination must be asked about:
    every blob of every image that is not there, each pair once, in image order."""
    pairs = []
    seen = set()
    for image in images:
        if image.state != MISSING:
            continue
        for blob in image.manifest.all_blobs():
            key = (image.repo, blob.digest)
            if key not in seen:
                seen.add(key)
                pairs.append(key)
    return pairs


def plan_mirror(images, blob_present):
    """The MirrorPlan for ``images`` (state and manifest set) given ``blob_present``
    ({(repo, digest): bool}, from ``blob_checks``)."""
    all_digests = set()
    needed = {}  # digest -> [size, source, [(repo, registry), ...]]
    holders = {}  # digest -> {registry: repo holding it or about to}
    for image in images:
        if image.manifest is None:  # present, not read from the source
            continue
        for blob in image.manifest.all_blobs():
            if image.state != PRESENT:
                all_digests.add(blob.digest)
            if blob_present.get((image.repo, blob.digest)):
                holders.setdefault(blob.digest, {}).setdefault(image.registry, image.repo)
            if image.state != MISSING or blob_present.get((image.repo, blob.digest)):
                continue
            entry = needed.setdefault(blob.digest, [blob.size, image.source, []])
            if (image.repo, image.registry) not in entry[2]:
                entry[2].append((image.repo, image.registry))
    uploads, mounts = [], []
    for digest, (size, source, targets) in needed.items():
        held = holders.setdefault(digest, {})
        for repo, registry in targets:
            mount_from = held.get(registry) if registry is not None else None
            if (
                mount_from is None
                and registry is not None
                and getattr(source, "registry", None) == registry
                and source.repository != repo.split("/", 1)[1]
            ):
                mount_from = source.repository
            elif mount_from is not None:
                mount_from = mount_from.split("/", 1)[1]
            if mount_from is not None:
                mounts.append(BlobMove(digest, size, repo, source, mount_from))
            else:
                uploads.append(BlobMove(digest, size, repo, source))
                if registry is not None:
                    held[registry] = repo
    return MirrorPlan(images=list(images), uploads=uploads, mounts=mounts, blobs_total=len(all_digests))
