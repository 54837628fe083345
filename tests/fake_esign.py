"""A tiny signing service on 127.0.0.1 in a thread, in the shape of BSrE's e-sign API, and a
timestamp authority (RFC 3161) beside it.

``POST /api/sign/pdf`` (multipart: ``file``, ``nik``, ``passphrase``, ``tampilan``) answers the
PDF signed with a test certificate; ``mode`` makes it misbehave: ``"500"`` (a JSON error),
``"garbage"`` (200 with bytes that are no PDF), ``"unsigned"`` (200 with the PDF unchanged),
``"slow"`` (answers only when stopped, or after ``SLOW_S``). A wrong passphrase gets 401 with a
JSON message, as BSrE does. ``POST /tsa`` stamps timestamp requests with the test TSA.
"""
from __future__ import annotations

import io
import json
import threading
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SLOW_S = 10
SIGN_PATH = "/api/sign/pdf"
TSA_PATH = "/tsa"


@dataclass
class Seen:
    fields: dict = field(default_factory=dict)


class FakeESign:
    def __init__(self, *, p12: bytes, password: bytes, nik: str, passphrase: str,
                 tsa_cert=None, tsa_key=None, tsa_chain=()):
        self.p12, self.password = p12, password
        self.nik, self.passphrase = nik, passphrase
        self.mode = "ok"
        self.tsa_time = None  # a fixed time for the timestamps (datetime), else now
        self.requests: list[Seen] = []
        self._release = threading.Event()
        self._tsa = (tsa_cert, tsa_key, list(tsa_chain))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def sign_url(self) -> str:
        return self.base + SIGN_PATH

    @property
    def tsa_url(self) -> str:
        return self.base + TSA_PATH

    def start(self) -> "FakeESign":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    # -- what the service does

    def _sign(self, pdf: bytes) -> bytes:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers

        signer = signers.SimpleSigner.load_pkcs12_data(self.p12, (), self.password)
        meta = signers.PdfSignatureMetadata(field_name="BSrE", md_algorithm="sha256",
                                            subfilter=fields.SigSeedSubFilter.PADES)
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        return signers.sign_pdf(writer, meta, signer=signer).getvalue()

    def _stamp(self, query: bytes) -> bytes:
        from asn1crypto import keys, tsp
        from cryptography.hazmat.primitives import serialization
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

        cert, key, chain = self._tsa
        der = serialization.Encoding.DER
        key_info = keys.PrivateKeyInfo.load(key.private_bytes(
            der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        from asn1crypto import x509 as asn1_x509

        stamper = DummyTimeStamper(
            tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(der)), tsa_key=key_info,
            certs_to_embed=[asn1_x509.Certificate.load(c.public_bytes(der)) for c in chain],
            fixed_dt=self.tsa_time)
        return stamper.request_tsa_response(tsp.TimeStampReq.load(query)).dump()

    def _handler(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _reply(self, status: int, body: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, data: dict) -> None:
                self._reply(status, json.dumps(data).encode(), "application/json")

            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if self.path == TSA_PATH:
                    return self._reply(200, service._stamp(body),
                                       "application/timestamp-reply")
                if self.path != SIGN_PATH:
                    return self._json(404, {"error": "not found"})
                msg = BytesParser(policy=HTTP).parsebytes(
                    b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n"
                    + body)
                fields_ = {}
                for part in msg.iter_parts():
                    name = part.get_param("name", header="content-disposition")
                    fields_[name] = part.get_payload(decode=True)
                service.requests.append(Seen(fields_))
                mode = service.mode
                if mode == "slow":
                    service._release.wait(SLOW_S)
                    return self._json(504, {"error": "late"})
                if mode == "500":
                    return self._json(500, {"error": "Internal server error: java.lang.Null"
                                                     "PointerException at SignService"})
                if (fields_.get("nik", b"").decode() != service.nik
                        or fields_.get("passphrase", b"").decode() != service.passphrase):
                    return self._json(401, {"error": "Passphrase anda salah",
                                            "status_code": 2031})
                if mode == "garbage":
                    return self._reply(200, b"<html>Maintenance</html>", "text/html")
                pdf = fields_["file"]
                if mode == "unsigned":
                    return self._reply(200, pdf, "application/pdf")
                return self._reply(200, service._sign(pdf), "application/pdf")

        return Handler
