// An EIP-1193 provider backed by one private key, for Node tests that drive @openzeppelin/guardian-evm-client.
//
// The client asks its provider for eth_requestAccounts (login), eth_signTypedData_v4 (the session challenge) and
// eth_sign (a proposal's userOpHash). A wallet's eth_sign adds the EIP-191 prefix, but the validator and the
// service expect a raw secp256k1 signature over the 32-byte hash (docs/evm-node.md), so this provider answers
// eth_sign with exactly that.
//
//   import { keyProvider } from "./test-wallet.mjs";
//   const client = new GuardianEvmClient({ guardianUrl, provider: keyProvider(privateKey) });
import { privateKeyToAccount, sign } from "viem/accounts";

export function keyProvider(privateKey) {
  const account = privateKeyToAccount(privateKey);
  const self = account.address.toLowerCase();
  const checkSigner = (address) => {
    if (typeof address !== "string" || address.toLowerCase() !== self) {
      throw new Error(`this provider signs for ${account.address} only, not ${address}`);
    }
  };
  return {
    address: account.address,
    async request({ method, params = [] }) {
      switch (method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          return [account.address];
        case "eth_signTypedData_v4": {
          checkSigner(params[0]);
          const typed = typeof params[1] === "string" ? JSON.parse(params[1]) : params[1];
          const { EIP712Domain: _domainType, ...types } = typed.types;
          return account.signTypedData({
            domain: typed.domain,
            types,
            primaryType: typed.primaryType,
            message: typed.message,
          });
        }
        case "eth_sign": {
          checkSigner(params[0]);
          const hash = params[1];
          if (!/^0x[0-9a-fA-F]{64}$/.test(hash)) throw new Error("eth_sign: expected a 32-byte 0x hash");
          return sign({ hash, privateKey, to: "hex" });
        }
        default:
          throw new Error(`test wallet: unsupported method ${method}`);
      }
    },
  };
}
