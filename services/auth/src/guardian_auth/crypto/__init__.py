"""Signature and hash primitives for Guardian logins and request authentication.

Modules are imported individually (``from guardian_auth.crypto import falcon_verify``). Nothing here pulls in
the optional Falcon signer dependency except :mod:`guardian_auth.crypto.falcon_sign`.
"""
