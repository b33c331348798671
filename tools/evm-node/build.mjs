// Compiles contracts/*.sol with the pinned solc-js and writes ABI + bytecode JSON to build/.
// Usage: node build.mjs   (run by `make evm-node`; the Python fixture reads build/<Contract>.json).
import { createRequire } from "node:module";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const solc = require("solc");

// The compiler is the solc npm package pinned in package.json; refuse to build with any other.
const COMPILER_VERSION = "0.8.28";
// Optimizer and EVM target are part of the build's identity: change them only together with docs/evm-node.md.
const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: "cancun",
  viaIR: false,
};
// Contracts written to build/: <source unit>:<contract name>.
const OUTPUTS = {
  "GuardianSmartAccount.sol": ["GuardianSmartAccount"],
  "MultisigValidator.sol": ["MultisigValidator"],
  "Counter.sol": ["Counter"],
  "EntryPointImport.sol": [],
  "@account-abstraction/contracts/core/EntryPoint.sol": ["EntryPoint"],
};

if (!solc.version().startsWith(`${COMPILER_VERSION}+`)) {
  throw new Error(`solc ${solc.version()} installed, ${COMPILER_VERSION} required (run npm ci)`);
}

const contractsDir = join(here, "contracts");
const sources = {};
for (const name of readdirSync(contractsDir).filter((f) => f.endsWith(".sol")).sort()) {
  sources[name] = { content: readFileSync(join(contractsDir, name), "utf8") };
}

// Imports resolve against node_modules only (the packages pinned in package-lock.json).
function findImports(path) {
  const file = resolve(here, "node_modules", path);
  if (!file.startsWith(join(here, "node_modules"))) return { error: `import outside node_modules: ${path}` };
  try {
    return { contents: readFileSync(file, "utf8") };
  } catch {
    return { error: `not found: ${path}` };
  }
}

const input = {
  language: "Solidity",
  sources,
  settings: {
    ...SETTINGS,
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const errors = (output.errors ?? []).filter((e) => e.severity === "error");
for (const e of output.errors ?? []) {
  if (e.severity !== "error" && !String(e.sourceLocation?.file ?? "").startsWith("@")) {
    console.warn(e.formattedMessage);
  }
}
if (errors.length) {
  for (const e of errors) console.error(e.formattedMessage);
  process.exit(1);
}

const outDir = join(here, "build");
mkdirSync(outDir, { recursive: true });
for (const [unit, names] of Object.entries(OUTPUTS)) {
  for (const name of names) {
    const c = output.contracts[unit]?.[name];
    if (!c) throw new Error(`missing ${unit}:${name} in the compiler output`);
    const artifact = {
      contractName: name,
      sourceName: unit,
      compiler: solc.version(),
      settings: SETTINGS,
      abi: c.abi,
      bytecode: `0x${c.evm.bytecode.object}`,
      deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
    };
    writeFileSync(join(outDir, `${name}.json`), `${JSON.stringify(artifact, null, 1)}\n`);
  }
}
console.log(`compiled with solc ${solc.version()} -> ${outDir}`);
