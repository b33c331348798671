"""Push a delta through the gateway, land it on the devnet and watch it become canonical.

Against the stack of `make run`:  .venv/bin/python scripts/demo_delta.py
(options: --gateway http://127.0.0.1:8080 --devnet http://127.0.0.1:57292)
"""

from __future__ import annotations

import argparse
import asyncio
import time

from guardian_client import Cosigner, CustodyClient, new_account_id
from guardian_devnet.control import DevnetControl


async def main(gateway: str, devnet: str, wait_seconds: float) -> int:
    signer = Cosigner.ecdsa()
    account_id = new_account_id()
    async with CustodyClient(gateway) as client:
        configured = await client.configure(signer, account_id, {"balance": 10})
        print("configure:", configured.message)
        state = await client.get_state(signer, account_id)
        print("state:", state.state, state.commitment)
        # The client checks the server's ack of the push against GET /pubkey's key.
        candidate = await client.push_delta(signer, account_id, 1, state.commitment, {"balance": 11})
        print("push:", candidate.status, "new_commitment", candidate.new_commitment, "(ack verified)")
        await DevnetControl(devnet).land(account_id, candidate.new_commitment)
        print("landed on the devnet; waiting for the canonicalizer ...")
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            delta = await client.get_delta(signer, account_id, 1)
            if delta.status_kind == "canonical":
                state = await client.get_state(signer, account_id)
                print("canonical:", delta.status, "state:", state.state)
                return 0
            await asyncio.sleep(0.5)
    print("not canonical yet; is the canonicalizer running against this devnet?")
    return 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gateway", default="http://127.0.0.1:8080")
    parser.add_argument("--devnet", default="http://127.0.0.1:57292")
    parser.add_argument("--wait", type=float, default=30.0)
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.gateway, args.devnet, args.wait)))
