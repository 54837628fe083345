"""Certificates made for the tests (cryptography): a CA, signers valid, expired, not yet valid,
revoked (with the CA's CRL), one whose key may not sign, and a timestamp authority.

Everything is made once per test session (``pki()``); keys are EC P-256 (fast), one signer is
RSA 2048, as BSrE's certificates are.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PASSWORD = b"sandi-sertifikat-uji"
SIGNER_NAME = "Siti Rahmawati"
OFFICE = "BPS Kota Lubuklinggau"
DER = serialization.Encoding.DER


def _name(cn: str, org: str = OFFICE) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])


def _usage(*, sign: bool = True, cert_sign: bool = False, encipher: bool = False):
    return x509.KeyUsage(
        digital_signature=sign, content_commitment=sign, key_encipherment=encipher,
        data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign,
        crl_sign=cert_sign, encipher_only=False, decipher_only=False)


@dataclass(frozen=True)
class Issued:
    cert: x509.Certificate
    key: object

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(DER)

    def p12(self, ca: "Issued | None" = None, password: bytes | None = PASSWORD) -> bytes:
        enc = (serialization.BestAvailableEncryption(password) if password
               else serialization.NoEncryption())
        return pkcs12.serialize_key_and_certificates(
            b"signer", self.key, self.cert, [ca.cert] if ca else None, enc)


def _issue(subject: x509.Name, *, issuer: Issued | None, key=None, days=(-1, 365),
           ca=False, usage=None, eku=None) -> Issued:
    key = key or ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    signing_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=days[0]))
        .not_valid_after(now + dt.timedelta(days=days[1]))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(usage or _usage(sign=not ca, cert_sign=ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            signing_key.public_key()), critical=False)
    )
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=True)
    return Issued(builder.sign(signing_key, hashes.SHA256()), key)


@dataclass(frozen=True)
class Pki:
    ca: Issued
    signer: Issued
    rsa_signer: Issued
    expired: Issued
    not_yet: Issued
    revoked: Issued
    no_signing: Issued
    tsa: Issued
    crl_der: bytes
    other_ca: Issued
    stranger: Issued  # a valid signer under other_ca (not trusted when only ca is)


@functools.cache
def pki() -> Pki:
    ca = _issue(_name("Rekomstat Uji CA", "Rekomstat Uji"), issuer=None, ca=True,
                days=(-30, 3650))
    signer = _issue(_name(SIGNER_NAME), issuer=ca)
    rsa_signer = _issue(_name(SIGNER_NAME), issuer=ca,
                        key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    expired = _issue(_name("Pejabat Lama"), issuer=ca, days=(-400, -10))
    not_yet = _issue(_name("Pejabat Baru"), issuer=ca, days=(10, 400))
    revoked = _issue(_name("Pejabat Dicabut"), issuer=ca)
    no_signing = _issue(_name("Server Surel"), issuer=ca,
                        usage=_usage(sign=False, encipher=True))
    # RSA: pyHanko's test TSA (DummyTimeStamper, in tests/fake_esign.py) signs only with RSA.
    tsa = _issue(_name("Rekomstat Uji TSA", "Rekomstat Uji"), issuer=ca,
                 key=rsa.generate_private_key(public_exponent=65537, key_size=2048),
                 usage=_usage(sign=True), eku=[ExtendedKeyUsageOID.TIME_STAMPING])
    now = dt.datetime.now(dt.timezone.utc)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.cert.subject)
        .last_update(now - dt.timedelta(hours=1))
        .next_update(now + dt.timedelta(days=7))
        .add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(revoked.cert.serial_number)
            .revocation_date(now - dt.timedelta(hours=2))
            .build())
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            ca.key.public_key()), critical=False)
        .add_extension(x509.CRLNumber(1), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    other_ca = _issue(_name("CA Lain", "Penerbit Lain"), issuer=None, ca=True,
                      days=(-30, 3650))
    stranger = _issue(_name("Orang Lain", "Instansi Lain"), issuer=other_ca)
    return Pki(ca, signer, rsa_signer, expired, not_yet, revoked, no_signing, tsa,
               crl.public_bytes(DER), other_ca, stranger)
