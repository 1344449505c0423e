"""Layer shapes of the lab's payloads beyond the uniform ones: a release shaped like a real one.

`labctl up --size large` writes 180 components of three ~2-8 MiB layers, no two components
sharing their own layer: a cold mirror of it measures per-request cost only. The
`realistic` profile is shaped the way an OCP payload is (`oc adm release info --size` on
4.1x payloads: a few base layers of tens of MB shared by nearly every component, each
component adding one to three layers of 100 KB to ~100 MB, an rpm-ostree chunked OS image of
~50 layers), so that a mirror is measured on bytes as well as requests:

* base: `rhel9-base` 40 MiB and `rhel9-runtime` 20 MiB, shared by every component;
* shared: three 15 MiB layers, each shared by a third of the components;
* per component: 1-3 own layers, sizes log-skewed between 100 KiB and 100 MiB
  (median ~0.25 MiB, tens of MiB for a handful of components; ~1.9 GiB in all);
* the OS image: the bootable busybox rootfs + 49 chunk layers (one 200 MiB, the others
  2-40 MiB), ~1.2 GiB; with the base and shared layers, ~3.2 GiB in 379 layers.

Random content is incompressible, so generating and gzipping a few GB takes minutes: each
generated layer is kept in `<cache>/payload-layers/` (keyed by its seed, arch and size) and
read back on the next `labctl up`; the registry skips blobs it already holds.
"""

import hashlib
import json
import os
import random

from . import oci
from .config import cache_dir

KIB = 1024
BASE_LAYERS = (("rhel9-base", 40 * KIB), ("rhel9-runtime", 20 * KIB))  # (name, KiB)
SHARED_LAYERS = (("ca-trust", 15 * KIB), ("tools", 15 * KIB), ("runtime", 15 * KIB))
OS_CHUNKS = 49


def own_layer_kib(seed, tag):
    """KiB of each of a component's own layers: 1-3 layers, 100 KiB..100 MiB, skewed small."""
    rng = random.Random(f"okdlab-profile:{seed}:{tag}")
    count = rng.choice((1, 1, 2, 2, 3))
    return [int(100 * 1000 ** (rng.random() ** 3)) for _unused in range(count)]


def os_chunk_kib(seed):
    """KiB of the OS image's chunk layers: one 200 MiB chunk, the others 2-40 MiB."""
    rng = random.Random(f"okdlab-os-chunks:{seed}")
    return [200 * KIB] + [rng.randint(2 * KIB, 40 * KIB) for _unused in range(OS_CHUNKS - 1)]


def shape(seed, tags):
    """{layers, bytes} totals of the realistic profile for `tags` (for the benchmark README)."""
    own = sum(sum(own_layer_kib(seed, t)) for t in tags)
    fixed = sum(k for _n, k in BASE_LAYERS + SHARED_LAYERS) + sum(os_chunk_kib(seed))
    layers = len(BASE_LAYERS) + len(SHARED_LAYERS) + OS_CHUNKS + sum(len(own_layer_kib(seed, t)) for t in tags)
    return {"layers": layers, "bytes": (own + fixed) * KIB}


def random_layer(seed, arch, name, kib, path, make_layer, tar_file, layer_type):
    """The gzip layer holding `path` = `kib` KiB of seeded random bytes, from the disk cache when
    an earlier run made it (same seed/arch/name/kib/path -> same bytes -> same digest)."""
    key = hashlib.sha256(json.dumps([seed, arch, name, kib, path]).encode()).hexdigest()[:32]
    directory = os.path.join(cache_dir(), "payload-layers")
    blob_file, meta_file = os.path.join(directory, key + ".gz"), os.path.join(directory, key + ".json")
    try:
        with open(meta_file, encoding="utf-8") as handle:
            meta = json.load(handle)
        with open(blob_file, "rb") as handle:
            blob = handle.read()
        if oci.sha256_digest(blob) == meta["digest"]:
            return layer_type(blob, meta["digest"], meta["diff_id"])
    except (OSError, ValueError, KeyError):
        pass
    data = random.Random(f"okdlab:{seed}:{arch}:{name}").randbytes(kib * KIB)
    layer = make_layer({path: tar_file(data)})
    os.makedirs(directory, exist_ok=True)
    for target, content in (
        (blob_file, layer.blob),
        (meta_file, json.dumps({"digest": layer.digest, "diff_id": layer.diff_id}).encode()),
    ):
        with open(target + ".tmp", "wb") as handle:
            handle.write(content)
        os.replace(target + ".tmp", target)
    return layer
