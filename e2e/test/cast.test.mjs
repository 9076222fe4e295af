// Foundry's cast against the node: send, call, receipt, block, logs.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { compileContracts } from '../lib/compile.mjs';
import { startNode, devKeys, binDir } from '../lib/node.mjs';

const run = promisify(execFile);
const node = await startNode();
const skip = node.unavailable ? `node unavailable: ${node.unavailable}` : false;

async function cast(...args) {
  const { stdout } = await run(path.join(binDir, 'cast'), args, { timeout: 60_000 });
  return stdout.trim();
}

describe('cast', { skip, timeout: 120_000 }, () => {
  after(async () => { await node.stop?.(); });
  const rpc = ['--rpc-url', node.url];

  test('send, receipt, call, block and logs', async () => {
    const { contracts } = compileContracts();
    const deployed = JSON.parse(await cast('send', ...rpc, '--private-key', devKeys[0], '--json', '--create', contracts.Registry.bytecode));
    assert.equal(deployed.status, '0x1');
    const registry = deployed.contractAddress;

    const sent = JSON.parse(await cast('send', ...rpc, '--private-key', devKeys[0], '--json', registry, 'register(string)', 'cast'));
    assert.equal(sent.status, '0x1');

    const receipt = JSON.parse(await cast('receipt', ...rpc, '--json', sent.transactionHash));
    assert.equal(receipt.transactionHash, sent.transactionHash);
    assert.equal(receipt.logs.length, 1);

    assert.equal(await cast('call', ...rpc, registry, 'count()(uint256)'), '1');

    const block = JSON.parse(await cast('block', ...rpc, '--json', String(BigInt(sent.blockNumber))));
    assert.equal(block.hash, sent.blockHash);
    assert.ok(block.transactions.includes(sent.transactionHash));

    const logs = JSON.parse(await cast('logs', ...rpc, '--json', '--from-block', '0', '--address', registry,
      'Registered(address indexed,bytes32 indexed,string,uint256)'));
    assert.equal(logs.length, 1);
    assert.equal(logs[0].transactionHash, sent.transactionHash);
  });
});

// When the node cannot start, report the suite as one skipped test with the reason.
if (skip) test('cast suite', { skip }, () => {});
