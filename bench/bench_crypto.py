"""Benchmark of the signature primitives: ``python bench/bench_crypto.py`` (writes bench/results/crypto.md).

Falcon verification is timed per signature for one candidate digest and for 8 candidates sharing the
digest-independent work (the matching digest placed last, the worst case, plus a row where none matches). A
deliberately naive O(n^2) negacyclic multiplication path runs in the same process as the baseline for the NTT
path. ECDSA sign / verify / recover and EIP-712 recovery through libsecp256k1 (coincurve) are interleaved with
the pure-Python secp256k1 they replaced (``secp256k1_python_baseline.py`` beside this file, bench-only). RPO256
over 1 KiB and 1 MiB request payloads and the ``json`` network commitment of a 1 MiB state run three ways in the
same run: the compiled sponge (packing and sponge in C), the Python sponge over the compiled permutation (the
path before it, though over today's permutation) and pure Python. Runs in about four minutes on a loaded 2-core
machine, most of it the one pure-Python sample of each 1 MiB row (30-40 s each).
"""

import contextlib
import gc
import importlib.metadata
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import secp256k1_python_baseline as python_ecc

from guardian_crypto import digests, ecdsa, eip712, falcon_verify, poseidon2, rpo
from guardian_crypto.canonical_json import canonical_json
from guardian_crypto.compiled import goldilocks
from guardian_crypto.falcon_codec import decode_signature
from guardian_crypto.falcon_ntt import N, Q
from guardian_crypto.falcon_sign import SecretKey
from guardian_crypto.field import Word
from guardian_network.json_network import JsonNetwork

RESULTS = Path(__file__).resolve().parent / "results" / "crypto.md"
SCHOOLBOOK = "Falcon verify, schoolbook baseline"
MESSAGE: Word = (100, 97, 116, 97)
DECOYS: list[Word] = [(i, 1, 2, 3) for i in range(7)]


@dataclass(frozen=True)
class Timing:
    name: str
    samples: list[float]  # milliseconds
    note: str = ""
    baseline: str = ""  # name of the same-run row this one replaces

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p99(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def measure_interleaved(actions: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Time each action once per round, in turn, so that load from other processes hits all of them alike."""
    for action in actions.values():
        action()  # warm caches (nonce state, public-key transform)
    gc.collect()
    samples: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(rounds):
        for name, action in actions.items():
            start = time.perf_counter()
            action()
            samples[name].append((time.perf_counter() - start) * 1e3)
    return samples


def measure(
    name: str, action: Callable[[], object], count: int, note: str = "", baseline: str = ""
) -> Timing:
    return Timing(name, measure_interleaved({name: action}, count)[name], note, baseline)


def calibration_loop() -> int:
    """A fixed pure-Python workload: its spread shows how much the machine itself fluctuates."""
    total = 0
    for i in range(60000):
        total += i * i % 7
    return total


def schoolbook_product(a: Sequence[int], b: Sequence[int]) -> list[int]:
    """a * b mod (x^512 + 1, 12289) by the O(n^2) definition: the baseline the NTT replaces."""
    product = [0] * N
    for i, ai in enumerate(a):
        for j, bj in enumerate(b):
            if i + j < N:
                product[i + j] += ai * bj
            else:
                product[i + j - N] -= ai * bj
    return [v % Q for v in product]


def schoolbook_verify(signature: bytes, message: Word) -> bool:
    sig = decode_signature(signature)
    c = falcon_verify.hash_to_point(message, sig.nonce_version)
    s2_times_h = schoolbook_product(sig.s2, sig.h)
    s1 = [(a - b) % Q for a, b in zip(c, s2_times_h, strict=True)]
    total = falcon_verify.balanced_norm_squared(s1) + falcon_verify.balanced_norm_squared(sig.s2)
    return total < falcon_verify.SIGNATURE_BOUND


@contextlib.contextmanager
def python_sponges() -> Iterator[None]:
    """The sponges of sponge.py (and field.py's packing) instead of the compiled ones; permutations unchanged."""
    saved = rpo.hash_elements_in_c, rpo.hash_bytes_in_c, poseidon2.hash_elements_in_c
    rpo.hash_elements_in_c = rpo.hash_bytes_in_c = poseidon2.hash_elements_in_c = None
    try:
        yield
    finally:
        rpo.hash_elements_in_c, rpo.hash_bytes_in_c, poseidon2.hash_elements_in_c = saved


def python_sponge(action: Callable[[], object]) -> Callable[[], object]:
    """`action` with the Python sponge over the compiled permutation: what hashing cost before the C sponge."""

    def run() -> object:
        with python_sponges():
            return action()

    return run


def pure_python(action: Callable[[], object]) -> Callable[[], object]:
    """`action` with the pure-Python sponges and permutations: the same-run baseline of the compiled ones."""

    def run() -> object:
        saved = poseidon2.permute, poseidon2.permute_unreduced, rpo.permute
        poseidon2.permute, poseidon2.permute_unreduced = (
            poseidon2.permute_python,
            poseidon2.permute_unreduced_python,
        )
        rpo.permute = rpo.permute_python
        try:
            with python_sponges():
                return action()
        finally:
            poseidon2.permute, poseidon2.permute_unreduced, rpo.permute = saved

    return run


def state_of_about(size: int) -> dict[str, object]:
    """A json-network account state whose canonical JSON is just over `size` bytes."""
    state: dict[str, object] = {}
    length = 2
    while length < size:
        key = f"entry{len(state):06d}"
        state[key] = {"name": f"holder {len(state)}", "balance": len(state) * 7919, "tags": ["a", "bb"]}
        length += len(key) + 64
    return state


def rpo_rows() -> tuple[list[Timing], dict[str, str]]:
    """Request digests and the json commitment: the compiled sponge and the Python sponge over the compiled
    permutation interleaved (machine noise hits both alike), then pure Python, fewer times (30-40 s a call)."""
    account, timestamp = "0xb67bc00ceee619617204e3f73f0a43", 1700000000000
    kib, mib = bytes(range(256)) * 4, bytes(range(256)) * 4096
    state = state_of_about(1 << 20)
    network = JsonNetwork()
    state_bytes = len(canonical_json(state))
    cases: list[tuple[str, Callable[[], object], int, int, str]] = [
        (
            "Request digest, 1 KiB payload (RPO256)",
            lambda: digests.request_digest(account, timestamp, kib),
            60,
            10,
            "17 permutations",
        ),
        (
            "Request digest, 1 MiB payload (RPO256)",
            lambda: digests.request_digest(account, timestamp, mib),
            10,
            1,
            "16,385 permutations",
        ),
        (
            "json network commitment, 1 MiB state",
            lambda: network.commitment(state),
            10,
            1,
            f"canonical JSON ({state_bytes:,} bytes) then RPO256",
        ),
    ]
    timings: list[Timing] = []
    cpu: dict[str, str] = {}
    for name, action, rounds, pure_rounds, note in cases:
        before, pure = f"{name}, Python sponge", f"{name}, pure Python"
        expected = action()
        if python_sponge(action)() != expected or pure_python(action)() != expected:
            raise RuntimeError(f"{name}: the three paths disagree")
        samples = measure_interleaved({name: action, before: python_sponge(action)}, rounds)
        pure_samples = measure_interleaved({pure: pure_python(action)}, pure_rounds)[pure]
        timings += [
            Timing(name, samples[name], f"compiled sponge; {note}", before),
            Timing(
                before, samples[before], "same run: field.py packing, sponge.py over the C permutation", pure
            ),
            Timing(pure, pure_samples, "same run: pure-Python permutation and sponge"),
        ]
        started = time.process_time()
        for _ in range(rounds):
            action()
        cpu[f"CPU time per call, {name}"] = f"{(time.process_time() - started) / rounds * 1e3:.1f} ms"
    return timings, cpu


def secp256k1_rows(
    evm_key: bytes, evm_digest: bytes, evm_signature: bytes, miden_signature: bytes
) -> list[Timing]:
    """libsecp256k1 (coincurve) and the pure-Python curve it replaced, interleaved round by round so machine
    noise hits both alike. Both sides include the same parsing and Keccak work around the curve."""
    public_key = ecdsa.public_key_from_secret(evm_key)
    signing_key = ecdsa.SigningKey(evm_key)
    if (
        python_ecc.miden_sign(evm_key, MESSAGE) != miden_signature
        or python_ecc.miden_recover(MESSAGE, miden_signature) != public_key
        or not python_ecc.miden_verify(MESSAGE, miden_signature, public_key)
        or python_ecc.evm_recover(evm_digest, evm_signature)
        != eip712.recover_address(evm_digest, evm_signature)
    ):
        raise RuntimeError("the pure-Python baseline disagrees with libsecp256k1")
    sign_baseline = "Miden ECDSA sign, pure-Python baseline"
    # (row, libsecp256k1 action, pure-Python action or None to share the previous row's baseline, note)
    pairs: list[tuple[str, Callable[[], object], Callable[[], object] | None, str]] = [
        (
            "Miden ECDSA sign, key loaded once",
            lambda: signing_key.sign(MESSAGE),
            lambda: python_ecc.miden_sign(evm_key, MESSAGE),
            "what auth's ack signer does (ecdsa.SigningKey)",
        ),
        (
            "Miden ECDSA sign, key from bytes per call",
            lambda: ecdsa.sign(evm_key, MESSAGE),
            None,
            "ecdsa.sign(secret, word): loading the key costs more than signing",
        ),
        (
            "Miden ECDSA verify (x-pubkey)",
            lambda: ecdsa.verify(MESSAGE, miden_signature, public_key),
            lambda: python_ecc.miden_verify(MESSAGE, miden_signature, public_key),
            "",
        ),
        (
            "Miden ECDSA recover",
            lambda: ecdsa.recover_public_key(MESSAGE, miden_signature),
            lambda: python_ecc.miden_recover(MESSAGE, miden_signature),
            "the request-auth path",
        ),
        (
            "EIP-712 session recover",
            lambda: eip712.recover_address(evm_digest, evm_signature),
            lambda: python_ecc.evm_recover(evm_digest, evm_signature),
            "the wallet-login path",
        ),
    ]
    actions: dict[str, Callable[[], object]] = {}
    baseline_of: dict[str, str] = {}
    for name, fast, slow, _note in pairs:
        actions[name] = fast
        if slow is not None:
            baseline = (
                sign_baseline if name.startswith("Miden ECDSA sign") else f"{name}, pure-Python baseline"
            )
            actions[baseline] = slow
        baseline_of[name] = baseline
    samples = measure_interleaved(actions, 200)
    rows = [
        Timing(name, samples[name], f"libsecp256k1 (coincurve); {note}".rstrip("; "), baseline_of[name])
        for name, _fast, _slow, note in pairs
    ]
    # Each baseline row right after the last row measured against it.
    for baseline in dict.fromkeys(baseline_of.values()):
        last = max(i for i, row in enumerate(rows) if row.baseline == baseline)
        rows.insert(
            last + 1, Timing(baseline, samples[baseline], "same run: the hand-written curve it replaced")
        )
    return rows


def run() -> tuple[list[Timing], dict[str, str]]:
    started = time.perf_counter()
    load = os.getloadavg()
    keygen_start = time.perf_counter()
    key = SecretKey.generate(bytes(32))
    keygen_ms = (time.perf_counter() - keygen_start) * 1e3
    signature = key.sign(MESSAGE)
    if falcon_verify.verify_falcon(signature, [*DECOYS, MESSAGE]) != 7 or not schoolbook_verify(
        signature, MESSAGE
    ):
        raise RuntimeError("benchmark signature does not verify")

    evm_key = bytes.fromhex("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
    evm_digest = eip712.session_digest(
        "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "0x" + "11" * 32, 1700000000, 1700000300
    )
    evm_signature = eip712.sign_digest(evm_key, evm_digest)
    miden_signature = ecdsa.sign(evm_key, MESSAGE)

    verify = measure_interleaved(
        {
            "Falcon verify, 1 candidate": lambda: falcon_verify.verify_falcon(signature, [MESSAGE]),
            "Falcon verify, 8 candidates (match last)": lambda: falcon_verify.verify_falcon(
                signature, [*DECOYS, MESSAGE]
            ),
            "Falcon verify, 8 candidates (none match)": lambda: falcon_verify.verify_falcon(
                signature, [*DECOYS, (9, 9, 9, 9)]
            ),
            "Falcon verify, 1 candidate, pure-Python permutations": pure_python(
                lambda: falcon_verify.verify_falcon(signature, [MESSAGE])
            ),
            "Calibration: fixed pure-Python loop": calibration_loop,
        },
        150,
    )
    notes = {
        "Falcon verify, 8 candidates (match last)": "shared decode and s2*h; a wrong digest stops early",
        "Calibration: fixed pure-Python loop": "interleaved with the verify rows: p50/min is machine noise",
    }
    timings = [
        Timing(name, samples, notes.get(name, ""), SCHOOLBOOK if name.startswith("Falcon") else "")
        for name, samples in verify.items()
    ]
    timings += [
        measure(
            SCHOOLBOOK,
            lambda: schoolbook_verify(signature, MESSAGE),
            12,
            "same run; O(n^2) multiply instead of the NTT",
        ),
        measure("Falcon sign", lambda: key.sign(MESSAGE), 40, "deterministic, seed-0 key"),
        measure(
            "Poseidon2 permutation",
            lambda: poseidon2.permute(list(range(12))),
            300,
            baseline="Poseidon2 permutation, pure Python",
        ),
        measure(
            "Poseidon2 permutation, pure Python",
            pure_python(lambda: poseidon2.permute(list(range(12)))),
            300,
            "same-run baseline of the row above",
        ),
        measure(
            "Falcon key commitment (uncached)",
            lambda: falcon_verify.commitment_of_coefficients(decode_signature(signature).h),
            30,
            "64 permutations; cached per key in the verify path",
        ),
        measure(
            "Operator challenge digest (RPO256)",
            lambda: digests.operator_challenge_digest(
                commitment="0x" + "11" * 32,
                domain="*",
                expires_at="2026-01-01T00:05:00+00:00",
                nonce="ab" * 32,
            ),
            30,
        ),
    ]
    hashing, cpu = rpo_rows()
    timings += hashing
    timings += secp256k1_rows(evm_key, evm_digest, evm_signature, miden_signature)
    environment = {
        "python": platform.python_version(),
        "compiled permutations (_goldilocks)": "in use"
        if goldilocks is not None
        else "not built: pure Python",
        "compiled sponges (rpo_hash_bytes, rpo_hash_elements, poseidon2_hash_elements)": "in use"
        if goldilocks is not None
        else "not built: pure Python",
        **cpu,
        "secp256k1": f"libsecp256k1 through coincurve {importlib.metadata.version('coincurve')}",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load average at start": " / ".join(f"{v:.2f}" for v in load),
        "key generation (seed 0, one run)": f"{keygen_ms:.0f} ms",
        "load average at end": " / ".join(f"{v:.2f}" for v in os.getloadavg()),
        "total runtime": f"{time.perf_counter() - started:.1f} s",
    }
    return timings, environment


def ms(value: float) -> str:
    return f"{value:.2f}" if value >= 0.1 else f"{value:.4f}"


def render(timings: list[Timing], environment: dict[str, str]) -> str:
    by_name = {t.name: t for t in timings}
    single = by_name["Falcon verify, 1 candidate"].p50
    lines = [
        "# Crypto benchmark",
        "",
        "Reproduce: `.venv/bin/python bench/bench_crypto.py` (from the repository root).",
        "",
        "The last column divides a row's p50 by the p50 of the same-run row it replaces (named in the note or "
        "the row below it): below 1 is faster.",
        "",
        "| operation | samples | p50 ms | p99 ms | min ms | p50 / 1-candidate verify "
        "| p50 / same-run baseline | note |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for t in timings:
        vs_single = f"{t.p50 / single:.2f}x" if t.name.startswith("Falcon verify") else ""
        vs_baseline = f"{t.p50 / by_name[t.baseline].p50:.3f}x" if t.baseline else ""
        lines.append(
            f"| {t.name} | {len(t.samples)} | {ms(t.p50)} | {ms(t.p99)} | {ms(min(t.samples))} | {vs_single} "
            f"| {vs_baseline} | {t.note} |"
        )
    calibration = by_name["Calibration: fixed pure-Python loop"]
    verify = by_name["Falcon verify, 1 candidate"]
    environment = {
        "p50 / min, calibration loop": f"{calibration.p50 / min(calibration.samples):.2f}",
        "p50 / min, 1-candidate verify": f"{verify.p50 / min(verify.samples):.2f}",
        **environment,
    }
    lines += ["", *(f"- {key}: {value}" for key, value in environment.items()), ""]
    return "\n".join(lines)


def main() -> int:
    timings, environment = run()
    report = render(timings, environment)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
