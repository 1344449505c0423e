# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Options of the modules that talk to container registries. The matching argument_spec is
# REGISTRY_AUTH_ARG_SPEC in plugins/module_utils/registry/args.py: keep both in step.


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  auth_file:
    description:
      - Path of a registry auth file on the controller, in the format of podman's
        C(auth.json), docker's C(config.json) or an OpenShift pull secret
        (the content of the C(.dockerconfigjson) key of C(openshift-config/pull-secret)).
      - 'Its C(auths) map has one entry per registry, holding C(auth) (base64 of
        C(user:password)), or C(username) and C(password), and optionally an
        C(identitytoken).'
      - Keys are a registry (C(quay.io), C(registry.example.com:5000)) or a registry with a
        namespace (C(quay.io/openshift-release-dev)); the most specific key matching an
        image's repository is used, as containers-auth.json(5) describes.
      - If credentials for a registry are not in this file, the podman search order
        continues with C($XDG_CONFIG_HOME/containers/auth.json), C(~/.docker/config.json)
        and C(~/.dockercfg). Without I(auth_file) the search starts with
        C($XDG_RUNTIME_DIR/containers/auth.json).
      - Credential helpers (C(credHelpers), C(credsStore)) are not run.
      - If not set, the environment variable C(REGISTRY_AUTH_FILE) is used.
    type: path
  registry_username:
    description:
      - User name for every registry the module talks to, instead of the auth files.
      - Must be given with I(registry_password). To use different credentials for
        different registries (source and destination of a mirror), use I(auth_file).
    type: str
  registry_password:
    description:
      - Password (or token) for I(registry_username).
    type: str
  ca_file:
    description:
      - Path of a PEM file with CA certificates to trust, in addition to the default CA
        bundle, when verifying the registries' TLS certificates.
      - Use it for registries whose certificate is signed by a private CA (a
        disconnected mirror registry, for example).
    type: path
  insecure_registries:
    description:
      - Registries (C(host) or C(host:port)) to contact without TLS verification, or over
        plain HTTP if they do not speak TLS. A C(host) entry covers every port of that host.
      - Every other registry is contacted over HTTPS with certificate verification.
    type: list
    elements: str
    default: []
  registry_retries:
    description:
      - How many times a failed registry request is retried, after the first attempt.
      - Retried are HTTP 408, 429 and 5xx answers and connection failures (refused,
        reset, timed out), with exponential backoff (0.5 s, 1 s, 2 s, ... up to 30 s) or as
        long as a C(Retry-After) header asks (up to 120 s). A blob upload or download that
        breaks off is restarted or resumed as many times.
      - C(0) makes one attempt only, so a registry that is down fails at once.
    type: int
    default: 5
  registry_connect_timeout:
    description:
      - Seconds to wait for a connection to a registry (or its token service) to be
        established, for each attempt. At least C(1).
    type: float
    default: 15
  registry_read_timeout:
    description:
      - Seconds to wait for the next bytes of a registry's answer before the attempt
        counts as failed (and is retried, see I(registry_retries)). At least C(1).
      - It bounds a pause in a transfer, not the length of the transfer.
    type: float
    default: 120
notes:
  - Credentials are never returned, logged or shown in error messages; errors name the
    registry and the auth file the credentials came from.
  - Registry requests are retried with exponential backoff on HTTP 408, 429 and 5xx
    answers and on connection failures, waiting as long as a C(Retry-After) header asks;
    I(registry_retries) sets how often.
requirements:
  - requests (a dependency of the kubernetes Python client)
"""
