# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""release_mirror's engine from its options: read the release, plan, execute, write the outputs.

Three directions: registry -> registry (``from_release`` + ``to``), registry -> directory
(``from_release`` + ``to_dir``) and directory -> registry (``from_dir`` + ``to``). The
release is read with the release reader (image-references: every component by digest);
its components, its sigstore signature (when the source has one) and the release image
itself become ``MirrorImage``s; ``execute.inspect`` / ``plan.plan_mirror`` /
``execute.execute`` do the rest. In check mode the plan is computed and nothing is written.
"""

import time

from ansible_collections.okd.machine_os.plugins.module_utils.k8s.errors import KubernetesError
from ansible_collections.okd.machine_os.plugins.module_utils.mirror import outputs as mirror_outputs
from ansible_collections.okd.machine_os.plugins.module_utils.mirror.apply import apply_objects
from ansible_collections.okd.machine_os.plugins.module_utils.mirror.execute import (
    Counters,
    RegistryEndpoint,
    execute,
    inspect,
    make_pool,
)
from ansible_collections.okd.machine_os.plugins.module_utils.mirror.layout import (
    MIRROR_INDEX_KIND,
    MIRROR_INDEX_VERSION,
    LayoutDestination,
    LayoutSource,
    read_mirror_index,
)
from ansible_collections.okd.machine_os.plugins.module_utils.mirror.naming import (
    component_tag,
    destination_repository,
    mirror_arch,
    release_destination,
    release_tag,
    signature_tag,
)
from ansible_collections.okd.machine_os.plugins.module_utils.mirror.plan import (
    COMPONENT,
    RELEASE,
    SIGNATURE,
    MirrorImage,
    plan_mirror,
)
from ansible_collections.okd.machine_os.plugins.module_utils.registry.client import HAS_REQUESTS, RegistryClient
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import RegistryError
from ansible_collections.okd.machine_os.plugins.module_utils.registry.reference import Reference
from ansible_collections.okd.machine_os.plugins.module_utils.release.errors import ReleaseError
from ansible_collections.okd.machine_os.plugins.module_utils.release.reader import read_release
from ansible_collections.okd.machine_os.plugins.module_utils.release.source import OCILayoutSource, RegistrySource


class MirrorError(ReleaseError):
    """A mirror request that cannot be carried out as given (options, directory state)."""


def _release_source(params, client):
    """(ReleasePayload, image source, release source Reference by digest, mirror-index or None)."""
    if params.get("from_dir"):
        index = read_mirror_index(params["from_dir"])
        release = index["release"]
        payload = read_release(OCILayoutSource(params["from_dir"], ref_name=release.get("tag")))
        source_ref = Reference.parse(release["source"])
        if source_ref.digest != payload.release_digest:
            raise MirrorError(
                f"from_dir {params['from_dir']}: mirror-index.json names release {release['source']} "
                f"but the layout's {release.get('tag')} is {payload.release_digest}: the directory "
                f"is inconsistent; write it again with release_mirror (to_dir)",
                from_dir=params["from_dir"],
            )
        return payload, LayoutSource(params["from_dir"]), source_ref, index
    payload = read_release(RegistrySource(client, params["from_release"]))
    return (
        payload,
        RegistryEndpoint(client),
        Reference.parse(params["from_release"]).by_digest(payload.release_digest),
        None,
    )


def _images(
    payload,
    source,
    release_ref,
    version,
    arch,
    component_repo,
    release_repo,
    release_dest_tag,
    registry,
    release_registry,
    signatures,
):
    images = []
    for name, pullspec in payload.references.images().items():
        ref = Reference.parse(pullspec)
        images.append(
            MirrorImage(name, COMPONENT, ref, ref.digest, component_repo, component_tag(version, arch, name), registry)
        )
    if signatures:
        tag = signature_tag(payload.release_digest)
        found = source.signature(release_ref, payload.release_digest, tag)
        if found is not None:
            images.append(MirrorImage(tag, SIGNATURE, found[0], found[1], release_repo, tag, release_registry))
    images.append(
        MirrorImage(
            version, RELEASE, release_ref, payload.release_digest, release_repo, release_dest_tag, release_registry
        )
    )
    return images


def _mirror_index(version, arch, release_ref, images):
    release = next(i for i in images if i.kind == RELEASE)
    return {
        "kind": MIRROR_INDEX_KIND,
        "version": MIRROR_INDEX_VERSION,
        "release": {
            "version": version,
            "arch": arch,
            "digest": release.digest,
            "tag": release.tag,
            "source": str(release_ref),
            "source_repository": release_ref.name,
        },
        "images": [
            {"name": i.name, "kind": i.kind, "tag": i.tag, "digest": i.digest, "source": str(i.source)}
            for i in images
            if i.kind != RELEASE
        ],
    }


def _check_destinations(client, images, to_dir):
    """One authenticated request to each destination registry before the parallel phase.

    Not needed for correctness (the client learns auth schemes safely from concurrent first
    requests); kept because it fails early, with one clear error, on a destination that is
    unreachable or rejects the credentials, instead of from inside hundreds of parallel
    requests. The source registries are already reached by reading the release.
    """
    if to_dir:
        return
    registries = []
    for image in images:
        if image.registry and image.registry not in registries:
            registries.append(image.registry)
    for registry in registries:
        client.ping(registry)


def read_signature_files(paths):
    """The bytes of each signature file, in order; unreadable or empty files are refused."""
    signatures = []
    for path in paths or ():
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise MirrorError(
                f"signature_files: cannot read {path}: {exc.strerror or exc}", signature_file=path
            ) from None
        if not data:
            raise MirrorError(
                f"signature_files: {path} is empty: a release signature is a GPG-signed "
                f'"atomic container signature" blob',
                signature_file=path,
            )
        signatures.append(data)
    return signatures


def mirror_release(params, check_mode=False):
    """Run the mirror the module's ``params`` describe; the module's result keys (``changed`` included).

    Raises ReleaseError (payload, directory, options) and the registry client's RegistryError.
    """
    started = time.monotonic()
    parallelism = max(1, int(params.get("parallelism") or 8))
    to, to_dir = params.get("to"), params.get("to_dir")
    if params.get("from_dir") and to_dir:
        raise MirrorError(
            "from_dir and to_dir are both set: mirror a directory to a registry (from_dir + to) "
            "or a release to a directory (from_release + to_dir)"
        )
    if params.get("from_dir") and not to:
        raise MirrorError("from_dir needs to: the destination repository, like mirror.example.com:5000/ocp4/openshift4")
    to_repo = destination_repository(to) if to else None
    signatures = read_signature_files(params.get("signature_files"))
    client = RegistryClient.from_params(params, max_connections=max(16, parallelism * 2))
    pool = make_pool(parallelism)
    try:
        payload, source, release_ref, index = _release_source(params, client)
        version = payload.references.name or payload.name
        arch = mirror_arch(payload.config.get("architecture"), multi=payload.list_digest is not None)
        intended_release = release_destination(to, params.get("to_release_image"), version, arch) if to else None
        if to_dir:
            destination = LayoutDestination(to_dir)
            destination.prepare(check_mode)
            component_repo = release_repo = destination.repo
            registry = release_registry = None
            release_dest_tag = release_tag(version, arch)
        else:
            destination = RegistryEndpoint(client)
            component_repo, registry = to_repo.name, to_repo.registry
            release_repo, release_registry = intended_release.name, intended_release.registry
            release_dest_tag = intended_release.tag
        images = _images(
            payload,
            source,
            release_ref,
            version,
            arch,
            component_repo,
            release_repo,
            release_dest_tag,
            registry,
            release_registry,
            params.get("signatures", True),
        )
        _check_destinations(client, images, to_dir)
        present = inspect(pool, images, source, destination, verify_source=bool(params.get("from_dir")))
        plan = plan_mirror(images, present)
        counters = Counters()
        index_written = False
        if not check_mode:
            if plan.missing_images:
                execute(pool, plan, source, destination, counters)
            if to_dir:
                index_written = destination.write_mirror_index(_mirror_index(version, arch, release_ref, images))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        client.close()

    release_image = next(i for i in images if i.kind == RELEASE)
    if index is not None:
        release_source_repo = index["release"].get("source_repository") or release_ref.name
    else:
        release_source_repo = release_ref.name
    result = {
        "release": {
            "version": version,
            "arch": arch,
            "digest": release_image.digest,
            "source": str(release_ref),
            "destination": (
                f"{release_image.repo}@{release_image.digest}"
                if not to_dir
                else f"{release_image.repo}:{release_image.tag}"
            ),
            "destination_tag": release_image.destination,
            "signature": next((i.destination for i in images if i.kind == SIGNATURE), None),
        },
        "plan": plan.summary(),
        "copied": counters.as_dict(),
        "files": [],
    }
    content_sources = []
    for image in images:
        if image.kind == COMPONENT and image.source.name not in content_sources:
            content_sources.append(image.source.name)
    outputs = None
    if to_repo is not None:
        outputs = mirror_outputs.build_outputs(
            version,
            release_source_repo,
            intended_release.name,
            content_sources,
            to_repo.name,
            [i for i in images if i.kind != SIGNATURE],
        )
        if to_dir:  # the mapping says where the images are now: the directory
            outputs["mapping"] = mirror_outputs.mapping_lines([i for i in images if i.kind != SIGNATURE])
    elif to_dir:
        outputs = {
            "idms": None,
            "itms": None,
            "icsp": None,
            "install_config": None,
            "mapping": mirror_outputs.mapping_lines([i for i in images if i.kind != SIGNATURE]),
        }
    result.update(outputs)
    result["signature_configmap"] = (
        mirror_outputs.signature_configmap(release_image.digest, signatures) if signatures else None
    )
    files_written = []
    if params.get("output_dir") and not check_mode:
        rendered = mirror_outputs.render_files(outputs) if outputs.get("idms") is not None else {}
        if result["signature_configmap"] is not None:
            rendered[mirror_outputs.SIGNATURE_CONFIGMAP_FILE] = mirror_outputs.dump(result["signature_configmap"])
        if rendered:
            result["files"], files_written = mirror_outputs.write_files(params["output_dir"], rendered)
    result["changed"] = (
        counters.changed or index_written or bool(files_written) or (check_mode and bool(plan.missing_images))
    )
    result["elapsed_seconds"] = round(time.monotonic() - started, 3)
    return result


def release_mirror(ctx):
    """The module's action: mirror, then apply the chosen outputs to the cluster.

    ``ctx`` is a :class:`~..module_runner.ModuleContext`. An apply failure fails the task with
    the mirror's result (the release was mirrored), under the error's own class.
    """
    params = ctx.params
    ctx.require("requests", HAS_REQUESTS)
    if params["parallelism"] < 1:
        raise MirrorError(f"parallelism must be at least 1, not {params['parallelism']}")
    if params["apply"]:
        ctx.require_cluster(why="applying to the cluster (apply: true)")
        if not params["to"] and params["apply_kinds"]:
            raise MirrorError(
                "apply needs to: the mirror configuration to apply names the destination "
                "repository (with to_dir, set to as well)"
            )
    try:
        result = mirror_release(params, check_mode=ctx.check_mode)
    except RegistryError as exc:
        raise exc.prefixed("release mirror failed") from None
    result["applied"] = []
    if params["apply"] and ctx.check_mode and not ctx.server_side_dry_run:
        ctx.warn("check mode: nothing applied - a server-side dry run needs the kubernetes library >= 18.20.0")
    elif params["apply"]:
        objects = [result[kind] for kind in params["apply_kinds"]]
        if result.get("signature_configmap"):
            objects.append(result["signature_configmap"])
        try:
            result["applied"] = apply_objects(ctx.client(why="applying to the cluster (apply: true)"), objects)
        except KubernetesError as exc:
            raise exc.prefixed("the release was mirrored but applying to the cluster failed").with_context(
                **result
            ) from None
        if any(item["action"] != "unchanged" for item in result["applied"]):
            result["changed"] = True
    return result
