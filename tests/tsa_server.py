"""An RFC 3161 time-stamping authority on localhost for the tests: OpenSSL's `openssl ts -reply` behind a small
HTTP front (RFC 3161 section 3.4: a POSTed application/timestamp-query, answered as application/timestamp-reply).

The TSA has its own CA (not casefiles'), an RSA key and a certificate with the critical extendedKeyUsage
timeStamping, made fresh in a folder for each use."""

from __future__ import annotations

import datetime as dt
import http.server
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

OPENSSL = shutil.which("openssl")
CONFIG = """\
[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
dir = {folder}
serial = $dir/serial
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa-key.pem
certs = $dir/tsa-ca.pem
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


@dataclass(frozen=True)
class TestTsa:
    url: str
    folder: Path
    ca_pem: bytes  # the TSA's CA: what `openssl ts -verify -CAfile` needs
    requests: list[bytes]  # every request body received, in order

    __test__ = False  # not a test class, whatever its name


@contextmanager
def running_tsa(certificate_days: int = 365 * 10) -> Iterator[TestTsa]:
    """Start the TSA on a free port of 127.0.0.1; stop it and remove its folder on leaving. Its certificate
    expires `certificate_days` from now."""
    assert OPENSSL is not None, "openssl is needed (scripts/test.sh installs it)"
    with tempfile.TemporaryDirectory(prefix="casefiles-tsa-") as work:
        folder = Path(work)
        ca_pem = _make_keys(folder, certificate_days)
        (folder / "openssl.cnf").write_text(CONFIG.format(folder=folder), encoding="ascii")
        (folder / "serial").write_text("01\n", encoding="ascii")
        received: list[bytes] = []
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(folder, received))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield TestTsa(f"http://127.0.0.1:{server.server_port}/tsa", folder, ca_pem, received)
        finally:
            server.shutdown()
            server.server_close()
            thread.join()


def _handler(folder: Path, received: list[bytes]) -> type[http.server.BaseHTTPRequestHandler]:
    lock = threading.Lock()  # `openssl ts -reply` keeps its serial number in a file

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.headers.get_content_type() != "application/timestamp-query":
                self.send_error(415)
                return
            query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            received.append(query)
            with lock:
                (folder / "query.tsq").write_bytes(query)
                subprocess.run(
                    [
                        str(OPENSSL),
                        "ts",
                        "-reply",
                        "-config",
                        str(folder / "openssl.cnf"),
                        "-queryfile",
                        str(folder / "query.tsq"),
                        "-out",
                        str(folder / "reply.tsr"),
                    ],
                    check=True,
                    capture_output=True,
                )
                reply = (folder / "reply.tsr").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet tests

    return Handler


def _make_keys(folder: Path, certificate_days: int) -> bytes:
    now = dt.datetime.now(dt.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA Root")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * 20))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test TSA")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=certificate_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem = ca.public_bytes(serialization.Encoding.PEM)
    (folder / "tsa-ca.pem").write_bytes(ca_pem)
    (folder / "tsa.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "tsa-key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return ca_pem
