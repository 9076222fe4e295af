// Preconfirmations of the rollup sequencer (issue 14): `hyperion sequencer` opens each L2 block (the L1 info deposit
// first) as soon as its parent is sealed and executes transactions as they arrive, so a transaction's receipt is served
// before its block seals at the L2 block time, and the `flashblocks` WebSocket subscription streams the sub-blocks.
// The batcher posts the sealed blocks and the verifier, deriving from L1 alone, has the same transaction with the same
// receipt. Uses anvil as L1, the sequencer, a verifier and the batcher as processes (e2e/lib/rollup.mjs).
// HYPERION_ROLLUP_DEVNET=0 skips it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ethers } from 'ethers';
import { subscribe } from '../lib/node.mjs';
import { accounts, rpc, startRollup, until } from '../lib/rollup.mjs';

const skip = process.env.HYPERION_ROLLUP_DEVNET === '0' ? 'HYPERION_ROLLUP_DEVNET=0' : false;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('rollup sequencer preconfirmations', { skip, timeout: 600_000 }, () => {
  let net;
  before(async () => { net = await startRollup(); });
  after(async () => { await net?.stop(); });

  test('a receipt before the block seals, flashblocks with the deposit first, and the verifier\'s block has the same transaction and receipt', async () => {
    const provider = new ethers.JsonRpcProvider(net.l2, undefined, { cacheTimeout: -1, staticNetwork: true });
    const wallet = new ethers.Wallet(accounts[1].privateKey, provider);
    const flashblocks = await subscribe(net.l2.replace('http://', 'ws://'), 'flashblocks');
    const subBlocks = flashblocks.results;
    const zeroRoot = ethers.ZeroHash;

    // Sent right after a block opened, so it seals about a second later (the L2 block time is 1 s); on a loaded
    // machine the block may still seal before the reads below, so up to five transfers are tried.
    let recipient, hash, preconfirmed, openThen, pending;
    for (let attempt = 0; attempt < 5; attempt++) {
      recipient = ethers.Wallet.createRandom().address;
      const raw = await wallet.signTransaction(await wallet.populateTransaction({ to: recipient, value: 1234n }));
      hash = ethers.keccak256(raw);
      const start = Number(await rpc(net.l2, 'eth_blockNumber'));
      await until('the next L2 block', 30_000, async () => Number(await rpc(net.l2, 'eth_blockNumber')) > start, 5);
      // The send answers once the transaction is preconfirmed: its receipt is there at once.
      assert.equal(await provider.send('eth_sendRawTransaction', [raw]), hash);
      preconfirmed = await provider.send('eth_getTransactionReceipt', [hash]);
      assert.ok(preconfirmed, 'the receipt is served when the send answers');
      [openThen, pending] = await Promise.all([
        provider.send('eth_getBlockByNumber', [preconfirmed.blockNumber, false]), provider.send('eth_getBlockByNumber', ['pending', false])]);
      if (openThen.stateRoot === zeroRoot && pending.number === preconfirmed.blockNumber) break;
      console.log(`# block ${Number(preconfirmed.blockNumber)} sealed before it was read; another transfer`);
    }
    // Before its block seals, the open block is the head (latest, pending, its number): its hash is provisional (zero state root).
    assert.equal(openThen.stateRoot, zeroRoot, 'the receipt is served before its block seals');
    assert.equal(openThen.hash, preconfirmed.blockHash);
    assert.ok(openThen.transactions.includes(hash));
    assert.ok(Number(await rpc(net.l2, 'eth_blockNumber')) >= Number(preconfirmed.blockNumber));
    assert.equal(await provider.getBalance(recipient), 1234n, 'latest has the preconfirmed transaction');
    assert.equal(preconfirmed.status, '0x1');
    assert.ok(Number(preconfirmed.transactionIndex) >= 1, 'after the L1 info deposit');
    assert.equal(pending.number, preconfirmed.blockNumber);
    assert.ok(pending.transactions.includes(hash));
    assert.equal(await provider.getBalance(recipient, 'pending'), 1234n);

    // The flashblocks of that block: index 0 opens it with the L1 info deposit; the transaction is in one of them.
    const ofBlock = await until('the flashblock with the transaction', 10_000, async () => {
      const mine = subBlocks.filter((b) => b.blockNumber === preconfirmed.blockNumber);
      return mine.some((b) => b.receipts.some((r) => r.transactionHash === hash)) ? mine : null;
    }, 5);
    flashblocks.close();
    assert.deepEqual(ofBlock.map((b) => Number(b.index)), ofBlock.map((_, i) => i));
    assert.ok(ofBlock[0].base, 'index 0 carries the block\'s base');
    assert.ok(ofBlock[0].transactions[0].startsWith('0x7e'), 'the L1 info deposit comes first');

    // The sealed block holds it at the same position with the same receipt, and the verifier derives that block.
    const block = await until('the block to seal', 10_000, async () => {
      const b = await provider.send('eth_getBlockByNumber', [preconfirmed.blockNumber, false]);
      return b.stateRoot === zeroRoot ? null : b;
    }, 20);
    assert.equal(block.transactions[Number(preconfirmed.transactionIndex)], hash);
    const same = (receipt) => {
      for (const [field, value] of Object.entries(preconfirmed)) {
        if (field === 'blockHash') continue;
        assert.deepEqual(receipt[field], field === 'logs' ? value.map((l) => ({ ...l, blockHash: receipt.blockHash })) : value, field);
      }
    };
    same(await provider.send('eth_getTransactionReceipt', [hash]));
    await until(`the verifier's safe head to reach block ${Number(preconfirmed.blockNumber)}`, 300_000, async () => {
      const status = await rpc(net.verifier, 'optimism_syncStatus');
      return status.safe_l2.number >= Number(preconfirmed.blockNumber);
    }, 500);
    const derived = await rpc(net.verifier, 'eth_getBlockByNumber', [preconfirmed.blockNumber, false]);
    assert.equal(derived.hash, block.hash);
    assert.deepEqual(derived.transactions, block.transactions);
    const derivedReceipt = await rpc(net.verifier, 'eth_getTransactionReceipt', [hash]);
    assert.equal(derivedReceipt.blockHash, block.hash);
    same(derivedReceipt);
    provider.destroy();
  });
});
