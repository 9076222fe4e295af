// A Foundry project (e2e/foundry) against the node, offline with solc-js (lib/solc-js.mjs as forge's solc):
// forge create, forge script --broadcast, cast run on a mined transaction, and the AI precompile from a forge script
// (a mock in forge's own EVM, --skip-simulation, the real inference on the node).
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ethers } from 'ethers';
import { startNode, devKeys, binDir } from '../lib/node.mjs';
import { makeTestModel, hyperionInfer } from '../lib/model.mjs';

const run = promisify(execFile);
const here = path.dirname(new URL(import.meta.url).pathname);
const project = path.resolve(here, '../foundry');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'hyperion-foundry-'));
const env = {
  ...process.env,
  FOUNDRY_SOLC: path.resolve(here, '../lib/solc-js.mjs'),
  FOUNDRY_OFFLINE: 'true',
  FOUNDRY_OUT: path.join(scratch, 'out'),
  FOUNDRY_CACHE_PATH: path.join(scratch, 'cache'),
  FOUNDRY_BROADCAST: path.join(scratch, 'broadcast'),
  FOUNDRY_DISABLE_NIGHTLY_WARNING: '1',
  NO_COLOR: '1',
};
const model = makeTestModel('hyperion-foundry-models-');
const node = await startNode({ extraArgs: ['--model-dir', model.dir] });
const skip = node.unavailable ? `node unavailable: ${node.unavailable}` : false;

async function tool(name, args, extraEnv = {}) {
  try {
    const { stdout, stderr } = await run(path.join(binDir, name), args, { cwd: project, env: { ...env, ...extraEnv }, timeout: 240_000, maxBuffer: 16 << 20 });
    return stdout + stderr;
  } catch (e) {
    throw new Error(`${name} ${args.join(' ')} failed:\n${e.stdout}\n${e.stderr}`);
  }
}

describe('Foundry', { skip, timeout: 600_000 }, () => {
  let provider;
  const key = devKeys[0];

  before(async () => {
    provider = new ethers.JsonRpcProvider(node.url, undefined, { pollingInterval: 100, cacheTimeout: -1 });
    await tool('forge', ['build']); // once: solc-js is slow, later commands reuse the cache
  });

  after(async () => {
    provider?.destroy();
    await node.stop?.();
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.rmSync(model.dir, { recursive: true, force: true });
  });

  test('forge create deploys a contract', async () => {
    const out = await tool('forge', ['create', 'src/Counter.sol:Counter', '--rpc-url', node.url, '--private-key', key, '--broadcast']);
    const address = /Deployed to: (0x[0-9a-fA-F]{40})/.exec(out)?.[1];
    assert.ok(address, out);
    const hash = /Transaction hash: (0x[0-9a-fA-F]{64})/.exec(out)?.[1];
    assert.equal((await provider.getTransactionReceipt(hash)).contractAddress, address);
    assert.notEqual(await provider.getCode(address), '0x');
  });

  let incrementHash;
  test('forge script --broadcast deploys and calls; the node agrees with the script', async () => {
    await tool('forge', ['script', 'script/Deploy.s.sol', '--rpc-url', node.url, '--private-key', key, '--broadcast']);
    const chainId = String(node.chainId);
    const record = JSON.parse(fs.readFileSync(path.join(env.FOUNDRY_BROADCAST, 'Deploy.s.sol', chainId, 'run-latest.json'), 'utf8'));
    assert.equal(record.transactions.length, 3);
    assert.equal(record.receipts.length, 3);
    assert.ok(record.receipts.every((r) => r.status === '0x1'));
    const counter = record.transactions[0].contractAddress;
    const number = await provider.call({ to: counter, data: ethers.id('number()').slice(0, 10) });
    assert.equal(BigInt(number), 42n);
    // Found through the node: forge's run-latest.json may pair hashes with the wrong entries (anvil's too).
    const sent = await Promise.all(record.receipts.map((r) => provider.getTransaction(r.transactionHash)));
    incrementHash = sent.find((t) => t.data === ethers.id('increment()').slice(0, 10)).hash;
  });

  test('cast run replays a mined transaction with its trace', async () => {
    const out = await tool('cast', ['run', incrementHash, '--rpc-url', node.url]);
    assert.match(out, /Traces:/);
    assert.match(out, /increment\(\)|0xd09de08a/);
    assert.match(out, /Incremented/);
    assert.match(out, /Transaction successfully executed/);
  });

  test('forge script with the AI precompile: mock in forge, --skip-simulation, real inference on the node', async () => {
    const registry = new ethers.Contract('0x0000000000000000000000000000000000000a12', ['function register(bytes32,uint64,uint32)'], new ethers.Wallet(key, provider));
    await (await registry.register(model.hash, model.bytes.length, 64)).wait();
    const out = await tool('forge', ['script', 'script/Story.s.sol', '--rpc-url', node.url, '--private-key', key, '--broadcast', '--skip-simulation'], { MODEL: model.hash });
    assert.match(out, /ONCHAIN EXECUTION COMPLETE & SUCCESSFUL|Transactions saved/i, out);
    const record = JSON.parse(fs.readFileSync(path.join(env.FOUNDRY_BROADCAST, 'Story.s.sol', String(node.chainId), 'run-latest.json'), 'utf8'));
    const write = record.receipts.at(-1);
    assert.equal(write.status, '0x1');
    const storyTeller = new ethers.Interface(['event StoryWritten(uint256 indexed id, address indexed author, string prompt, string text, uint32[] tokens)']);
    const event = write.logs.map((l) => { try { return storyTeller.parseLog(l); } catch { return null; } }).find(Boolean);
    const [tokens, text] = hyperionInfer(model.path, 'Once upon a time', 8);
    assert.deepEqual(event.args.tokens.map(Number), tokens, 'the node ran the real model, not the mock');
    assert.equal(event.args.text, text);
  });
});
