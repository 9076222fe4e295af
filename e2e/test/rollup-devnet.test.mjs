// `./hyperion devnet` end to end: anvil as L1 with the rollup's contracts, and the sequencer, the batcher and a
// verifier as processes. An ETH deposit made on L1 (ethers) appears on L2; the batcher's transactions reach the batch
// inbox in the mode asked (calldata, or type-3 blob transactions); the verifier, which knows only the L1 URL and
// rollup.json, reaches the sequencer's safe blocks with the same hashes and state roots; SIGTERM stops everything.
// In blob mode the devnet also carries 1,000 mixed L2 transactions, all batched in blobs, and a fresh verifier started
// beside it with only the L1 URL and rollup.json (reading the blobs from anvil) reaches the same blocks.
// HYPERION_ROLLUP_DEVNET=0 skips it (it takes a minute or two).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ethers } from 'ethers';
import { compileContracts } from '../lib/compile.mjs';
import { devKeys, repoRoot } from '../lib/node.mjs';
import { accounts, answers, disagreements, freePort, rpc, sendMixedTransactions, spawnHyperion, until } from '../lib/rollup.mjs';

const skip = process.env.HYPERION_ROLLUP_DEVNET === '0' ? 'HYPERION_ROLLUP_DEVNET=0' : false;

async function startDevnet(mode) {
  const [l1Port, l2Port, verifierPort] = [await freePort(), await freePort(), await freePort()];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hyperion-devnet-e2e-'));
  const child = spawn(path.join(repoRoot, 'hyperion'), ['devnet', '--data-dir', dataDir, '--l1-port', String(l1Port), '--l2-port', String(l2Port),
    '--verifier-port', String(verifierPort), '--data-availability', mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  let exitCode = null;
  const exited = new Promise((resolve) => child.on('exit', (code) => { exitCode = code; resolve(code); }));
  await until('the devnet to start', 600_000, async () => {
    if (exitCode !== null) throw new Error(`devnet exited with ${exitCode}:\n${output.slice(-3000)}`);
    return output.includes('Ctrl-C stops everything.');
  });
  const addresses = JSON.parse(fs.readFileSync(path.join(dataDir, 'addresses.json'), 'utf8'));
  return {
    l1: `http://127.0.0.1:${l1Port}`, l2: `http://127.0.0.1:${l2Port}`, verifier: `http://127.0.0.1:${verifierPort}`, addresses, dataDir,
    output: () => output,
    async stop() {
      if (exitCode !== null) return exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      const code = await exited;
      clearTimeout(timer);
      fs.rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

for (const mode of ['calldata', 'blobs']) {
  describe(`./hyperion devnet --data-availability ${mode}`, { skip, timeout: 900_000 }, () => {
    let devnet;
    before(async () => { devnet = await startDevnet(mode); });
    after(async () => { await devnet?.stop(); });

    test('an ETH deposit made on L1 appears on L2', async () => {
      const l1 = new ethers.JsonRpcProvider(devnet.l1, undefined, { staticNetwork: true });
      const l2 = new ethers.JsonRpcProvider(devnet.l2, undefined, { staticNetwork: true });
      const user = new ethers.Wallet(devKeys[1], l1);
      const portal = new ethers.Contract(devnet.addresses.OptimismPortal,
        ['function depositTransaction(address to, uint256 value, uint64 gasLimit, bool isCreation, bytes data) payable'], user);
      const recipient = ethers.Wallet.createRandom().address;
      const amount = ethers.parseEther('1.25');
      const receipt = await (await portal.depositTransaction(recipient, amount, 100_000n, false, '0x', { value: amount })).wait();
      assert.equal(receipt.status, 1);
      const balance = await until('the deposit on L2', 180_000, async () => {
        const b = await l2.getBalance(recipient);
        return b > 0n ? b : null;
      });
      assert.equal(balance, amount);
    });

    test(`the batcher posts to the batch inbox as ${mode}`, async () => {
      const inbox = devnet.addresses.BatchInbox.toLowerCase();
      const found = await until('a batcher transaction on L1', 180_000, async () => {
        const head = Number(await rpc(devnet.l1, 'eth_blockNumber'));
        for (let n = head; n > 0; n--) {
          const block = await rpc(devnet.l1, 'eth_getBlockByNumber', [`0x${n.toString(16)}`, true]);
          const tx = block.transactions.find((t) => t.to?.toLowerCase() === inbox);
          if (tx) return tx;
        }
        return null;
      });
      assert.equal(found.from.toLowerCase(), devnet.addresses.Batcher.toLowerCase());
      assert.equal(Number(found.type), mode === 'blobs' ? 3 : 2);
    });

    test('the verifier, from L1 alone, reaches the sequencer\'s safe blocks with the same hashes and state roots', async () => {
      const safe = await until('the verifier\'s safe head to pass block 5', 300_000, async () => {
        const status = await rpc(devnet.verifier, 'optimism_syncStatus');
        return status.safe_l2.number >= 5 ? status.safe_l2.number : null;
      });
      for (let n = 1; n <= safe; n++) {
        const tag = `0x${n.toString(16)}`;
        const [ours, theirs] = await Promise.all([rpc(devnet.verifier, 'eth_getBlockByNumber', [tag, false]), rpc(devnet.l2, 'eth_getBlockByNumber', [tag, false])]);
        assert.equal(ours.hash, theirs.hash, `block ${n}`);
        assert.equal(ours.stateRoot, theirs.stateRoot, `block ${n}`);
      }
      const sequencerSafe = await rpc(devnet.l2, 'eth_getBlockByNumber', ['safe', false]);
      assert.ok(Number(sequencerSafe.number) >= 1, 'the sequencer has a safe head too');
    });

    if (mode === 'blobs') test('1,000 mixed L2 transactions batched in blobs: a fresh verifier with only the L1 URL and rollup.json reaches the same blocks up to the safe head', async () => {
      const fromL1 = Number(await rpc(devnet.l1, 'eth_blockNumber'));
      const last = await sendMixedTransactions(devnet.l2, accounts.slice(0, 8), compileContracts().contracts);
      const target = await until(`the sequencer's safe head to pass block ${last}`, 300_000, async () => {
        const status = await rpc(devnet.l2, 'optimism_syncStatus');
        return status.safe_l2.number >= last ? status.safe_l2.number : null;
      });
      // Everything the batcher posted meanwhile went as blobs (type-3 transactions with versioned hashes, no calldata).
      const toL1 = Number(await rpc(devnet.l1, 'eth_blockNumber'));
      const inbox = devnet.addresses.BatchInbox.toLowerCase();
      const posted = [];
      for (let n = fromL1; n <= toL1; n++) {
        const block = await rpc(devnet.l1, 'eth_getBlockByNumber', [`0x${n.toString(16)}`, true]);
        posted.push(...block.transactions.filter((t) => t.to?.toLowerCase() === inbox));
      }
      assert.ok(posted.length > 0, 'the batcher posted');
      assert.deepEqual(posted.filter((t) => Number(t.type) !== 3 || !(t.blobVersionedHashes?.length > 0) || t.input !== '0x'), [], 'every batcher transaction carries blobs only');

      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const fresh = spawnHyperion('fresh-verifier', ['node', '--l1-rpc', devnet.l1, '--rollup-config', path.join(devnet.dataDir, 'rollup.json'), '--ephemeral', '--port', String(port)]);
      try {
        await answers(url, fresh);
        const safe = await until('the fresh verifier to reach the sequencer\'s safe head', 300_000, async () => {
          if (!fresh.running) throw new Error(`the fresh verifier exited:\n${fresh.tail()}`);
          const status = await rpc(url, 'optimism_syncStatus');
          return status.safe_l2.number >= target ? status.safe_l2.number : null;
        });
        assert.deepEqual(await disagreements(url, devnet.l2, safe), [], fresh.tail());
      } finally {
        await fresh.stop();
      }
    });

    test('SIGTERM stops the devnet and its processes cleanly', async () => {
      const code = await devnet.stop();
      assert.equal(code, 0, devnet.output().slice(-2000));
      await assert.rejects(rpc(devnet.l1, 'eth_chainId'), 'anvil is stopped');
      await assert.rejects(rpc(devnet.l2, 'eth_chainId'), 'the sequencer is stopped');
    });
  });
}
