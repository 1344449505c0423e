# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The actions of release_info, release_extract and release_new (one each).

Each takes a :class:`~..module_runner.ModuleContext` and returns the module's result;
errors are raised (:class:`~.errors.ReleaseError`, the registry's errors), and the module
runner turns them into the failure result.
"""

import os

from ansible_collections.okd.machine_os.plugins.module_utils.registry.client import HAS_REQUESTS, RegistryClient
from ansible_collections.okd.machine_os.plugins.module_utils.registry.errors import RegistryError
from ansible_collections.okd.machine_os.plugins.module_utils.release.errors import ReleaseError
from ansible_collections.okd.machine_os.plugins.module_utils.release.extract import (
    apply_plan,
    diff_of,
    plan_extract,
    select_files,
    wanted,
)
from ansible_collections.okd.machine_os.plugins.module_utils.release.info import release_report
from ansible_collections.okd.machine_os.plugins.module_utils.release.loader import load_release
from ansible_collections.okd.machine_os.plugins.module_utils.release.new import (
    plan_release,
    push_release,
    target_digest,
)


def release_info(ctx):
    payload = load_release(ctx)
    report = release_report(payload, image_for=ctx.params["image_for"])
    for warning in report["release_warnings"] + report["notices"]:
        ctx.warn(warning)
    return dict(changed=False, **report)


def release_extract(ctx):
    params = ctx.params
    what, files = params["what"], params["files"]
    to = os.path.abspath(params["to"])
    payload = load_release(ctx, keep=wanted(what, files))
    names = select_files(payload.file_names, what, files, payload.image)
    plans = plan_extract(to, payload.contents, names)
    created = False
    if not ctx.check_mode:
        created = apply_plan(to, plans, payload.contents)
    written = [p.name for p in plans if p.state != "unchanged"]
    result = {
        "changed": bool(written) or created or (ctx.check_mode and not os.path.isdir(to)),
        "name": payload.name,
        "digest": payload.release_digest,
        "to": to,
        "files": [p.as_dict() for p in plans],
        "written": written,
        "unchanged": [p.name for p in plans if p.state == "unchanged"],
    }
    if ctx.diff:
        result["diff"] = diff_of(to, plans)
    return result


def release_new(ctx):
    params = ctx.params
    ctx.require("requests", HAS_REQUESTS)
    try:
        with RegistryClient.from_params(params) as client:
            plan = plan_release(client, params)
            digest = plan.assembled.manifest_digest
            changed = target_digest(client, plan) != digest
            if changed and not ctx.check_mode:
                pushed = push_release(client, plan)
                if pushed != digest:
                    raise ReleaseError(f"pushed {pushed}, expected {digest}")
    except RegistryError as exc:
        raise exc.prefixed(f"release_new from {params['from_release']} to {params['to_image']}") from None
    return {
        "changed": changed,
        "digest": digest,
        "pullspec": str(plan.target.by_digest(digest)),
        "tag_pullspec": str(plan.target),
        "name": plan.name,
        "created": plan.created,
        "reproduced": plan.reproduce,
        "image_references": plan.assembled.image_references,
        "release_metadata": plan.assembled.release_metadata,
    }
