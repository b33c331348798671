"""Typed rejections raised by the decoders and verifiers of this package.

Every public entry point that parses untrusted bytes or text raises only a subclass of
:class:`CryptoInputError` (itself a :class:`ValueError`) for malformed input, so callers can map one exception
type to a 4xx answer.
"""


class CryptoInputError(ValueError):
    """Base class: the input is malformed or fails a canonicality rule."""


class WordHexError(CryptoInputError):
    """A Word hex string (or a commitment) is not well formed, or a limb is not below p."""


class FalconSignatureError(CryptoInputError):
    """A Falcon-512 Poseidon2 signature, public key or secret key does not decode."""


class EcdsaSignatureError(CryptoInputError):
    """A secp256k1 signature or public key is malformed, high-s, or does not recover a key."""


class AccountIdError(CryptoInputError):
    """A Miden account id is not ``0x`` followed by 30 hex characters encoding two field elements."""


class CanonicalJsonError(CryptoInputError):
    """A value cannot be serialised as Guardian's canonical JSON."""
