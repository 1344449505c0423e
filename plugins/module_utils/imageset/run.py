# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""image_set_mirror's engine: image set -> releases -> verified signatures -> one mirror plan -> outputs.

1. Parse the ImageSetConfiguration (``config.py``).
2. For each channel and architecture, ask the update graph and select releases (``graph.py``);
   ``platform.release`` adds one release by pullspec. A release in several channels is one
   release.
3. Fetch every release's signatures (store or directory) and verify them against the keyring
   (``signatures.py``) before anything else: an unsigned or badly signed release refuses the
   whole run, with the verdict of each release, unless signature verification is skipped.
4. Read each release's image-references; with the additional images (resolved to digests)
   and without the blocked ones, they become one list of ``MirrorImage``s (``images.py``).
5. The release mirror's engine does the rest in one plan: ``mirror.execute.inspect``
   (what the destination has), ``mirror.plan.plan_mirror`` (each unique blob once, across
   every release), ``mirror.execute.execute`` (blobs, mounts, component manifests, release
   images last). Check mode stops after the plan.
6. Outputs (``outputs.py``): IDMS, ITMS, the mapping and the signature ConfigMaps.
"""

import time

from ansible_collections.okd.machine_os.plugins.module_utils.imageset import outputs, signatures
from ansible_collections.okd.machine_os.plugins.module_utils.imageset.cincinnati import (
    DEFAULT_GRAPH_URLS,
    fetch_graph,
)
from ansible_collections.okd.machine_os.plugins.module_utils.imageset.config import load_image_set
from ansible_collections.okd.machine_os.plugins.module_utils.imageset.errors import (
    ImageSetConfigError,
    ImageSetError,
    SignatureError,
    UnverifiedReleaseError,
)
from ansible_collections.okd.machine_os.plugins.module_utils.imageset.graph import select, version_key
from ansible_collections.okd.machine_os.plugins.module_utils.imageset.images import additional_image, release_images
from ansible_collections.okd.machine_os.plugins.module_utils.imageset.web import WebClient
from ansible_collections.okd.machine_os.plugins.module_utils.mirror.execute import (
    Counters,
    RegistryEndpoint,
    execute,
    inspect,
    make_pool,
)
from ansible_collections.okd.machine_os.plugins.module_utils.mirror.naming import destination_repository, mirror_arch
from ansible_collections.okd.machine_os.plugins.module_utils.mirror.plan import RELEASE, plan_mirror
from ansible_collections.okd.machine_os.plugins.module_utils.registry.client import HAS_REQUESTS, RegistryClient
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import InvalidReferenceError
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import Reference
from ansible_collections.okd.machine_os.plugins.module_utils.release.reader import read_release
from ansible_collections.okd.machine_os.plugins.module_utils.release.source import RegistrySource


class ReleaseTarget:
    """One release of the set: where the graph (or platform.release) says it is, and what we learn."""

    def __init__(self, version, arch, pullspec, channel=None):
        self.version = version
        self.arch = mirror_arch(arch, multi=arch == "multi") if arch else None
        self.pullspec = pullspec
        self.channels = [channel] if channel else []
        self.digest = None
        self.source = None  # Reference by digest
        self.signatures = []  # [(location, bytes)]
        self.verdict = None
        self.payload = None

    def summary(self):
        verdict = {k: v for k, v in self.verdict.items() if k not in ("version", "digest")} if self.verdict else None
        return {
            "version": self.version,
            "arch": self.arch,
            "source": str(self.source) if self.source else self.pullspec,
            "digest": self.digest,
            "channels": list(self.channels),
            "signature": verdict,
        }


def _selections(image_set, web, graph_url):
    selections = []
    for channel in image_set.channels:
        url = graph_url or DEFAULT_GRAPH_URLS[channel.type]
        for arch in image_set.architectures:
            selections.append(select(fetch_graph(web, url, channel.name, arch), channel))
    return selections


def _targets(selections, image_set):
    """The distinct releases to mirror, by payload pullspec, in version order."""
    targets = {}
    for selection in selections:
        for node in selection.nodes:
            target = targets.get(node.payload)
            if target is None:
                targets[node.payload] = ReleaseTarget(
                    node.version, selection.arch, node.payload, selection.channel.name
                )
            elif selection.channel.name not in target.channels:
                target.channels.append(selection.channel.name)
    if image_set.release and image_set.release not in targets:
        targets[image_set.release] = ReleaseTarget(None, None, image_set.release)
    return sorted(targets.values(), key=lambda t: (t.version is None, version_key(t.version) if t.version else ()))


def _resolve(client, target):
    """Set ``target.source``/``digest``: a graph payload is by digest; a tag is asked for once."""
    try:
        ref = Reference.parse(target.pullspec)
    except InvalidReferenceError as exc:
        raise ImageSetError(f"release {target.version or ''} {exc.message}".strip(), release=target.pullspec) from None
    if ref.digest:
        digest = ref.digest
    else:
        descriptor = client.head_manifest(ref)
        if descriptor is None:
            raise ImageSetError(
                f"mirror.platform.release {target.pullspec} does not exist in its registry: check the pullspec",
                release=target.pullspec,
            )
        digest = descriptor.digest
    target.digest = digest
    target.source = ref.by_digest(digest)


def _unique(client, targets):
    """``targets`` resolved to digests, one per digest (platform.release may name a graph release by tag)."""
    by_digest = {}
    for target in targets:
        _resolve(client, target)
        kept = by_digest.setdefault(target.digest, target)
        if kept is not target:
            kept.channels.extend(c for c in target.channels if c not in kept.channels)
    return list(by_digest.values())


def _fetch_signatures(web, params, target):
    if params.get("signature_dir"):
        target.signatures = signatures.read_from_dir(params["signature_dir"], target.digest)
    else:
        store = params.get("signature_store_url") or signatures.OCP_SIGNATURE_STORE
        target.signatures = signatures.fetch_from_store(web, store, target.digest)


def _judge(targets, certs, skip):
    for target in targets:
        if skip:
            target.verdict = {
                "version": target.version,
                "digest": target.digest,
                "status": signatures.SKIPPED,
                "signatures": len(target.signatures),
                "reason": "skip_signature_verification is set",
                "signer": None,
                "docker_reference": None,
                "location": None,
            }
        else:
            target.verdict = signatures.verdict(target.version, target.digest, target.signatures, certs)
    refused = [t for t in targets if t.verdict["status"] not in (signatures.VERIFIED, signatures.SKIPPED)]
    if refused:
        listed = "; ".join(
            f"{t.version or t.pullspec} ({t.digest}): {t.verdict['status']}, {t.verdict['reason']}" for t in refused
        )
        raise UnverifiedReleaseError(
            f"refusing to mirror: {len(refused)} release(s) without a signature that verifies against "
            f"signature_public_key: {listed}. Nothing was mirrored; fix the signature source, narrow the "
            f"image set, or set skip_signature_verification",
            releases=[t.summary() for t in targets],
        )


def _read_payloads(client, targets):
    for target in targets:
        payload = read_release(RegistrySource(client, str(target.source)))
        version = payload.references.name or payload.name
        if target.version and version != target.version:
            raise ImageSetError(
                f"the update graph names {target.source} release {target.version}, but its payload says "
                f"{version}: the graph or the registry is wrong; nothing was mirrored",
                release=str(target.source),
            )
        target.version = version
        target.arch = mirror_arch(payload.config.get("architecture"), multi=payload.list_digest is not None)
        target.payload = payload


def _additional(client, to, image_set):
    images = []
    for index, entry in enumerate(image_set.additional_images):
        try:
            ref = Reference.parse(entry.name)
        except InvalidReferenceError as exc:
            raise ImageSetConfigError(
                f"image set: mirror.additionalImages[{index}].name: {exc.message}",
                key=f"mirror.additionalImages[{index}].name",
            ) from None
        digest = ref.digest
        if not digest:
            descriptor = client.head_manifest(ref)
            if descriptor is None:
                raise ImageSetError(
                    f"image set: mirror.additionalImages[{index}] {entry.name} does not exist in its registry",
                    key=f"mirror.additionalImages[{index}].name",
                )
            digest = descriptor.digest
        images.append(additional_image(to, entry, ref, digest))
    return images


def _drop_blocked(image_set, images):
    kept, blocked = [], []
    for image in images:
        rule = image_set.blocked_by(str(image.source)) or image_set.blocked_by(image.name)
        if rule is None:
            kept.append(image)
        else:
            blocked.append({"image": str(image.source), "name": image.name, "pattern": rule.name})
    return kept, blocked


def _keyring(params):
    if params.get("skip_signature_verification"):
        return None
    if not params.get("signature_public_key"):
        raise SignatureError(
            "signature_public_key is required to verify the release signatures: give the OpenPGP "
            "public key that signs the releases, or set skip_signature_verification"
        )
    return signatures.load_keyring(params["signature_public_key"])


def mirror_image_set(params, check_mode=False):
    """Run the image-set mirror ``params`` (the module's options) describe; the module's result.

    Raises ImageSetError (configuration, graph, signatures), the registry client's
    RegistryError and the release reader's ReleaseError."""
    started = time.monotonic()
    image_set = load_image_set(params.get("image_set_file"), params.get("image_set"))
    to = destination_repository(params["to"])
    certs = _keyring(params)
    skip = certs is None
    parallelism = params["parallelism"]
    web = WebClient(
        ca_file=params.get("ca_file"),
        insecure_hosts=params.get("insecure_registries") or (),
        connect_timeout=params["registry_connect_timeout"],
        read_timeout=params["registry_read_timeout"],
    )
    client = RegistryClient.from_params(params, max_connections=max(16, parallelism * 2))
    pool = make_pool(parallelism)
    try:
        selections = _selections(image_set, web, params.get("graph_url"))
        targets = _unique(client, _targets(selections, image_set))
        for target in targets:
            _fetch_signatures(web, params, target)
        _judge(targets, certs, skip)
        _read_payloads(client, targets)
        images = []
        for target in targets:
            images.extend(
                release_images(
                    to,
                    target.version,
                    target.arch,
                    target.source,
                    target.digest,
                    target.payload.references.images(),
                )
            )
        extra = _additional(client, to, image_set)
        images, blocked = _drop_blocked(image_set, images + extra)
        endpoint = RegistryEndpoint(client)
        present = inspect(pool, images, endpoint, endpoint)
        plan = plan_mirror(images, present)
        counters = Counters()
        if not check_mode and plan.missing_images:
            execute(pool, plan, endpoint, endpoint, counters)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        client.close()
        web.close()

    by_digest = {(i.kind, i.digest): i for i in images}
    releases = []
    for target in targets:
        summary = target.summary()
        mirrored = by_digest.get((RELEASE, target.digest))
        summary["destination"] = f"{mirrored.repo}@{mirrored.digest}" if mirrored else None
        summary["destination_tag"] = mirrored.destination if mirrored else None
        releases.append(summary)
    result = {
        "channels": [selection.as_dict() for selection in selections],
        "releases": releases,
        "additional_images": [
            {"name": i.name, "source": str(i.source), "destination": i.destination}
            for i in extra
            if any(i is kept for kept in images)
        ],
        "blocked": blocked,
        "plan": plan.summary(),
        "copied": counters.as_dict(),
    }
    result.update(outputs.build(images))
    result["signature_configmaps"] = outputs.signature_configmaps(
        [(t.digest, [data for _location, data in t.signatures]) for t in targets if t.signatures]
    )
    result["files"] = []
    written = []
    if params.get("output_dir") and not check_mode:
        result["files"], written = outputs.write_files(params["output_dir"], outputs.render_files(result))
    result["changed"] = counters.changed or bool(written) or (check_mode and bool(plan.missing_images))
    result["elapsed_seconds"] = round(time.monotonic() - started, 3)
    return result


def image_set_mirror(ctx):
    """The module's action (``ctx``: a module_runner.ModuleContext)."""
    ctx.require("requests", HAS_REQUESTS)
    if ctx.params["parallelism"] < 1:
        raise ImageSetConfigError(
            f"parallelism must be at least 1, not {ctx.params['parallelism']}", parallelism=ctx.params["parallelism"]
        )
    return mirror_image_set(ctx.params, check_mode=ctx.check_mode)
