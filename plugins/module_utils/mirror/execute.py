# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Running a mirror: inspect the destination, then execute the plan, in a thread pool.

``inspect`` asks the destination (HEAD requests) which images it already has, fetches the
source manifests of the others and asks which of their blobs are there; ``plan.plan_mirror`` turns that into the plan; ``execute``
carries it out in this order, so that a destination never references what it lacks and a
present release tag means a complete mirror:

1. blob uploads (each unique blob once; streamed, digest-checked by the registry client);
2. cross-repository mounts (blobs already in another repository of the destination registry);
3. the component (and signature) manifests, children of an index first, then the tag;
4. the release image's manifest and tag, last.

A run killed at any point leaves only complete blobs and manifests behind (an upload is
committed only when its digest matched), so the next run's inspection finds what is
there and completes the rest.
"""

import functools
import threading
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

from ansible_collections.okd.machine_os.plugins.module_utils.mirror.layout import manifest_doc
from ansible_collections.okd.machine_os.plugins.module_utils.mirror.plan import (
    MISSING,
    PRESENT,
    RELEASE,
    UNTAGGED,
    blob_checks,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import (
    NotFoundError,
    RegistryError,
    StorageFullError,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import Reference


class DestinationWriteError(RegistryError):
    """The destination registry refused to store what the mirror pushed."""


class DestinationReadOnlyError(DestinationWriteError):
    """The destination registry does not accept writes (read-only / maintenance mode)."""


class DestinationFullError(DestinationWriteError):
    """The destination registry is out of storage space."""


def destination_write_error(exc, registry, what):
    """The DestinationWriteError ``exc`` (a RegistryError from ``registry``) amounts to, or None.

    HTTP 405 on a write (distribution's ``storage.maintenance.readonly`` leaves only GET
    and HEAD routed) or an ``UNSUPPORTED`` error code: read-only. The client's StorageFullError
    (HTTP 507, or a 5xx whose detail is ENOSPC) or a "no space left" message: out of space.
    """
    if getattr(exc, "registry", None) != registry:
        return None
    status, codes = getattr(exc, "status", None), list(getattr(exc, "codes", None) or [])
    kwargs = {"registry": registry, "reference": getattr(exc, "reference", None), "status": status, "codes": codes}
    detail = f"HTTP {status}" + (f", {', '.join(codes)}" if codes else "")
    if status == 405 or "UNSUPPORTED" in codes:
        return DestinationReadOnlyError(
            f"the destination registry {registry} refused writes ({what}: {detail}): it is read-only "
            f"(maintenance / read-only mode) or does not accept pushes; nothing was tagged, make it writable "
            f"and run again",
            **kwargs,
        )
    if isinstance(exc, StorageFullError) or status == 507 or "no space left" in str(exc).lower():
        return DestinationFullError(
            f"the destination registry {registry} refused writes ({what}: {detail}): it is out of storage "
            f"space; nothing was tagged, free space and run again",
            **kwargs,
        )
    return None


def run_parallel(pool, function, items):
    """``[function(item) for item in items]`` in ``pool``; the first exception cancels the rest
    and is raised."""
    futures = [pool.submit(function, item) for item in items]
    done, pending = wait(futures, return_when=FIRST_EXCEPTION)
    for future in done:
        if future.exception() is not None:
            for other in pending:
                other.cancel()
            wait(pending)
            raise future.exception()
    return [future.result() for future in futures]


UNKNOWN_REPOSITORY = frozenset()  # a destination repository without any tag


class RegistryEndpoint:
    """A registry as the source or the destination of a mirror, through one RegistryClient."""

    kind = "registry"

    def __init__(self, client):
        self.client = client
        self._tags = {}  # destination repository -> set of tags, None if not listable
        self._tags_lock = threading.Lock()

    # -- as a source --------------------------------------------------------------------
    def manifest_doc(self, ref):
        """The ManifestDoc of ``ref`` (by digest), an index with its children."""

        def fetch(descriptor):
            return self.client.get_manifest(ref.by_digest(descriptor.digest))

        return manifest_doc(self.client.get_manifest(ref), fetch)

    def signature(self, ref, digest, tag):
        """(Reference by digest, digest) of the sigstore signature tag in ``ref``'s repository, or None."""
        descriptor = self.client.head_manifest(ref.with_tag(tag))
        if descriptor is None:
            return None
        return ref.by_digest(descriptor.digest), descriptor.digest

    # -- as a destination ---------------------------------------------------------------
    @staticmethod
    def _ref(repo):
        return Reference.parse(repo)

    def _known_tags(self, repo):
        """The tags of destination ``repo`` (one listing per repository, shared by the threads):
        a set, UNKNOWN_REPOSITORY when the registry has no tag in it, None if it will not list them."""
        with self._tags_lock:
            if repo not in self._tags:
                try:
                    self._tags[repo] = set(self.client.list_tags(self._ref(repo))) or UNKNOWN_REPOSITORY
                except NotFoundError:
                    self._tags[repo] = UNKNOWN_REPOSITORY
                except RegistryError:  # e.g. a push-only account: ask per tag instead
                    self._tags[repo] = None
            return self._tags[repo]

    def image_state(self, image):
        """PRESENT (the tag holds the digest), UNTAGGED (the manifest is there by digest) or MISSING.

        The repository's tag listing saves HEAD requests (each one an authenticated request the
        destination has to check): a tag it lacks is not asked about, and in a repository with no
        tag at all (a new mirror) the image is taken as MISSING without asking for its manifest by
        digest either. Should that manifest be there untagged, the plan still finds its blobs
        present one by one, and the run only pushes the manifest with its tag.
        """
        repo = self._ref(image.repo)
        tags = self._known_tags(image.repo)
        if tags is UNKNOWN_REPOSITORY:
            return MISSING
        if tags is None or image.tag in tags:
            tagged = self.client.head_manifest(repo.with_tag(image.tag))
            if tagged is not None and tagged.digest == image.digest:
                return PRESENT
        if self.client.head_manifest(repo.by_digest(image.digest)) is not None:
            return UNTAGGED
        return MISSING

    def has_blob(self, repo, digest):
        return self.client.blob_exists(self._ref(repo), digest) is not None

    @staticmethod
    def _write(target, what, call, *args):
        """``call(*args)``, a refused write to ``target``'s registry raised as a DestinationWriteError."""
        try:
            return call(*args)
        except RegistryError as exc:
            translated = destination_write_error(exc, target.registry, what)
            if translated is None:
                raise
            raise translated from None

    def upload(self, move, source):
        """(action, bytes moved) after putting the blob into ``move.repo``."""
        target = self._ref(move.repo)
        what = f"blob upload to {target.name}"
        # the plan has just seen the destination lack the blob: no second HEAD before the upload
        if source.kind == "registry":
            push = self._write(
                target,
                what,
                functools.partial(self.client.copy_blob, known_missing=True),
                move.source,
                target,
                move.digest,
                move.size,
            )
        else:
            push = self._write(
                target,
                what,
                functools.partial(self.client.upload_blob, known_missing=True),
                target,
                source.blob_path(move.digest),
                move.digest,
                move.size,
            )
        return push.action, (push.size or 0) if push.action == "uploaded" else 0

    def mount(self, move, source):
        target = self._ref(move.repo)
        if self._write(
            target, f"blob mount into {target.name}", self.client.mount_blob, target, move.digest, move.mount_from
        ):
            return "mounted", 0
        return self.upload(move, source)

    def put_manifest(self, image, doc, tag):
        repo = self._ref(image.repo)
        target = repo.with_tag(image.tag) if tag else repo.by_digest(doc.digest)
        self._write(repo, f"manifest push to {target}", self.client.put_manifest, target, doc.raw, doc.media_type)


class Counters:
    """What a run moved; thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self.blobs = 0
        self.bytes = 0
        self.mounted = 0
        self.manifests = 0

    def blob(self, action, size):
        with self._lock:
            if action == "uploaded":
                self.blobs += 1
                self.bytes += size
            elif action == "mounted":
                self.mounted += 1

    def manifest(self):
        with self._lock:
            self.manifests += 1

    def as_dict(self):
        return {"blobs": self.blobs, "bytes": self.bytes, "mounted": self.mounted, "manifests": self.manifests}

    @property
    def changed(self):
        return bool(self.blobs or self.mounted or self.manifests)


def inspect(pool, images, source, destination, verify_source=False):
    """Set each image's ``state`` (at the destination) and, for those not present, its
    ``manifest`` (from the source); return {(repo, digest): present} for the blobs of the
    missing images.

    The destination is asked first (one HEAD of the tag per image): an image whose tag
    already holds the source digest is done, and its manifest is never fetched. With
    ``verify_source`` (a directory source), every blob of every image still to push is
    hashed: a damaged directory fails here, before anything is pushed.
    """

    def look(image):
        image.state = destination.image_state(image)
        if image.state != PRESENT:
            image.manifest = source.manifest_doc(image.source)

    run_parallel(pool, look, images)
    if verify_source:
        blobs = {}
        for image in images:
            if image.manifest is not None:
                for blob in image.manifest.all_blobs():
                    blobs.setdefault(blob.digest, blob.size)
        run_parallel(pool, lambda item: source.verify_blob(*item), list(blobs.items()))
    pairs = blob_checks(images)
    present = run_parallel(pool, lambda pair: destination.has_blob(*pair), pairs)
    return dict(zip(pairs, present, strict=False))


def execute(pool, plan, source, destination, counters, progress=None):
    """Carry out ``plan``: uploads, mounts, component manifests, then the release last."""

    def upload(move):
        counters.blob(*destination.upload(move, source))

    def mount(move):
        counters.blob(*destination.mount(move, source))

    def push(image):
        if image.state == UNTAGGED:
            destination.put_manifest(image, image.manifest, tag=True)
            counters.manifest()
            return
        for doc in image.manifest.walk():
            top = doc is image.manifest
            destination.put_manifest(image, doc, tag=top)
            counters.manifest()

    run_parallel(pool, upload, plan.uploads)
    if progress:
        progress(f"uploaded {counters.blobs} blobs ({counters.bytes} bytes)")
    run_parallel(pool, mount, plan.mounts)
    missing = [image for image in plan.images if image.state != PRESENT]
    run_parallel(pool, push, [image for image in missing if image.kind != RELEASE])
    for image in missing:
        if image.kind == RELEASE:
            push(image)


def make_pool(parallelism):
    return ThreadPoolExecutor(max_workers=max(1, int(parallelism)), thread_name_prefix="release-mirror")
