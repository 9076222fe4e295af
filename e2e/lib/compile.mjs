// Compiles contracts/src/**/*.sol with solc-js (standard JSON) and returns { ContractName: { abi, bytecode,
// deployedBytecode, immutables } }.
// Imports resolve from e2e/node_modules (e.g. @openzeppelin/contracts). Results are cached per process and directory,
// and on disk in node_modules/.cache/solc, keyed by the sources, settings, compiler and lockfile (imported libraries
// are pinned there). compileContracts(dir) compiles every .sol file under another directory instead; the
// subdirectories in `separateSets` (e.g. contracts/src/rollup, the L1/L2 rollup contracts) are compiled only that way.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const solc = require('solc');
const here = path.dirname(fileURLToPath(import.meta.url));
export const contractsDir = path.resolve(here, '../../contracts/src');
const nodeModules = path.resolve(here, '../node_modules');

const separateSets = ['rollup'];
const cache = new Map();

export function compileContracts(dir = contractsDir) {
  if (cache.has(dir)) return cache.get(dir);
  const sources = {};
  const files = fs.readdirSync(dir, { recursive: true })
    .map((f) => f.split(path.sep).join('/'))
    .filter((f) => f.endsWith('.sol') && !(dir === contractsDir && separateSets.some((set) => f.startsWith(`${set}/`))))
    .sort();
  for (const file of files) {
    sources[file] = { content: fs.readFileSync(path.join(dir, file), 'utf8') };
  }
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: 'cancun',
      outputSelection: {
        '*': { '': ['ast'], '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object', 'evm.deployedBytecode.immutableReferences'] },
      },
    },
  };
  const findImports = (importPath) => {
    const candidate = path.join(nodeModules, importPath);
    if (fs.existsSync(candidate)) return { contents: fs.readFileSync(candidate, 'utf8') };
    const local = path.join(dir, importPath);
    if (fs.existsSync(local)) return { contents: fs.readFileSync(local, 'utf8') };
    return { error: `import not found: ${importPath}` };
  };
  const key = crypto.createHash('sha256').update(JSON.stringify(input)).update(solc.version())
    .update(fs.readFileSync(path.resolve(nodeModules, '../package-lock.json'))).digest('hex');
  const cacheFile = path.join(nodeModules, '.cache', 'solc', `${key}.json`);
  let output;
  if (fs.existsSync(cacheFile)) {
    output = JSON.parse(fs.readFileSync(cacheFile, 'utf8'));
  } else {
    output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
    fs.writeFileSync(`${cacheFile}.${process.pid}.tmp`, JSON.stringify(output));
    fs.renameSync(`${cacheFile}.${process.pid}.tmp`, cacheFile); // atomic: a parallel reader sees all or nothing
  }
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) {
    throw new Error(`solc failed:\n${errors.map((e) => e.formattedMessage).join('\n')}`);
  }
  // Immutable variables' names by AST id, to name the immutable references of the runtime code.
  const variableNames = new Map();
  const visit = (node) => {
    if (node === null || typeof node !== 'object') return;
    if (node.nodeType === 'VariableDeclaration' && node.mutability === 'immutable') variableNames.set(String(node.id), node.name);
    for (const value of Object.values(node)) visit(value);
  };
  for (const file of Object.keys(output.sources ?? {})) visit(output.sources[file].ast);
  const contracts = {};
  for (const file of Object.keys(output.contracts ?? {})) {
    if (!sources[file]) continue; // only our own contracts, not the imported library's
    for (const [name, c] of Object.entries(output.contracts[file])) {
      contracts[name] = {
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
        // Where the runtime code holds each immutable ({ name: [{ start, length }] }), to place code without running
        // its constructor (the L2 genesis' predeploys).
        immutables: Object.fromEntries(Object.entries(c.evm.deployedBytecode.immutableReferences ?? {})
          .map(([id, refs]) => [variableNames.get(id) ?? id, refs])
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      };
    }
  }
  const result = { contracts, solcVersion: solc.version(), warnings: (output.errors ?? []).filter((e) => e.severity !== 'error') };
  cache.set(dir, result);
  return result;
}
