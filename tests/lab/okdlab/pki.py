"""The lab's certificates, made with the openssl CLI (no Python crypto dependency).

One CA signs: the registries' and the apiserver's serving certificate (SAN 127.0.0.1 and
localhost), the cluster-admin client certificate (O=system:masters), and the apiserver's
service-account signing key pair is generated beside them.
"""

import os
import subprocess


class PkiError(RuntimeError):
    pass


def _openssl(*args, cwd):
    proc = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise PkiError(f"openssl {args[0]} failed: {proc.stderr.strip()}")


def _sign(pki_dir, name, subject, extensions):
    ext_file = os.path.join(pki_dir, f"{name}.ext")
    with open(ext_file, "w", encoding="utf-8") as f:
        f.write(extensions)
    _openssl(
        "req",
        "-new",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        f"{name}.key",
        "-out",
        f"{name}.csr",
        "-subj",
        subject,
        cwd=pki_dir,
    )
    _openssl(
        "x509",
        "-req",
        "-in",
        f"{name}.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "3650",
        "-sha256",
        "-out",
        f"{name}.crt",
        "-extfile",
        ext_file,
        cwd=pki_dir,
    )


def ensure(pki_dir):
    """Create (once) the CA, serving, client and service-account keys; return their paths."""
    os.makedirs(pki_dir, mode=0o700, exist_ok=True)
    paths = {
        "ca": os.path.join(pki_dir, "ca.crt"),
        "serving_cert": os.path.join(pki_dir, "serving.crt"),
        "serving_key": os.path.join(pki_dir, "serving.key"),
        "admin_cert": os.path.join(pki_dir, "admin.crt"),
        "admin_key": os.path.join(pki_dir, "admin.key"),
        "sa_key": os.path.join(pki_dir, "sa.key"),
        "sa_pub": os.path.join(pki_dir, "sa.pub"),
    }
    if all(os.path.exists(p) for p in paths.values()):
        return paths
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "3650",
        "-sha256",
        "-subj",
        "/CN=okd-machine-os lab CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        cwd=pki_dir,
    )
    _sign(
        pki_dir,
        "serving",
        "/CN=127.0.0.1",
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n",
    )
    _sign(
        pki_dir,
        "admin",
        "/O=system:masters/CN=lab-admin",
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n",
    )
    _openssl("genrsa", "-out", "sa.key", "2048", cwd=pki_dir)
    _openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=pki_dir)
    for name in os.listdir(pki_dir):
        if name.endswith((".key", ".csr", ".ext", ".srl")):
            os.chmod(os.path.join(pki_dir, name), 0o600)
    return paths


def certificate_summary(cert_file):
    """{subject, signer, notBefore, notAfter} of a PEM certificate, as the MCO's template
    controller reports it in ControllerConfig status.controllerCertificates (RFC 3339 times,
    names in the `CN=...` form; pkg/controller/template/status.go)."""
    import datetime  # pylint: disable=import-outside-toplevel

    proc = subprocess.run(
        ["openssl", "x509", "-in", cert_file, "-noout", "-subject", "-issuer", "-startdate", "-enddate",
         "-nameopt", "RFC2253"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    fields = dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line)

    def rfc3339(text):
        when = datetime.datetime.strptime(text.replace("  ", " "), "%b %d %H:%M:%S %Y GMT")
        return when.strftime("%Y-%m-%dT%H:%M:%SZ")

    return {
        "subject": fields["subject"].strip(),
        "signer": fields["issuer"].strip(),
        "notBefore": rfc3339(fields["notBefore"].strip()),
        "notAfter": rfc3339(fields["notAfter"].strip()),
    }
