// The rollup's issue-12 scenarios against real processes: anvil as L1 and the sequencer, verifier and batcher as
// `hyperion` processes (e2e/lib/rollup.mjs), one devnet for the whole describe block, each step building on the last:
// an ERC20 deposit through the L1 standard bridge, a deposit from an L1 contract (aliased on L2), ~1,000 mixed L2
// transactions, hostile batch-inbox transactions, the sequencer and the batcher SIGKILLed mid-batch and restarted (no
// gap, no block posted twice), L1 reorgs that drop a batch (evm_revert, then anvil_reorg 3+ blocks deep),
// SystemConfig changes (gas limit, scalars, batcher rotated to a new key), and finally a fresh verifier that knows
// only the L1 URL and rollup.json. After each step the verifier and the sequencer agree on every block hash and state
// root up to the verifier's safe head. HYPERION_ROLLUP_DEVNET=0 skips it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import { ethers } from 'ethers';
import { compileContracts } from '../lib/compile.mjs';
import { accounts, batcherData, disagreements, frame, freePort, postedChannels, rpc, sendMixedTransactions, startRollup, until } from '../lib/rollup.mjs';

const skip = process.env.HYPERION_ROLLUP_DEVNET === '0' ? 'HYPERION_ROLLUP_DEVNET=0' : false;
const require = createRequire(import.meta.url);
const solc = require('solc');

// A contract that deposits through the portal: on L2 the deposit comes from its alias.
const depositorSource = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
interface IPortal { function depositTransaction(address to, uint256 value, uint64 gasLimit, bool isCreation, bytes calldata data) external payable; }
contract Depositor {
  function deposit(address portal, address to) external payable { IPortal(portal).depositTransaction{ value: msg.value }(to, msg.value, 100000, false, ""); }
}`;

function compileDepositor() {
  const out = JSON.parse(solc.compile(JSON.stringify({
    language: 'Solidity', sources: { 'Depositor.sol': { content: depositorSource } },
    settings: { evmVersion: 'cancun', outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
  })));
  const c = out.contracts['Depositor.sol'].Depositor;
  return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
}

const aliasOffset = BigInt('0x1111000000000000000000000000000000001111');
const alias = (address) => ethers.getAddress(`0x${((BigInt(address) + aliasOffset) % (1n << 160n)).toString(16).padStart(40, '0')}`);
const hex = (n) => `0x${n.toString(16)}`;

async function syncStatus(url) { return rpc(url, 'optimism_syncStatus'); }

/** Waits until the verifier's safe head is at least `target`, then checks it agrees with the sequencer up to there. */
async function verifierAgreesUpTo(net, target, timeoutMs = 120_000) {
  const safe = await until(`the verifier's safe head to reach ${target}`, timeoutMs, async () => {
    const s = await syncStatus(net.verifier);
    return s.safe_l2.number >= target ? s.safe_l2.number : null;
  });
  assert.deepEqual(await disagreements(net.verifier, net.l2, safe), [], `blocks 1..${safe}\n${net.logs()}`);
  return safe;
}

/** L1 blocks from..to (inclusive) with their transactions. */
async function l1Blocks(url, from, to) {
  const blocks = [];
  for (let n = from; n <= to; n++) blocks.push(await rpc(url, 'eth_getBlockByNumber', [hex(n), true]));
  return blocks;
}

/** Sends one raw transaction from `wallet`'s key, retrying while the batcher's own transactions race for the nonce. */
async function sendRacingTheBatcher(l1, wallet, request) {
  for (let attempt = 0; ; attempt++) {
    try {
      const nonce = await l1.getTransactionCount(wallet.address, 'pending');
      const fee = await l1.getFeeData();
      const tx = await wallet.connect(l1).sendTransaction({ ...request, nonce, maxFeePerGas: fee.maxFeePerGas * 3n, maxPriorityFeePerGas: fee.maxPriorityFeePerGas * 3n + BigInt(attempt) });
      return await tx.wait();
    } catch (e) {
      if (attempt >= 10) throw e;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

describe('rollup scenarios on one devnet (anvil L1, sequencer, verifier, batcher as processes)', { skip, timeout: 900_000 }, () => {
  let net;
  let l1;
  let l2;
  const { contracts } = compileContracts();

  before(async () => {
    net = await startRollup({ channelTimeout: 50 });
    l1 = new ethers.JsonRpcProvider(net.l1, undefined, { staticNetwork: true, cacheTimeout: -1 });
    l2 = new ethers.JsonRpcProvider(net.l2, undefined, { staticNetwork: true, cacheTimeout: -1 });
  });
  after(async () => { await net?.stop(); });

  test('an ERC20 deposited through the L1 standard bridge appears as the OptimismMintableERC20 balance on L2', async () => {
    const user = accounts[1];
    const token = contracts.HyperionToken;
    const l1Token = await (await new ethers.ContractFactory(token.abi, token.bytecode, user.connect(l1)).deploy(10n ** 24n)).waitForDeployment();
    const factory = new ethers.Contract('0x4200000000000000000000000000000000000012',
      ['function createOptimismMintableERC20(address remoteToken, string name, string symbol) returns (address)'], user.connect(l2));
    const l2TokenAddress = await factory.createOptimismMintableERC20.staticCall(await l1Token.getAddress(), 'Hyperion Token', 'HYP');
    assert.equal((await (await factory.createOptimismMintableERC20(await l1Token.getAddress(), 'Hyperion Token', 'HYP')).wait()).status, 1);
    const l2Token = new ethers.Contract(l2TokenAddress, ['function balanceOf(address) view returns (uint256)', 'function remoteToken() view returns (address)'], l2);
    assert.equal(await l2Token.remoteToken(), await l1Token.getAddress());

    const bridge = new ethers.Contract(net.addresses.L1StandardBridge,
      ['function depositERC20To(address l1Token, address l2Token, address to, uint256 amount, uint32 minGasLimit, bytes extraData)',
        'function deposits(address, address) view returns (uint256)'], user.connect(l1));
    const recipient = ethers.Wallet.createRandom().address;
    const amount = 12_345n * 10n ** 18n;
    await (await l1Token.approve(net.addresses.L1StandardBridge, amount)).wait();
    assert.equal((await (await bridge.depositERC20To(await l1Token.getAddress(), l2TokenAddress, recipient, amount, 100_000, '0x')).wait()).status, 1);
    assert.equal(await bridge.deposits(await l1Token.getAddress(), l2TokenAddress), amount, 'escrowed on L1');
    assert.equal(await l1Token.balanceOf(net.addresses.L1StandardBridge), amount);
    const minted = await until('the ERC20 deposit on L2', 60_000, async () => {
      const b = await l2Token.balanceOf(recipient);
      return b > 0n ? b : null;
    });
    assert.equal(minted, amount);
  });

  test('a deposit from an L1 contract comes from its alias on L2', async () => {
    const { abi, bytecode } = compileDepositor();
    const depositor = await (await new ethers.ContractFactory(abi, bytecode, accounts[2].connect(l1)).deploy()).waitForDeployment();
    const recipient = ethers.Wallet.createRandom().address;
    const amount = ethers.parseEther('0.75');
    assert.equal((await (await depositor.deposit(net.addresses.OptimismPortal, recipient, { value: amount })).wait()).status, 1);
    await until('the contract deposit on L2', 60_000, async () => (await l2.getBalance(recipient)) === amount);
    const head = await l2.getBlockNumber();
    let deposit;
    for (let n = head; n > 0 && !deposit; n--) {
      const block = await rpc(net.l2, 'eth_getBlockByNumber', [hex(n), true]);
      deposit = block.transactions.find((t) => t.type === '0x7e' && t.to?.toLowerCase() === recipient.toLowerCase());
    }
    assert.ok(deposit, 'the deposit transaction on L2');
    assert.equal(ethers.getAddress(deposit.from), alias(await depositor.getAddress()));
    assert.equal(BigInt(deposit.mint), amount);
  });

  test('1,000 mixed L2 transactions are sequenced, batched, and derived to the same blocks by the verifier', async () => {
    const last = await sendMixedTransactions(net.l2, accounts.slice(0, 8), contracts);
    await verifierAgreesUpTo(net, last);
  });

  test('garbage, broken frames and a frame for another chain in the batch inbox, from the batcher key and another key, change nothing', async () => {
    const inbox = net.addresses.BatchInbox;
    const stranger = accounts[3].connect(l1);
    const batcherKey = accounts[8];
    const before = (await syncStatus(net.verifier)).safe_l2.number;
    const logFrom = net.verifierNode.log.length;
    const channelId = ethers.hexlify(ethers.randomBytes(16));
    const head = await rpc(net.l1, 'eth_getBlockByNumber', ['latest', false]);
    // A well-formed channel with a singular batch of another chain (unknown parent, epoch hash and timestamp).
    const foreignBatch = ethers.concat(['0x00', ethers.encodeRlp([ethers.hexlify(ethers.randomBytes(32)), hex(BigInt(head.number)), ethers.hexlify(ethers.randomBytes(32)), hex(BigInt(head.timestamp) + 7n), []])]);
    const foreignChannel = zlib.deflateSync(ethers.getBytes(ethers.encodeRlp(foreignBatch)));
    const hostile = [
      ethers.hexlify(ethers.randomBytes(300)), // not a batcher transaction at all
      batcherData([frame(channelId, 0, ethers.randomBytes(200), true)]), // a frame whose data is not zlib
      ethers.concat([batcherData([frame(channelId, 1, '0x1234', false)]).slice(0, 30)]), // a truncated frame
      ethers.concat(['0x01', frame(channelId, 0, '0x00', true)]), // an unknown version
      batcherData([frame(ethers.hexlify(ethers.randomBytes(16)), 0, foreignChannel, true)]), // another chain's batch
    ];
    // The stranger's all at once; the batcher key's one by one, racing the running batcher for its nonces.
    const strangerNonce = await l1.getTransactionCount(stranger.address, 'pending');
    const fromStranger = await Promise.all(hostile.map((data, i) => stranger.sendTransaction({ to: inbox, data, nonce: strangerNonce + i })));
    const fromBatcherKey = [];
    for (const data of hostile) fromBatcherKey.push(await sendRacingTheBatcher(l1, batcherKey, { to: inbox, data }));
    const included = [...await Promise.all(fromStranger.map((t) => t.wait())), ...fromBatcherKey];
    assert.ok(included.every((r) => r.status === 1));
    const lastL1 = Math.max(...included.map((r) => r.blockNumber));
    // The verifier reads past those L1 blocks, keeps deriving the sequencer's blocks, and logs why it dropped them.
    await until('the verifier to read past the hostile transactions', 60_000, async () => (await syncStatus(net.verifier)).current_l1.number > lastL1);
    const safe = await verifierAgreesUpTo(net, before + 10);
    assert.ok(safe > before);
    // Each batcher-key transaction before the foreign batch is dropped at its own L1 block, with the reason logged.
    for (const receipt of fromBatcherKey.slice(0, 4)) {
      assert.match(net.verifierNode.log, new RegExp(`L1 block ${receipt.blockNumber}: (batcher data|frame .*|channel .*) (dropped|stopped)`), `L1 block ${receipt.blockNumber}`);
    }
    // The foreign batch decodes and is dropped by the batch queue's rules (which rule depends on when it is read).
    await until('the foreign batch to be dropped', 30_000, async () => /batch dropped \(L1 block \d+\): /.test(net.verifierNode.log.slice(logFrom)));
    assert.ok(net.batcher.running, `the batcher survives its nonces being taken\n${net.batcher.tail()}`);
  });

  test('the sequencer and the batcher SIGKILLed mid-batch and restarted on their data: no block lost, none posted twice, the verifier agrees', async () => {
    const batcherAddress = accounts[8].address;
    const verifierSafe = (await syncStatus(net.verifier)).safe_l2.number;
    const fromL1 = Number(await rpc(net.l1, 'eth_blockNumber')) - 10;
    const verifierLogFrom = net.verifierNode.log.length;
    // Mid-batch: L1 mines only when told to, once a second, until the batcher has a batch transaction in its pool
    // (it posts once L1 has moved on); then both processes die with it unmined.
    await rpc(net.l1, 'evm_setIntervalMining', [0]);
    let inFlight;
    let seen;
    try {
      inFlight = await until('a batcher transaction in L1\'s pool', 60_000, async () => {
        const [pending, latest] = await Promise.all(['pending', 'latest'].map(async (tag) => Number(await rpc(net.l1, 'eth_getTransactionCount', [batcherAddress, tag]))));
        if (pending > latest) return latest;
        await rpc(net.l1, 'evm_mine');
        return null;
      }, 1000);
      const { unsafe_l2: unsafe } = await syncStatus(net.l2);
      seen = await rpc(net.l2, 'eth_getBlockByNumber', [hex(unsafe.number), false]);
      assert.deepEqual(await Promise.all([net.sequencer.stop('SIGKILL'), net.batcher.stop('SIGKILL')]), ['SIGKILL', 'SIGKILL']);
    } finally {
      await rpc(net.l1, 'evm_setIntervalMining', [1]);
    }
    // The batch sent before the kill lands; the verifier derives it and keeps (and extends) its safe head meanwhile.
    await until('the batch sent before the kill to be included', 30_000, async () => Number(await rpc(net.l1, 'eth_getTransactionCount', [batcherAddress, 'latest'])) > inFlight);
    await new Promise((r) => setTimeout(r, 2000));
    assert.ok((await syncStatus(net.verifier)).safe_l2.number >= verifierSafe, 'the verifier keeps its safe head');

    const batcherLogFrom = net.batcher.log.length;
    net.sequencer.start();
    net.batcher.start();
    await net.answers(net.l2, net.sequencer);
    const again = await rpc(net.l2, 'eth_getBlockByNumber', [seen.number, false]);
    assert.equal(again?.hash, seen.hash, `block ${Number(seen.number)}, served before the kill, is still there`);
    // No gap: the verifier derives every block past the kill from the restarted batcher's batches, as the sequencer has them.
    const target = Number(seen.number) + 5;
    await until('the restarted sequencer to build new blocks', 60_000, async () => (await syncStatus(net.l2)).unsafe_l2.number > target);
    await verifierAgreesUpTo(net, target);
    // No duplicate: no L2 block is carried by two complete channels on L1, and the verifier dropped no batch as already derived.
    // (Batches of this chain only: the hostile test before this one posted another chain's batch with the batcher key.)
    const { genesis, block_time: blockTime } = JSON.parse(fs.readFileSync(net.rollupConfig, 'utf8'));
    const channels = await postedChannels(net.l1, net.addresses.BatchInbox, batcherAddress, fromL1, Number(await rpc(net.l1, 'eth_blockNumber')));
    const numbers = [];
    for (const { parentHash, timestamp } of channels.flatMap((c) => c.batches)) {
      const number = (timestamp - genesis.l2_time) / blockTime;
      const block = await rpc(net.l2, 'eth_getBlockByNumber', [hex(number), false]);
      if (block?.parentHash === parentHash) numbers.push(number);
    }
    assert.ok(channels.length >= 3 && numbers.length > 5, `the batcher's channels since L1 block ${fromL1}`);
    assert.deepEqual(numbers.filter((n, i) => numbers.indexOf(n) !== i), [], `L2 blocks posted twice\n${net.batcher.tail()}`);
    assert.doesNotMatch(net.verifierNode.log.slice(verifierLogFrom), /batch dropped \(L1 block \d+\): batch timestamp is before the next L2 timestamp/);
    assert.match(net.batcher.log.slice(batcherLogFrom), /waiting for the L2 node to derive L1 past block/, 'the restarted batcher waited for the restarted sequencer');
  });

  test('an L1 reorg that drops a batch rewinds the safe head on both nodes, and both recover', async () => {
    const snapshot = await rpc(net.l1, 'evm_snapshot');
    const fork = Number(await rpc(net.l1, 'eth_blockNumber'));
    const inbox = net.addresses.BatchInbox.toLowerCase();
    const verifierBefore = (await syncStatus(net.verifier)).safe_l2.number;
    // Wait until a batch posted after the snapshot has been derived by both nodes.
    const derived = await until('a batch after the snapshot to be derived', 60_000, async () => {
      const [v, s] = await Promise.all([syncStatus(net.verifier), syncStatus(net.l2)]);
      const head = Number(await rpc(net.l1, 'eth_blockNumber'));
      const batched = (await l1Blocks(net.l1, fork + 1, head)).some((b) => b.transactions.some((t) => t.to?.toLowerCase() === inbox));
      return batched && v.safe_l2.number > verifierBefore + 2 && s.safe_l2.number > verifierBefore + 2 ? Math.min(v.safe_l2.number, s.safe_l2.number) : null;
    });
    const lowest = { verifier: Infinity, sequencer: Infinity };
    assert.equal(await rpc(net.l1, 'evm_revert', [snapshot]), true);
    // Both safe heads go back below what the dropped batch had made safe…
    await until('both safe heads to rewind', 60_000, async () => {
      const [v, s] = await Promise.all([syncStatus(net.verifier), syncStatus(net.l2)]);
      lowest.verifier = Math.min(lowest.verifier, v.safe_l2.number);
      lowest.sequencer = Math.min(lowest.sequencer, s.safe_l2.number);
      return lowest.verifier < derived && lowest.sequencer < derived;
    }, 50);
    // …and come back past it once the batcher has posted again on the new L1 chain.
    const recovered = await until('both safe heads to pass the dropped batch again', 120_000, async () => {
      const [v, s] = await Promise.all([syncStatus(net.verifier), syncStatus(net.l2)]);
      return v.safe_l2.number > derived + 2 && s.safe_l2.number > derived + 2 ? Math.min(v.safe_l2.number, s.safe_l2.number) : null;
    });
    assert.deepEqual(await disagreements(net.verifier, net.l2, recovered), [], net.logs());
  });

  test('an anvil_reorg at least 3 blocks deep that replaces the L1 blocks holding a batch rewinds the unsafe and safe heads, and both nodes recover', async () => {
    const inbox = net.addresses.BatchInbox.toLowerCase();
    const batcherAddress = accounts[8].address.toLowerCase();
    // A batch in one of the last L1 blocks that both nodes have derived past.
    const found = await until('a recent batch derived by both nodes', 90_000, async () => {
      const head = Number(await rpc(net.l1, 'eth_blockNumber'));
      const blocks = await l1Blocks(net.l1, head - 1, head);
      const block = blocks.find((b) => b.transactions.some((t) => t.to?.toLowerCase() === inbox && t.from.toLowerCase() === batcherAddress));
      if (!block) return null;
      const [v, s] = await Promise.all([syncStatus(net.verifier), syncStatus(net.l2)]);
      const n = Number(block.number);
      return v.current_l1.number > n && s.current_l1.number > n
        ? { n, tx: block.transactions.find((t) => t.to?.toLowerCase() === inbox).hash, safe: Math.min(v.safe_l2.number, s.safe_l2.number), unsafe: s.unsafe_l2 } : null;
    }, 100);
    const head = Number(await rpc(net.l1, 'eth_blockNumber'));
    const depth = Math.max(3, head - found.n + 1);
    await rpc(net.l1, 'anvil_reorg', [depth, []]);
    assert.equal(await rpc(net.l1, 'eth_getTransactionReceipt', [found.tx]), null, `the batch of L1 block ${found.n} is gone (reorg depth ${depth})`);
    // The sequencer's unsafe head at the reorg: if its L1 origin was replaced, the block must be rebuilt on the new L1 chain.
    const origin = await rpc(net.l1, 'eth_getBlockByNumber', [hex(found.unsafe.l1origin.number), false]);
    const originReplaced = origin?.hash !== found.unsafe.l1origin.hash;

    const lowest = { verifier: Infinity, sequencer: Infinity };
    await until('both safe heads to rewind', 60_000, async () => {
      const [v, s] = await Promise.all([syncStatus(net.verifier), syncStatus(net.l2)]);
      lowest.verifier = Math.min(lowest.verifier, v.safe_l2.number);
      lowest.sequencer = Math.min(lowest.sequencer, s.safe_l2.number);
      return lowest.verifier < found.safe && lowest.sequencer < found.safe;
    }, 50);
    const recovered = await until('both safe heads to pass the dropped batch again', 150_000, async () => {
      const [v, s] = await Promise.all([syncStatus(net.verifier), syncStatus(net.l2)]);
      return v.safe_l2.number > Math.max(found.safe, found.unsafe.number) + 2 && s.safe_l2.number > Math.max(found.safe, found.unsafe.number) + 2
        ? Math.min(v.safe_l2.number, s.safe_l2.number) : null;
    });
    assert.deepEqual(await disagreements(net.verifier, net.l2, recovered), [], net.logs());
    if (originReplaced) {
      const rebuilt = await rpc(net.l2, 'eth_getBlockByNumber', [hex(found.unsafe.number), false]);
      assert.notEqual(rebuilt.hash, found.unsafe.hash, `unsafe block ${found.unsafe.number}, built on a replaced L1 block, was rebuilt`);
    }
  });

  test('SystemConfig changes (gas limit, fee scalars, a batcher rotated to a new key) take effect from the L1 block that made them', async () => {
    const owner = accounts[0].connect(l1);
    const systemConfig = new ethers.Contract(net.addresses.SystemConfig, [
      'function setGasLimit(uint64)', 'function setGasConfigEcotone(uint32 basefeeScalar, uint32 blobbasefeeScalar)', 'function setBatcherHash(bytes32)',
    ], owner);
    const newBatcher = accounts[7];
    const gasLimitAt = (await (await systemConfig.setGasLimit(40_000_000n)).wait()).blockNumber;
    const scalarsAt = (await (await systemConfig.setGasConfigEcotone(2_000, 900_000)).wait()).blockNumber;
    const batcherAt = (await (await systemConfig.setBatcherHash(ethers.zeroPadValue(newBatcher.address, 32))).wait()).blockNumber;
    await net.batcher.stop();
    net.batcher = net.spawn('batcher-2', net.batcherArgs(newBatcher.privateKey));

    // L2 blocks whose L1 origin is at or after each change carry it (L1Block predeploy, block gas limit).
    const l1Block = new ethers.Contract('0x4200000000000000000000000000000000000015', [
      'function number() view returns (uint64)', 'function baseFeeScalar() view returns (uint32)', 'function blobBaseFeeScalar() view returns (uint32)',
      'function batcherHash() view returns (bytes32)'], l2);
    const firstAfter = await until('an L2 block with an L1 origin after the batcher change', 60_000, async () => {
      const n = await l2.getBlockNumber();
      return Number(await l1Block.number({ blockTag: n })) > batcherAt + 2 ? n : null;
    });
    let from = firstAfter;
    while (from > 1 && Number(await l1Block.number({ blockTag: from })) >= gasLimitAt) from--;
    for (let n = from; n <= firstAfter; n++) {
      const origin = Number(await l1Block.number({ blockTag: n }));
      const block = await l2.getBlock(n);
      assert.equal(block.gasLimit, origin >= gasLimitAt ? 40_000_000n : 30_000_000n, `gas limit of L2 block ${n} (L1 origin ${origin})`);
      assert.equal(await l1Block.baseFeeScalar({ blockTag: n }), origin >= scalarsAt ? 2_000n : 1_368n, `base fee scalar at L2 block ${n}`);
      assert.equal(await l1Block.blobBaseFeeScalar({ blockTag: n }), origin >= scalarsAt ? 900_000n : 810_949n, `blob base fee scalar at L2 block ${n}`);
      const batcher = ethers.getAddress(ethers.dataSlice(await l1Block.batcherHash({ blockTag: n }), 12));
      assert.equal(batcher, origin >= batcherAt ? newBatcher.address : accounts[8].address, `batcher at L2 block ${n}`);
    }
    // The new batcher's transactions make blocks safe on the verifier; the old key's would now be ignored.
    await verifierAgreesUpTo(net, firstAfter + 3);
    const head = Number(await rpc(net.l1, 'eth_blockNumber'));
    const fromNew = (await l1Blocks(net.l1, batcherAt, head)).flatMap((b) => b.transactions)
      .filter((t) => t.to?.toLowerCase() === net.addresses.BatchInbox.toLowerCase() && t.from.toLowerCase() === newBatcher.address.toLowerCase());
    assert.ok(fromNew.length > 0, 'the new batcher posted');
  });

  test('a fresh verifier given only the L1 URL and rollup.json reaches the same block hashes and state roots', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const fresh = net.spawn('fresh-verifier', ['node', '--l1-rpc', net.l1, '--rollup-config', net.rollupConfig, '--ephemeral', '--port', String(port)]);
    await net.answers(url, fresh);
    const target = (await syncStatus(net.l2)).safe_l2.number;
    const safe = await until('the fresh verifier to reach the sequencer\'s safe head', 180_000, async () => {
      const s = await syncStatus(url);
      return s.safe_l2.number >= target ? s.safe_l2.number : null;
    });
    assert.deepEqual(await disagreements(url, net.l2, safe), [], net.logs());
    await fresh.stop();
  });
});
