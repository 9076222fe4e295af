// Compiles the rollup's contracts (contracts/src/rollup: the L1 portal, SystemConfig and bridge, and the L2 predeploys)
// with the project's solc-js and writes src/Hyperion.Rollup.Node/Contracts/rollup-contracts.json, the artifacts the
// C# node embeds (RollupContracts): the L2 genesis takes the predeploys' runtime bytecode from it and the deployer the
// L1 contracts' creation bytecode. Run after changing a contract: `node e2e/scripts/rollup-artifacts.mjs`.
// `--check` compares instead of writing and exits 1 when the checked-in file is stale.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileContracts, contractsDir } from '../lib/compile.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const artifactsFile = path.resolve(here, '../../src/Hyperion.Rollup.Node/Contracts/rollup-contracts.json');

/** The artifacts file's text, as compiled now (contract names sorted, so the text depends only on the sources). */
export function renderArtifacts() {
  const { contracts, solcVersion } = compileContracts(path.join(contractsDir, 'rollup'));
  const sorted = {};
  for (const name of Object.keys(contracts).sort()) {
    const c = contracts[name];
    sorted[name] = { abi: c.abi, bytecode: c.bytecode, deployedBytecode: c.deployedBytecode, immutables: c.immutables };
  }
  return JSON.stringify({ solcVersion, contracts: sorted }, null, 2) + '\n';
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = renderArtifacts();
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(artifactsFile) ? fs.readFileSync(artifactsFile, 'utf8') : '';
    if (current !== text) {
      console.error(`${path.relative(process.cwd(), artifactsFile)} is stale: run node e2e/scripts/rollup-artifacts.mjs`);
      process.exit(1);
    }
    console.log('rollup artifacts up to date');
  } else {
    fs.writeFileSync(artifactsFile, text);
    console.log(`wrote ${artifactsFile}`);
  }
}
