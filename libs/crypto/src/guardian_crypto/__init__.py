"""Signature and hash primitives for Guardian logins and request authentication.

Modules are imported individually (``from guardian_crypto import falcon_verify``). Nothing here pulls in
the optional Falcon signer dependency except :mod:`guardian_crypto.falcon_sign`.
"""
