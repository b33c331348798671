"""The optional compiled permutations. Without a C compiler the extension is skipped (setuptools warns) and
guardian_crypto runs its pure-Python permutations instead."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "guardian_crypto._goldilocks",
            ["src/guardian_crypto/_goldilocks.c"],
            optional=True,
            extra_compile_args=["-O2", "-std=c11"],
        )
    ]
)
