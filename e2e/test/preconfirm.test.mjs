// Preconfirmations (issue 14): `hyperion dev --block-time 1000` executes a transaction as it arrives, so its receipt is
// served well before the block closes; the closed block then holds it with the same receipt. The `flashblocks`
// WebSocket subscription streams the preconfirmed sub-blocks. Hyperion only (anvil serves receipts at the block).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { startNode, devKeys, subscribe } from '../lib/node.mjs';

const node = process.env.E2E_NODE === 'anvil' ? { unavailable: 'preconfirmations are Hyperion\'s' } : await startNode({ extraArgs: ['--block-time', '1000'] });
const skip = node.unavailable ? `node unavailable: ${node.unavailable}` : false;

/** Waits until a new block is announced, so the next send lands at the start of an interval (about 1 s before it closes). */
async function nextBlock(provider) {
  const start = await provider.getBlockNumber();
  for (;;) {
    const now = await provider.getBlockNumber();
    if (now > start) return now;
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('preconfirmations with --block-time 1000', { skip }, () => {
  after(() => node.stop?.());

  test('the receipt is served at once, before the block closes, and the block has the same receipt', async () => {
    const provider = new ethers.JsonRpcProvider(node.url, undefined, { cacheTimeout: -1, staticNetwork: true });
    const wallet = new ethers.Wallet(devKeys[0], provider);
    const recipient = ethers.Wallet.createRandom().address;
    // Signed first (the nonces, gas and fees filled in), so the sends follow each other closely.
    const nonce = await provider.getTransactionCount(wallet.address, 'pending');
    const template = await wallet.populateTransaction({ to: recipient, value: 1000n });
    const raws = [];
    for (let i = 0; i < 3; i++) raws.push(await wallet.signTransaction({ ...template, nonce: nonce + i, value: 1000n + BigInt(i) }));
    const head = await nextBlock(provider);
    const preconfirmed = [];
    const started = performance.now();
    for (const raw of raws) {
      const hash = await provider.send('eth_sendRawTransaction', [raw]);
      preconfirmed.push(await provider.send('eth_getTransactionReceipt', [hash]));
    }
    const elapsed = performance.now() - started;
    assert.ok(preconfirmed.every((r) => r !== null), 'each receipt is there right after its send');
    assert.ok(elapsed < 900, `three sends with their receipts took ${elapsed.toFixed(0)} ms`);
    assert.deepEqual(preconfirmed.map((r) => Number(r.blockNumber)), [head + 1, head + 1, head + 1]);
    assert.deepEqual(preconfirmed.map((r) => Number(r.transactionIndex)), [0, 1, 2]);
    // Not sealed yet, but the open block is the head: latest, pending and its number name it (its hash provisional,
    // with a zero state root until it seals), so what a client reads after the receipt has the transactions.
    const zeroRoot = ethers.ZeroHash;
    assert.equal(await provider.getBlockNumber(), head + 1);
    const pending = await provider.send('eth_getBlockByNumber', ['pending', false]);
    assert.deepEqual(pending.transactions, preconfirmed.map((r) => r.transactionHash));
    assert.equal(pending.stateRoot, zeroRoot);
    assert.equal(pending.hash, preconfirmed[2].blockHash);
    assert.deepEqual((await provider.send('eth_getBlockByNumber', ['latest', false])).transactions, pending.transactions);
    assert.deepEqual((await provider.send('eth_getBlockByNumber', [ethers.toQuantity(head + 1), false])).transactions, pending.transactions);
    assert.equal(await provider.getBalance(recipient, 'pending'), 3003n);
    assert.equal(await provider.getBalance(recipient, 'latest'), 3003n);
    assert.equal(await provider.getBalance(recipient, head), 0n);
    assert.equal(await provider.getTransactionCount(wallet.address, 'latest'), nonce + 3);

    // The block closes with them, in the same order, with the same receipts.
    let block = null;
    for (let tries = 0; (block === null || block.stateRoot === zeroRoot) && tries < 1000; tries++) {
      await new Promise((r) => setTimeout(r, 5));
      block = await provider.send('eth_getBlockByNumber', [ethers.toQuantity(head + 1), false]);
    }
    assert.deepEqual(block.transactions, pending.transactions);
    for (const before of preconfirmed) {
      const after = await provider.send('eth_getTransactionReceipt', [before.transactionHash]);
      assert.equal(after.blockHash, block.hash);
      for (const field of ['status', 'gasUsed', 'cumulativeGasUsed', 'transactionIndex', 'effectiveGasPrice', 'logs', 'logsBloom', 'from', 'to']) {
        assert.deepEqual(after[field], field === 'logs' ? before.logs.map((l) => ({ ...l, blockHash: block.hash })) : before[field], field);
      }
    }
    provider.destroy();
  });

  test('the flashblocks subscription streams sub-blocks in order', async () => {
    const provider = new ethers.JsonRpcProvider(node.url, undefined, { cacheTimeout: -1, staticNetwork: true });
    const wallet = new ethers.Wallet(devKeys[1], provider);
    const flashblocks = await subscribe(node.wsUrl, 'flashblocks');

    // Signed first, so the three sends fit one interval on a loaded machine.
    const nonce = await provider.getTransactionCount(wallet.address, 'pending');
    const template = await wallet.populateTransaction({ to: wallet.address, value: 1n });
    const raws = [];
    for (let i = 0; i < 3; i++) raws.push(await wallet.signTransaction({ ...template, nonce: nonce + i }));
    const head = await nextBlock(provider);
    const hashes = [];
    for (const raw of raws) hashes.push(await provider.send('eth_sendRawTransaction', [raw]));
    while (flashblocks.results.length < 3) await new Promise((r) => setTimeout(r, 5));
    flashblocks.close();
    const subBlocks = flashblocks.results;
    assert.deepEqual(subBlocks.map((b) => Number(b.index)), [0, 1, 2]);
    assert.deepEqual(subBlocks.map((b) => Number(b.blockNumber)), [head + 1, head + 1, head + 1]);
    assert.ok(subBlocks[0].base && !subBlocks[1].base);
    assert.deepEqual(subBlocks.map((b) => b.receipts[0].transactionHash), hashes);
    assert.deepEqual(subBlocks.map((b) => ethers.keccak256(b.transactions[0])), hashes);
    provider.destroy();
  });

  test('--no-preconfirm: the receipt waits for the block, and flashblocks are refused', async () => {
    const plain = await startNode({ extraArgs: ['--block-time', '1000', '--no-preconfirm'] });
    try {
      const provider = new ethers.JsonRpcProvider(plain.url, undefined, { cacheTimeout: -1, staticNetwork: true });
      const wallet = new ethers.Wallet(devKeys[0], provider);
      const raw = await wallet.signTransaction(await wallet.populateTransaction({ to: wallet.address, value: 1n }));
      const head = await nextBlock(provider);
      const hash = await provider.send('eth_sendRawTransaction', [raw]);
      assert.equal(await provider.send('eth_getTransactionReceipt', [hash]), null);
      await nextBlock(provider);
      assert.equal(Number((await provider.send('eth_getTransactionReceipt', [hash])).blockNumber), head + 1);
      await assert.rejects(subscribe(plain.wsUrl, 'flashblocks'), /does not preconfirm/);
      provider.destroy();
    } finally {
      await plain.stop();
    }
  });
});
