"""Codes people read or type: tracking codes and unguessable tokens."""
import secrets

# No 0/O, 1/I/L: codes are read aloud at the desk and typed from paper.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def tracking_code(prefix: str, length: int = 8) -> str:
    """E.g. RKS-7KQ2M9XA. Random, so a code reveals nothing about volume or order."""
    return f"{prefix}-" + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def random_token(nbytes: int = 20) -> str:
    return secrets.token_urlsafe(nbytes)[: nbytes * 4 // 3]
