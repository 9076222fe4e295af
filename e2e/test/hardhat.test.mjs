// A Hardhat 3 project (e2e/hardhat) against the node: compile offline with solc-js, `hardhat test nodejs --network`
// (viem, and Hardhat's network helpers), and a Hardhat Ignition deployment. Hardhat 3 needs Node >= 22: the project
// brings one from npm (the `node` package) and runs Hardhat with it, whatever Node runs this suite.
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { startNode } from '../lib/node.mjs';

const run = promisify(execFile);
const here = path.dirname(new URL(import.meta.url).pathname);
const project = path.resolve(here, '../hardhat');
const node22 = path.join(project, 'node_modules/.bin/node');
const hardhatCli = path.join(project, 'node_modules/hardhat/dist/src/cli.js');

const node = await startNode();
const skip = node.unavailable ? `node unavailable: ${node.unavailable}` : false;

async function hardhat(args, input) {
  const env = { ...process.env, HYPERION_RPC: node.url, NO_COLOR: '1', HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true' };
  try {
    const child = run(node22, [hardhatCli, ...args], { cwd: project, env, timeout: 300_000, maxBuffer: 16 << 20 });
    if (input !== undefined) { child.child.stdin.end(input); }
    const { stdout, stderr } = await child;
    return stdout + stderr;
  } catch (e) {
    throw new Error(`hardhat ${args.join(' ')} failed:\n${e.stdout}\n${e.stderr}`);
  }
}

describe('Hardhat 3', { skip, timeout: 900_000 }, () => {
  before(async () => {
    // test.sh installs the project (npm ci); a developer running this file alone gets a clear message instead.
    assert.ok(fs.existsSync(node22) && fs.existsSync(hardhatCli), `e2e/hardhat is not installed: run (cd e2e/hardhat && npm ci)`);
    const version = (await run(node22, ['--version'])).stdout.trim();
    assert.ok(Number(/^v(\d+)/.exec(version)?.[1]) >= 22, `Hardhat 3 needs Node >= 22, the project's node is ${version}`);
    fs.rmSync(path.join(project, 'ignition/deployments'), { recursive: true, force: true });
  });

  after(async () => {
    await node.stop?.();
    fs.rmSync(path.join(project, 'ignition/deployments'), { recursive: true, force: true });
  });

  test('compiles offline with solc-js', async () => {
    const out = await hardhat(['compile', '--force']);
    assert.match(out, /Compiled 1 Solidity file/);
    const artifact = JSON.parse(fs.readFileSync(path.join(project, 'artifacts/contracts/Counter.sol/Counter.json'), 'utf8'));
    assert.ok(artifact.deployedBytecode.length > 100);
  });

  test('hardhat test nodejs --network runs the project tests (viem) on the node', async () => {
    const out = await hardhat(['test', 'nodejs', '--network', 'hyperion']);
    // Counter.ts (4) and NetworkHelpers.ts (9): the network helpers accept the node and each has its effect.
    assert.match(out, /13 passing/, out);
    assert.doesNotMatch(out, /failing/, out);
  });

  test('Hardhat Ignition deploys a module and runs its calls', async () => {
    const out = await hardhat(['ignition', 'deploy', 'ignition/modules/Counter.ts', '--network', 'hyperion'], 'y\n');
    assert.match(out, /successfully deployed/, out);
    const address = /CounterModule#Counter - (0x[0-9a-fA-F]{40})/.exec(out)?.[1];
    assert.ok(address, out);
    // incBy(5) ran as part of the module: x() reads 5 on the node.
    const x = await node.rpc('eth_call', [{ to: address, data: '0x0c55699c' }, 'latest']);
    assert.equal(BigInt(x), 5n);
  });
});
