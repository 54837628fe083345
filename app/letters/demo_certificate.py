"""A self-made demo certificate authority and an office signer, for ``flask seed-demo``.

Demo offices have no certificate from BSrE, yet their issued letters should be signed so that
``/verify`` can be shown end to end. The CA made here says in its own subject that it is a
demo (``O=Rekomstat DEMO — bukan sertifikat resmi``) and the office certificate repeats it in
its ``OU``; ``signature_check.check`` reports such a signature as ``demo``. Names are fixed (the
same office gets the same subject every time); keys are generated fresh on every call and never
stored by this module.

EC P-256: pyHanko signs with ECDSA as readily as with RSA, and a P-256 key is made and used in
well under a millisecond (an RSA 2048 key takes tens of milliseconds to make).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

DEMO_ORG = "Rekomstat DEMO \u2014 bukan sertifikat resmi"
DEMO_CA_NAME = "Rekomstat DEMO CA"
COUNTRY = "ID"


@dataclass(frozen=True)
class DemoCA:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def cert_der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def cert_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


@dataclass(frozen=True)
class DemoSigner:
    """An office's demo signing certificate: the PKCS#12 bytes, their password, and the CA."""

    p12: bytes
    password: bytes | None
    ca: DemoCA
    certificate: x509.Certificate


def demo_ca_subject() -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, COUNTRY),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEMO_ORG),
        x509.NameAttribute(NameOID.COMMON_NAME, DEMO_CA_NAME),
    ])


def signer_subject(signer_name: str, office_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, COUNTRY),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, office_name),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEMO_ORG),
        x509.NameAttribute(NameOID.COMMON_NAME, signer_name),
    ])


def is_demo_name(name: x509.Name) -> bool:
    """True for the demo CA's subject (or any name whose organisation is the demo marker)."""
    return any(a.value == DEMO_ORG for a in name.get_attributes_for_oid(
        NameOID.ORGANIZATION_NAME))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def make_demo_ca(*, valid_days: int = 3650) -> DemoCA:
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    name = demo_ca_subject()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    return DemoCA(cert, key)


def make_office_signer(
    *, signer_name: str, office_name: str, ca: DemoCA | None = None,
    password: bytes | None = None, valid_days: int = 730,
) -> DemoSigner:
    """A signing certificate (digitalSignature + nonRepudiation) for ``signer_name`` of
    ``office_name``, issued by ``ca`` (a new demo CA when none is given), as PKCS#12 bytes that
    carry the CA certificate too, so that signatures embed the whole chain."""
    ca = ca or make_demo_ca()
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(signer_subject(signer_name, office_name))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(min(now + dt.timedelta(days=valid_days),
                             ca.certificate.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            ca.key.public_key()), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    encryption = (serialization.BestAvailableEncryption(password) if password
                  else serialization.NoEncryption())
    p12 = pkcs12.serialize_key_and_certificates(
        name=signer_name.encode("utf-8"), key=key, cert=cert, cas=[ca.certificate],
        encryption_algorithm=encryption,
    )
    return DemoSigner(p12=p12, password=password, ca=ca, certificate=cert)
