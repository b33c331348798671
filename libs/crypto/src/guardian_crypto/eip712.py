"""EIP-712 digest and signer recovery for Guardian's EVM wallet login (docs/contracts/auth.md §3.2-3.4).

Typed data ``GuardianEvmSession(address wallet,bytes32 nonce,uint64 issued_at,uint64 expires_at)`` in the
domain {name "Guardian EVM Session", version "1"}: no chainId, so one signature is valid on every chain.
Signatures are 65 bytes r || s || v with v in {0, 1, 27, 28}.

High-s decision: signatures with s > n/2 are **rejected**. Wallets sign with RFC 6979 and normalise to low s,
so honest clients never produce high s; accepting it would give every signature a second valid encoding.
"""

from typing import Any

from guardian_crypto import secp256k1
from guardian_crypto.errors import EcdsaSignatureError
from guardian_crypto.keccak import keccak256

DOMAIN_NAME = "Guardian EVM Session"
DOMAIN_VERSION = "1"
PRIMARY_TYPE = "GuardianEvmSession"
DOMAIN_TYPE = "EIP712Domain(string name,string version)"
SESSION_TYPE = "GuardianEvmSession(address wallet,bytes32 nonce,uint64 issued_at,uint64 expires_at)"
DOMAIN_TYPEHASH = keccak256(DOMAIN_TYPE.encode())
SESSION_TYPEHASH = keccak256(SESSION_TYPE.encode())
DOMAIN_SEPARATOR = keccak256(
    DOMAIN_TYPEHASH + keccak256(DOMAIN_NAME.encode()) + keccak256(DOMAIN_VERSION.encode())
)
_V_TO_RECOVERY_ID = {0: 0, 1: 1, 27: 0, 28: 1}
_U64 = 1 << 64


def _address_bytes(address: str) -> bytes:
    digits = address[2:] if address[:2] in ("0x", "0X") else address
    if len(digits) != 40:
        raise EcdsaSignatureError("an address is 20 bytes of hex")
    try:
        return bytes.fromhex(digits)
    except ValueError as exc:
        raise EcdsaSignatureError("an address is 20 bytes of hex") from exc


def _nonce_bytes(nonce: str | bytes) -> bytes:
    if isinstance(nonce, str):
        digits = nonce[2:] if nonce[:2] in ("0x", "0X") else nonce
        try:
            nonce = bytes.fromhex(digits) if len(digits) == 64 else b""
        except ValueError:
            nonce = b""
    if len(nonce) != 32:
        raise EcdsaSignatureError("a session nonce is 32 bytes")
    return nonce


def session_struct_hash(wallet: str, nonce: str | bytes, issued_at: int, expires_at: int) -> bytes:
    if not (0 <= issued_at < _U64 and 0 <= expires_at < _U64):
        raise EcdsaSignatureError("issued_at and expires_at are uint64")
    return keccak256(
        SESSION_TYPEHASH
        + bytes(12)
        + _address_bytes(wallet)
        + _nonce_bytes(nonce)
        + issued_at.to_bytes(32, "big")
        + expires_at.to_bytes(32, "big")
    )


def session_digest(wallet: str, nonce: str | bytes, issued_at: int, expires_at: int) -> bytes:
    """keccak256(0x19 0x01 || domainSeparator || hashStruct(message))."""
    return keccak256(
        b"\x19\x01" + DOMAIN_SEPARATOR + session_struct_hash(wallet, nonce, issued_at, expires_at)
    )


def session_typed_data(wallet: str, nonce: str, issued_at: int, expires_at: int) -> dict[str, Any]:
    """The typed-data document a wallet passes to ``eth_signTypedData_v4`` (JSON-compatible)."""
    return {
        "types": {
            "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"}],
            PRIMARY_TYPE: [
                {"name": "wallet", "type": "address"},
                {"name": "nonce", "type": "bytes32"},
                {"name": "issued_at", "type": "uint64"},
                {"name": "expires_at", "type": "uint64"},
            ],
        },
        "primaryType": PRIMARY_TYPE,
        "domain": {"name": DOMAIN_NAME, "version": DOMAIN_VERSION},
        "message": {"wallet": wallet, "nonce": nonce, "issued_at": issued_at, "expires_at": expires_at},
    }


def decode_signature(data: bytes) -> secp256k1.RecoverableSignature:
    """Parse a 65-byte r || s || v (v in {0, 1, 27, 28}); rejects out-of-range and high-s values."""
    if not isinstance(data, bytes | bytearray | memoryview) or len(data) != 65:
        raise EcdsaSignatureError("an EVM signature is 65 bytes")
    data = bytes(data)
    recovery_id = _V_TO_RECOVERY_ID.get(data[64])
    if recovery_id is None:
        raise EcdsaSignatureError("v must be 0, 1, 27 or 28")
    r, s = int.from_bytes(data[:32], "big"), int.from_bytes(data[32:64], "big")
    secp256k1.check_scalars(r, s)
    return secp256k1.RecoverableSignature(r, s, recovery_id)


def _address(uncompressed: bytes) -> str:
    return "0x" + keccak256(uncompressed[1:])[12:].hex()


def address_of(public_key: bytes) -> str:
    """Lowercase ``0x`` address of a SEC1 public key on the curve: 65 bytes 0x04 || x || y, or 33 bytes
    compressed."""
    return _address(secp256k1.parse_public_key(public_key).format(compressed=False))


def address_from_private_key(private_key: bytes) -> str:
    return _address(secp256k1.public_key(private_key, compressed=False))


def recover_address(digest: bytes, signature: bytes) -> str:
    """Lowercase ``0x`` address that signed the 32-byte ``digest``; raises :class:`EcdsaSignatureError`."""
    return _address(secp256k1.recover(digest, decode_signature(signature), compressed=False))


def recover_session_signer(
    wallet: str, nonce: str | bytes, issued_at: int, expires_at: int, signature: bytes
) -> str:
    return recover_address(session_digest(wallet, nonce, issued_at, expires_at), signature)


def sign_digest(private_key: bytes, digest: bytes) -> bytes:
    """r || s || v (v = 27 or 28), deterministic and low-s, as wallets produce it (for tests and tools)."""
    signature = secp256k1.sign(private_key, digest)
    if signature.recovery_id > 1:
        raise ValueError("R.x overflowed the group order; Ethereum cannot encode this signature")
    return (
        signature.r.to_bytes(32, "big")
        + signature.s.to_bytes(32, "big")
        + bytes([27 + signature.recovery_id])
    )
