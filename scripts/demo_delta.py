"""Push a delta through the gateway, land it on the devnet and watch it become canonical.

Against the stack of `make run`:  .venv/bin/python scripts/demo_delta.py
(options: --gateway http://127.0.0.1:8080 --devnet http://127.0.0.1:57292)
"""

from __future__ import annotations

import argparse
import asyncio
import time

import httpx

from guardian_devnet.control import DevnetControl
from guardian_testing.custody_api import Api, Cosigner, auth_of, delta_body, new_account_id


async def main(gateway: str, devnet: str, wait_seconds: float) -> int:
    signer = Cosigner.ecdsa()
    account_id = new_account_id()
    async with httpx.AsyncClient(timeout=30) as http:
        api = Api(http, [gateway])
        configured = await api.configure(signer, account_id, auth_of(signer), {"balance": 10})
        print("configure:", configured.status_code, configured.json())
        state = (await api.get_state(signer, account_id)).json()
        print("state:", state["state_json"], state["commitment"])
        pushed = await api.push(signer, delta_body(account_id, 1, state["commitment"], {"balance": 11}))
        candidate = pushed.json()
        print("push:", pushed.status_code, candidate["status"], "new_commitment", candidate["new_commitment"])
        await DevnetControl(devnet).land(account_id, candidate["new_commitment"])
        print("landed on the devnet; waiting for the canonicalizer ...")
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            delta = (await api.get_delta(signer, account_id, 1)).json()
            if delta["status"]["status"] == "canonical":
                state = (await api.get_state(signer, account_id)).json()
                print("canonical:", delta["status"], "state:", state["state_json"])
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
