// Drives the published @openzeppelin/guardian-evm-client (0.17.0, installed under tools/evm-node) through
// login -> configure -> create -> approve by a second signer on the other gateway -> list -> executable ->
// cancel, for tests/test_evm_published_client.py. Input: one JSON object on stdin; output: one JSON object.
// The client and the key-backed test wallet are imported by file URL because this file lives outside
// tools/evm-node, where their node_modules are.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const input = JSON.parse(readFileSync(0, "utf8"));
const load = (path) => import(pathToFileURL(join(input.evm_node_dir, path)).href);
const { GuardianEvmClient, GuardianEvmHttpError, signProposalHash } = await load(
  "node_modules/@openzeppelin/guardian-evm-client/dist/index.js",
);
const { keyProvider } = await load("test-wallet.mjs");

const walletA = keyProvider(input.key_a);
const walletB = keyProvider(input.key_b);
const a = new GuardianEvmClient({ guardianUrl: input.gateways[0], provider: walletA });
const b = new GuardianEvmClient({ guardianUrl: input.gateways[1], provider: walletB });

const sessionA = await a.login();
const sessionB = await b.login();
const account = {
  chainId: input.chain_id,
  smartAccountAddress: input.account,
  multisigValidatorAddress: input.validator,
};
const registered = await a.configure(account);
const accountId = a.accountId(input.chain_id, input.account);
const created = await a.createProposal({
  chainId: input.chain_id,
  smartAccountAddress: input.account,
  userOpHash: input.user_op_hash,
  payload: input.payload,
  nonce: input.nonce,
  ttlSeconds: 600,
  signature: await signProposalHash(walletA, walletA.address, input.user_op_hash),
});
const approved = await b.approveProposal(accountId, created.proposalId, {
  signature: await signProposalHash(walletB, walletB.address, input.user_op_hash),
});
const listed = await b.listProposals(accountId);
const fetched = await a.getProposal(accountId, created.proposalId);
const executable = await b.getExecutableProposal(accountId, created.proposalId);
await a.cancelProposal(accountId, created.proposalId);
let afterCancel = null;
try {
  await b.getProposal(accountId, created.proposalId);
} catch (error) {
  afterCancel = error instanceof GuardianEvmHttpError ? error.status : String(error);
}
await a.logout();
await b.logout();

process.stdout.write(
  JSON.stringify({
    sessions: [sessionA.address, sessionB.address],
    registered,
    accountId,
    created,
    approved,
    listed: listed.map((p) => p.proposalId),
    fetched,
    executable,
    afterCancel,
  }),
);
