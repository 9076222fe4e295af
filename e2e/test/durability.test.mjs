// Restart and kill -9: whatever a client was told (receipts, blocks) is still served after the node restarts.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ethers } from 'ethers';
import { startNode, devKeys } from '../lib/node.mjs';

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

  test('kill -9 at random moments loses nothing acknowledged', async () => {
    const all = [];
    for (let round = 0; round < 3; round++) {
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

if (skip) test('durability suite', { skip }, () => {});
