// Restart and kill -9: whatever a client was told (receipts, blocks) is still served after the node restarts.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ethers } from 'ethers';
import { spawnSync } from 'node:child_process';
import { startNode, devKeys, repoRoot } from '../lib/node.mjs';

const anvil = process.env.E2E_NODE === 'anvil';
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hyperion-e2e-'));
const probe = anvil ? { unavailable: 'durability tests need ./hyperion dev --data-dir' } : await startNode({ dataDir });
const skip = probe.unavailable ? `node unavailable: ${probe.unavailable}` : false;

describe('durability', { skip, timeout: 600_000 }, () => {
  let node = probe;
  after(async () => {
    await node?.stop?.();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function acknowledged(n) {
    const provider = new ethers.JsonRpcProvider(node.url, undefined, { pollingInterval: 50, cacheTimeout: -1 });
    const wallet = new ethers.Wallet(devKeys[0], provider);
    let nonce = await provider.getTransactionCount(wallet.address, 'pending');
    const receipts = [];
    for (let i = 0; i < n; i++) {
      const tx = await wallet.sendTransaction({ to: ethers.Wallet.createRandom().address, value: 1n, nonce: nonce++ });
      receipts.push(await tx.wait());
    }
    provider.destroy();
    return receipts;
  }

  async function expectServed(receipts) {
    for (const r of receipts) {
      const served = await node.rpc('eth_getTransactionReceipt', [r.hash]);
      assert.ok(served, `receipt of ${r.hash} lost`);
      assert.equal(served.blockHash, r.blockHash);
      assert.equal(served.status, '0x1');
      const block = await node.rpc('eth_getBlockByNumber', [ethers.toQuantity(r.blockNumber), false]);
      assert.equal(block.hash, r.blockHash);
    }
  }

  test('a graceful restart continues the chain', async () => {
    const receipts = await acknowledged(5);
    const head = await node.rpc('eth_blockNumber');
    await node.stop();
    node = await startNode({ dataDir });
    assert.equal(await node.rpc('eth_blockNumber'), head);
    await expectServed(receipts);
    const more = await acknowledged(2);
    assert.ok(more[0].blockNumber > Number(head));
  });

  // HYPERION_SOAK_CYCLES raises the count for a longer soak (the 20); CI runs 5.
  const cycles = Number(process.env.HYPERION_SOAK_CYCLES ?? 5);

  test(`kill -9 at random moments loses nothing acknowledged (${cycles} cycles)`, async () => {
    const all = [];
    for (let round = 0; round < cycles; round++) {
      const provider = new ethers.JsonRpcProvider(node.url, undefined, { pollingInterval: 20, cacheTimeout: -1 });
      const wallet = new ethers.Wallet(devKeys[1], provider);
      let nonce = await provider.getTransactionCount(wallet.address, 'pending');
      // Keep transactions flowing and kill the node while they are being mined.
      const sending = (async () => {
        for (;;) {
          try {
            const tx = await wallet.sendTransaction({ to: wallet.address, value: 1n, nonce: nonce++, gasLimit: 21000 });
            const receipt = await provider.getTransactionReceipt(tx.hash).catch(() => null);
            if (receipt) all.push(receipt);
          } catch {
            return; // the node is gone
          }
        }
      })();
      await new Promise((r) => setTimeout(r, 300 + Math.floor(Math.random() * 700)));
      await node.stop('SIGKILL');
      await sending;
      provider.destroy();
      node = await startNode({ dataDir });
      await expectServed(all);
    }
    assert.ok(all.length > 0, 'no receipt was acknowledged before the kills');
  });
});

// What the node does with a damaged data directory (docs/operating.md, "Data directory and damage").
describe('data-directory faults', { skip, timeout: 600_000 }, () => {
  const faultDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hyperion-e2e-faults-'));
  let node = null;
  let receipts = [];
  after(async () => {
    await node?.stop?.();
    fs.rmSync(faultDir, { recursive: true, force: true });
  });

  async function restart() {
    await node?.stop?.();
    node = await startNode({ dataDir: faultDir });
    return node;
  }

  async function served() {
    for (const r of receipts) {
      const receipt = await node.rpc('eth_getTransactionReceipt', [r.transactionHash]);
      assert.ok(receipt, `receipt of ${r.transactionHash} lost`);
      assert.equal(receipt.blockHash, r.blockHash);
    }
  }

  test('a chain to damage', async () => {
    node = await startNode({ dataDir: faultDir });
    const [from, to] = await node.rpc('eth_accounts');
    for (let i = 0; i < 4; i++) {
      const hash = await node.rpc('eth_sendTransaction', [{ from, to, value: '0x1' }]);
      let receipt = null;
      for (let attempt = 0; attempt < 200 && !receipt; attempt++) {
        receipt = await node.rpc('eth_getTransactionReceipt', [hash]);
        if (!receipt) await new Promise((r) => setTimeout(r, 50));
      }
      receipts.push(receipt);
    }
    assert.ok(receipts.every((r) => r?.status === '0x1'));
  });

  test('data.mdb truncated to half: no signal, the state is rebuilt from the log and every receipt served', async () => {
    await node.stop();
    const mdb = path.join(faultDir, 'state', 'data.mdb');
    fs.truncateSync(mdb, Math.floor(fs.statSync(mdb).size / 2));
    await restart();
    assert.ok(!node.unavailable, node.unavailable);
    assert.match(node.output(), /damaged|truncated|rebuilding/);
    await served();
  });

  test('the state directory missing: rebuilt from the log', async () => {
    await node.stop();
    fs.rmSync(path.join(faultDir, 'state'), { recursive: true, force: true });
    await restart();
    assert.ok(!node.unavailable, node.unavailable);
    await served();
  });

  test('chain-index missing: rebuilt from the log with a warning, every receipt served', async () => {
    await node.stop();
    fs.rmSync(path.join(faultDir, 'chain-index'), { recursive: true, force: true });
    await restart();
    assert.ok(!node.unavailable, node.unavailable);
    assert.match(node.output(), /chain index .*it is missing; rebuilt it from the block log/);
    await served();
  });

  test('chain-index data file truncated to half: rebuilt from the log, no signal, every receipt served', async () => {
    await node.stop();
    const mdb = path.join(faultDir, 'chain-index', 'data.mdb');
    fs.truncateSync(mdb, Math.floor(fs.statSync(mdb).size / 2));
    await restart();
    assert.ok(!node.unavailable, node.unavailable);
    assert.match(node.output(), /chain index .*damaged.*rebuilt it from the block log/);
    await served();
  });

  test('chain.log missing while the state is there: refuses to start a new chain over it; restoring the log starts', async () => {
    await node.stop();
    const log = path.join(faultDir, 'chain.log');
    const saved = path.join(faultDir, 'chain.log.saved');
    fs.renameSync(log, saved);
    node = await startNode({ dataDir: faultDir, timeoutMs: 120_000 });
    assert.ok(node.unavailable, 'the node started a new chain over the old state');
    assert.match(node.unavailable, /block log chain\.log is missing \(or empty\) but the state store/);
    assert.ok(!fs.existsSync(log) || fs.statSync(log).size === 0, 'a new block log was written');
    fs.renameSync(saved, log);
    await restart();
    assert.ok(!node.unavailable, node.unavailable);
    await served();
  });

  test('chain.log cut inside its last record: the torn tail is cut with a warning, every earlier block served', async () => {
    await node.stop();
    const log = path.join(faultDir, 'chain.log');
    fs.appendFileSync(log, Buffer.from([0, 0, 1, 0, 0xde, 0xad])); // an append a crash interrupted: 256 bytes declared, 2 written
    await restart();
    assert.ok(!node.unavailable, node.unavailable);
    assert.match(node.output(), /cut an incomplete last record of 6 bytes/);
    await served();
  });

  test('a flipped byte in chain.log: reported to the client when the block is read and by db verify, a start that rebuilds the index refuses naming the record; db repair cuts the log explicitly', async () => {
    await node.stop();
    const log = path.join(faultDir, 'chain.log');
    const bytes = fs.readFileSync(log);
    const genesisRecord = 4 + (bytes.readUInt32BE(0) & 0x7fffffff) + 4; // the top bit marks a CRC-32C record
    bytes[genesisRecord + 40] ^= 0x04; // inside block 1
    fs.writeFileSync(log, bytes);
    // The open reads the chain index's checkpoint and the log after it, not block 1: it starts, and reading block 1
    // fails (an error to the client, the damage named in the node's log) rather than serving it.
    await restart();
    assert.ok(!node.unavailable, node.unavailable);
    await assert.rejects(node.rpc('eth_getBlockByNumber', ['0x1', false]), /block 1 is damaged in chain\.log \(record at byte \d+: its checksum does not match its contents\).*hyperion db verify.*hyperion db repair/);
    for (let i = 0; i < 50 && !/damaged at record 1/.test(node.output()); i++) await new Promise((r) => setTimeout(r, 100)); // the log is written asynchronously
    assert.match(node.output(), /damaged at record 1/);
    await node.stop();
    assert.deepEqual(fs.readFileSync(log), bytes, 'a block was dropped without the operator asking');

    // Without the index the open reads and checks the whole log: it refuses to start.
    fs.rmSync(path.join(faultDir, 'chain-index'), { recursive: true, force: true });
    node = await startNode({ dataDir: faultDir, timeoutMs: 120_000 });
    assert.ok(node.unavailable, 'the node started on a damaged log');
    assert.match(node.unavailable, /damaged at record 1/);
    assert.deepEqual(fs.readFileSync(log), bytes, 'a block was dropped without the operator asking');

    // db verify checks every record of the log and names the first damaged one (exit code 2), changing nothing.
    const verify = spawnSync(path.join(repoRoot, 'hyperion'), ['db', 'verify', '--data-dir', faultDir], { encoding: 'utf8' });
    assert.equal(verify.status, 2, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /chain\.log: record 1 \(block 1, byte offset \d+\) is damaged: its checksum does not match its contents; \d+ record\(s\) from there/);
    assert.deepEqual(fs.readFileSync(log), bytes, 'db verify changed the log');

    const repair = spawnSync(path.join(repoRoot, 'hyperion'), ['db', 'repair', '--data-dir', faultDir], { encoding: 'utf8' });
    assert.equal(repair.status, 0, repair.stderr);
    assert.match(repair.stdout, /record 1 \(block 1\) was damaged/);
    node = await startNode({ dataDir: faultDir });
    assert.ok(!node.unavailable, node.unavailable);
    assert.equal(await node.rpc('eth_blockNumber'), '0x0');
  });
});

if (skip) test('durability suite', { skip }, () => {});
