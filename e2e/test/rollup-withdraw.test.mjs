// Withdrawals on `./hyperion devnet` (issue 13): the devnet's proposer posts outputs of the safe chain to the
// L2OutputOracle, its challenger (on the verifier) removes wrong ones. ETH goes L1 → L2 → L1 through
// `hyperion withdraw status|prove|finalize` and through viem's OP-stack actions unchanged; a rogue output with a forged
// withdrawal proven against it is deleted by the challenger and the forged withdrawal cannot be finalized; withdrawals
// cannot be finalized twice, before the window, with a forged proof or for another sender.
// HYPERION_ROLLUP_DEVNET=0 skips it (a few minutes).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ethers } from 'ethers';
import { createPublicClient, createWalletClient, defineChain, http, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { getWithdrawals, publicActionsL1, publicActionsL2, walletActionsL1, walletActionsL2 } from 'viem/op-stack';
import { mnemonic, repoRoot } from '../lib/node.mjs';

const skip = process.env.HYPERION_ROLLUP_DEVNET === '0' ? 'HYPERION_ROLLUP_DEVNET=0' : false;
const WINDOW = 60; // --finalization-period of the devnet
const INTERVAL = 4; // --submission-interval
const PASSER = '0x4200000000000000000000000000000000000016';
// The devnet's accounts (anvil's mnemonic): #7 is the proposer; the tests use #1–#5.
const devKeys = Array.from({ length: 8 }, (_, i) => ethers.HDNodeWallet.fromPhrase(mnemonic, undefined, `m/44'/60'/0'/0/${i}`).privateKey);

const passerAbi = [
  'function initiateWithdrawal(address _target, uint256 _gasLimit, bytes _data) payable',
  'event MessagePassed(uint256 indexed nonce, address indexed sender, address indexed target, uint256 value, uint256 gasLimit, bytes data, bytes32 withdrawalHash)',
];
const txTuple = 'tuple(uint256 nonce, address sender, address target, uint256 value, uint256 gasLimit, bytes data)';
const portalAbi = [
  'function depositTransaction(address _to, uint256 _value, uint64 _gasLimit, bool _isCreation, bytes _data) payable',
  `function proveWithdrawalTransaction(${txTuple} _tx, uint256 _l2OutputIndex, tuple(bytes32 version, bytes32 stateRoot, bytes32 messagePasserStorageRoot, bytes32 latestBlockhash) _outputRootProof, bytes[] _withdrawalProof)`,
  `function finalizeWithdrawalTransaction(${txTuple} _tx)`,
  'function provenWithdrawals(bytes32) view returns (bytes32 outputRoot, uint128 timestamp, uint128 l2OutputIndex)',
  'function finalizedWithdrawals(bytes32) view returns (bool)',
];
const oracleAbi = [
  'function proposeL2Output(bytes32 _outputRoot, uint256 _l2BlockNumber, bytes32 _l1BlockHash, uint256 _l1BlockNumber) payable',
  'function nextBlockNumber() view returns (uint256)',
  'function nextOutputIndex() view returns (uint256)',
  'function computeL2Timestamp(uint256) view returns (uint256)',
  'function getL2Output(uint256) view returns (tuple(bytes32 outputRoot, uint128 timestamp, uint128 l2BlockNumber))',
  'event OutputProposed(bytes32 indexed outputRoot, uint256 indexed l2OutputIndex, uint256 indexed l2BlockNumber, uint256 l1Timestamp)',
];

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function rpc(url, method, params = []) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

async function until(what, timeoutMs, probe, everyMs = 500) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

function hyperion(args) {
  return new Promise((resolve) => {
    execFile(path.join(repoRoot, 'hyperion'), args, { timeout: 300_000 }, (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }));
  });
}

describe('./hyperion devnet: proposer, challenger and withdrawals', { skip, timeout: 1_500_000 }, () => {
  let devnet;
  let child;
  let output = '';
  let l1;
  let l2;
  let portal;
  let oracle;
  const gas = { propose: [], prove: [], finalize: [] };

  before(async () => {
    const [l1Port, l2Port, verifierPort, challengerPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hyperion-withdraw-e2e-'));
    child = spawn(path.join(repoRoot, 'hyperion'), ['devnet', '--data-dir', dataDir, '--l1-port', String(l1Port), '--l2-port', String(l2Port),
      '--verifier-port', String(verifierPort), '--challenger-port', String(challengerPort), '--submission-interval', String(INTERVAL),
      '--finalization-period', String(WINDOW)], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    let exitCode = null;
    const exited = new Promise((resolve) => child.on('exit', (code) => { exitCode = code; resolve(code); }));
    await until('the devnet to start', 600_000, async () => {
      if (exitCode !== null) throw new Error(`devnet exited with ${exitCode}:\n${output.slice(-3000)}`);
      return output.includes('Ctrl-C stops everything.');
    });
    const addresses = JSON.parse(fs.readFileSync(path.join(dataDir, 'addresses.json'), 'utf8'));
    devnet = {
      l1: `http://127.0.0.1:${l1Port}`, l2: `http://127.0.0.1:${l2Port}`, verifier: `http://127.0.0.1:${verifierPort}`,
      challenger: `http://127.0.0.1:${challengerPort}`, addresses, dataDir, addressesFile: path.join(dataDir, 'addresses.json'),
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
    l1 = new ethers.JsonRpcProvider(devnet.l1, undefined, { staticNetwork: true, pollingInterval: 250 });
    l2 = new ethers.JsonRpcProvider(devnet.l2, undefined, { staticNetwork: true, pollingInterval: 250 });
    portal = new ethers.Contract(addresses.OptimismPortal, portalAbi, l1);
    oracle = new ethers.Contract(addresses.L2OutputOracle, oracleAbi, l1);
  });

  after(async () => {
    if (!devnet) return;
    const logs = await oracle.queryFilter(oracle.filters.OutputProposed(), 0).catch(() => []);
    for (const log of logs.slice(0, 20)) gas.propose.push(Number((await l1.getTransactionReceipt(log.transactionHash)).gasUsed));
    const median = (xs) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : 'n/a');
    console.log(`# L1 gas: proposeL2Output median ${median(gas.propose)} (${gas.propose.length}), prove ${gas.prove.join('/')}, finalize ${gas.finalize.join('/')}`);
    assert.equal(await devnet.stop(), 0, output.slice(-3000));
  });

  async function l1Time() { return (await l1.getBlock('latest')).timestamp; }

  async function skipWindow() {
    await rpc(devnet.l1, 'evm_increaseTime', [WINDOW + 2]);
    await rpc(devnet.l1, 'evm_mine', []);
  }

  async function initiate(key, value) {
    const wallet = new ethers.Wallet(key, l2);
    const passer = new ethers.Contract(PASSER, passerAbi, wallet);
    const tx = await passer.initiateWithdrawal(wallet.address, 100_000, '0x', { value });
    const receipt = await tx.wait();
    assert.equal(receipt.status, 1);
    const event = receipt.logs.map((l) => { try { return passer.interface.parseLog(l); } catch { return null; } }).find((e) => e?.name === 'MessagePassed');
    assert.ok(event, 'MessagePassed emitted');
    return { receipt, event, withdrawal: [event.args.nonce, event.args.sender, event.args.target, event.args.value, event.args.gasLimit, event.args.data] };
  }

  async function status(hash) {
    const r = await hyperion(['withdraw', 'status', hash, '--l1-rpc', devnet.l1, '--l2-rpc', devnet.l2, '--addresses', devnet.addressesFile]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split('\n').find((l) => l.startsWith('  '))?.trim().split(':')[0];
  }

  const gasOf = (stdout) => Number(/\((\d+) gas\)/.exec(stdout)?.[1]);

  test('ETH round trip with `hyperion withdraw`: deposit, use on L2, withdraw, prove, window, finalize; no early, double, forged or other-sender finalization', async () => {
    const user = new ethers.Wallet(devKeys[1], l1);
    const payer = devKeys[2]; // pays for prove/finalize, so the user's L1 balance moves by the withdrawal alone
    const l2Before = await l2.getBalance(user.address);
    await (await new ethers.Contract(devnet.addresses.OptimismPortal, portalAbi, user).depositTransaction(user.address, ethers.parseEther('2'), 100_000, false, '0x', { value: ethers.parseEther('2') })).wait();
    await until('the deposit on L2', 180_000, async () => (await l2.getBalance(user.address)) >= l2Before + ethers.parseEther('2'));
    await (await new ethers.Wallet(devKeys[1], l2).sendTransaction({ to: ethers.Wallet.createRandom().address, value: ethers.parseEther('0.25') })).wait(); // use it on L2

    const { receipt, event, withdrawal } = await initiate(devKeys[1], ethers.parseEther('1.5'));
    const hash = receipt.hash;
    const started = Date.now();
    const first = await status(hash);
    assert.ok(['waiting-for-output', 'ready-to-prove'].includes(first), first);
    await until('an output covering the withdrawal', 300_000, async () => (await status(hash)) === 'ready-to-prove', 1000);
    console.log(`# L2 withdrawal to provable: ${((Date.now() - started) / 1000).toFixed(1)} s (submission interval ${INTERVAL} L2 blocks of 1 s, L1 blocks of 2 s)`);

    // Another sender (or any other field) changes the hash: the real proof does not prove it.
    const proofArgs = await (async () => {
      const index = await oracle.nextOutputIndex() - 1n;
      const out = await oracle.getL2Output(index);
      const block = await rpc(devnet.l2, 'eth_getBlockByNumber', [ethers.toQuantity(out.l2BlockNumber), false]);
      const slot = ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(['bytes32', 'uint256'], [event.args.withdrawalHash, 0]));
      const proof = await rpc(devnet.l2, 'eth_getProof', [PASSER, [slot], ethers.toQuantity(out.l2BlockNumber)]);
      return { index, root: [ethers.ZeroHash, block.stateRoot, proof.storageHash, block.hash], nodes: proof.storageProof[0].proof };
    })();
    const attacker = new ethers.Contract(devnet.addresses.OptimismPortal, portalAbi, new ethers.Wallet(devKeys[3], l1));
    const otherSender = [...withdrawal]; otherSender[1] = attacker.runner.address;
    await assert.rejects(attacker.proveWithdrawalTransaction(otherSender, proofArgs.index, proofArgs.root, proofArgs.nodes), /revert|InvalidWithdrawalProof/i);
    const forgedNodes = [...proofArgs.nodes]; forgedNodes[forgedNodes.length - 1] = forgedNodes.at(-1).slice(0, -2) + (forgedNodes.at(-1).endsWith('00') ? '01' : '00');
    await assert.rejects(attacker.proveWithdrawalTransaction(withdrawal, proofArgs.index, proofArgs.root, forgedNodes), /revert/i);

    const prove = await hyperion(['withdraw', 'prove', hash, '--l1-rpc', devnet.l1, '--l2-rpc', devnet.l2, '--addresses', devnet.addressesFile, '--key', payer]);
    assert.equal(prove.code, 0, prove.stderr);
    gas.prove.push(gasOf(prove.stdout));
    assert.equal(await status(hash), 'in-window');
    const early = await hyperion(['withdraw', 'finalize', hash, '--l1-rpc', devnet.l1, '--l2-rpc', devnet.l2, '--addresses', devnet.addressesFile, '--key', payer]);
    assert.notEqual(early.code, 0, 'finalizing inside the window must fail');

    await skipWindow();
    assert.equal(await status(hash), 'ready-to-finalize');
    const before = await l1.getBalance(user.address);
    const fin = await hyperion(['withdraw', 'finalize', hash, '--l1-rpc', devnet.l1, '--l2-rpc', devnet.l2, '--addresses', devnet.addressesFile, '--key', payer]);
    assert.equal(fin.code, 0, fin.stderr);
    gas.finalize.push(gasOf(fin.stdout));
    assert.equal(await l1.getBalance(user.address), before + ethers.parseEther('1.5'));
    assert.equal(await status(hash), 'finalized');
    const twice = await hyperion(['withdraw', 'finalize', hash, '--l1-rpc', devnet.l1, '--l2-rpc', devnet.l2, '--addresses', devnet.addressesFile, '--key', payer]);
    assert.notEqual(twice.code, 0, 'a second finalization must fail');
    assert.equal(await l1.getBalance(user.address), before + ethers.parseEther('1.5'));
  });

  test("viem's OP-stack actions, unchanged, against the devnet's addresses", async () => {
    const l1Chain = defineChain({ id: 31337, name: 'devnet L1', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [devnet.l1] } } });
    const l2Chain = defineChain({
      id: 901, name: 'devnet L2', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [devnet.l2] } }, sourceId: 31337,
      contracts: { portal: { 31337: { address: devnet.addresses.OptimismPortal } }, l2OutputOracle: { 31337: { address: devnet.addresses.L2OutputOracle } } },
    });
    const account = privateKeyToAccount(devKeys[4]);
    // getWithdrawalStatus reads through multicall; anvil has no Multicall3, so it is called deployless.
    const publicL1 = createPublicClient({ chain: l1Chain, transport: http(), batch: { multicall: { deployless: true } } }).extend(publicActionsL1());
    const walletL1 = createWalletClient({ account, chain: l1Chain, transport: http() }).extend(walletActionsL1());
    const publicL2 = createPublicClient({ chain: l2Chain, transport: http() }).extend(publicActionsL2());
    const walletL2 = createWalletClient({ account, chain: l2Chain, transport: http() }).extend(walletActionsL2());

    // The L2 accounts' genesis balances are not backed on L1: the portal pays withdrawals from deposits, so deposit first.
    const deposit = await publicL1.waitForTransactionReceipt({
      hash: await walletL1.depositTransaction({ request: { gas: 100_000n, to: account.address, amount: parseEther('1'), mint: parseEther('1') }, targetChain: l2Chain }),
    });
    assert.equal(deposit.status, 'success');
    const receipt = await publicL2.waitForTransactionReceipt({ hash: await walletL2.initiateWithdrawal({ request: { gas: 100_000n, to: account.address, value: parseEther('0.75') } }) });
    assert.equal(receipt.status, 'success');
    await until('viem: ready-to-prove', 300_000, async () => (await publicL1.getWithdrawalStatus({ receipt, targetChain: l2Chain })) === 'ready-to-prove', 1000);
    const output = await publicL1.getL2Output({ l2BlockNumber: receipt.blockNumber, targetChain: l2Chain });
    const [withdrawal] = getWithdrawals(receipt);
    const args = await publicL2.buildProveWithdrawal({ account, output, withdrawal });
    const proveReceipt = await publicL1.waitForTransactionReceipt({ hash: await walletL1.proveWithdrawal(args) });
    assert.equal(proveReceipt.status, 'success');
    gas.prove.push(Number(proveReceipt.gasUsed));
    assert.equal(await publicL1.getWithdrawalStatus({ receipt, targetChain: l2Chain }), 'waiting-to-finalize');

    await skipWindow();
    const before = await publicL1.getBalance({ address: account.address });
    const finalizeReceipt = await publicL1.waitForTransactionReceipt({ hash: await walletL1.finalizeWithdrawal({ targetChain: l2Chain, withdrawal }) });
    assert.equal(finalizeReceipt.status, 'success');
    gas.finalize.push(Number(finalizeReceipt.gasUsed));
    const paid = finalizeReceipt.gasUsed * finalizeReceipt.effectiveGasPrice;
    assert.equal(await publicL1.getBalance({ address: account.address }), before + parseEther('0.75') - paid);
    assert.equal(await publicL1.getWithdrawalStatus({ receipt, targetChain: l2Chain }), 'finalized');
  });

  test('a rogue output with a forged withdrawal proven against it is deleted by the challenger; the withdrawal cannot be finalized; correct outputs stay', async () => {
    const coder = ethers.AbiCoder.defaultAbiCoder();
    const thief = new ethers.Wallet(devKeys[5], l1);
    // A withdrawal never made on L2, and a message-passer storage trie holding only it (one leaf).
    const forged = [(1n << 240n) + 999_999n, thief.address, thief.address, ethers.parseEther('1'), 100_000n, '0x'];
    const forgedHash = ethers.keccak256(coder.encode(['uint256', 'address', 'address', 'uint256', 'uint256', 'bytes'], forged));
    const slot = ethers.keccak256(coder.encode(['bytes32', 'uint256'], [forgedHash, 0]));
    const leaf = ethers.encodeRlp([ethers.concat(['0x20', ethers.keccak256(slot)]), '0x01']);
    const outputRootProof = [ethers.ZeroHash, ethers.id('any state root'), ethers.keccak256(leaf), ethers.id('any block hash')];
    const forgedRoot = ethers.keccak256(ethers.concat(outputRootProof));

    // Propose it with the proposer's key while the honest proposer waits for the block to be safe.
    const rogue = new ethers.Contract(devnet.addresses.L2OutputOracle, oracleAbi, new ethers.Wallet(devKeys[7], l1));
    const thiefPortal = new ethers.Contract(devnet.addresses.OptimismPortal, portalAbi, thief);
    let index;
    let number;
    await until('a rogue proposal', 240_000, async () => {
      number = await oracle.nextBlockNumber();
      const status = await rpc(devnet.l2, 'optimism_syncStatus');
      if (BigInt(status.safe_l2.number) >= number || BigInt(status.unsafe_l2.number) < number) return false;
      if ((await oracle.computeL2Timestamp(number)) >= BigInt(await l1Time())) return false;
      index = await oracle.nextOutputIndex();
      const proposal = await rogue.proposeL2Output(forgedRoot, number, ethers.ZeroHash, 0, { maxFeePerGas: ethers.parseUnits('20', 'gwei'), maxPriorityFeePerGas: ethers.parseUnits('3', 'gwei'), gasLimit: 200_000 });
      // The proof goes right behind it (a lower tip), before the verifier has derived the block.
      const prove = await thiefPortal.proveWithdrawalTransaction(forged, index, outputRootProof, [leaf], { maxFeePerGas: ethers.parseUnits('20', 'gwei'), maxPriorityFeePerGas: ethers.parseUnits('1', 'gwei'), gasLimit: 600_000 });
      const proposed = await proposal.wait().catch(() => null);
      if (!proposed || proposed.status !== 1 || (await oracle.getL2Output(index)).outputRoot !== forgedRoot) return false;
      const proven = await prove.wait().catch(() => null);
      if (!proven || proven.status !== 1) await (await thiefPortal.proveWithdrawalTransaction(forged, index, outputRootProof, [leaf], { gasLimit: 600_000 })).wait();
      return true;
    }, 250);
    const proven = await thiefPortal.provenWithdrawals(forgedHash);
    assert.equal(proven.outputRoot, forgedRoot, 'the forged withdrawal was proven against the rogue output');
    const proposedAt = Number((await oracle.getL2Output(index)).timestamp);

    await until('the challenger to delete the rogue output', 240_000, async () => (await oracle.nextOutputIndex()) <= index || (await oracle.getL2Output(index)).outputRoot !== forgedRoot, 1000);
    assert.ok((await l1Time()) <= proposedAt + WINDOW, 'deleted inside the window');
    const challenger = await rpc(devnet.challenger, 'challenger_status');
    const deleted = challenger.checks.filter((c) => c.verdict === 'deleted');
    assert.equal(deleted.length, 1, JSON.stringify(challenger));
    assert.equal(deleted[0].proposed, forgedRoot);
    assert.equal(BigInt(deleted[0].l2BlockNumber), number);
    for (const check of challenger.checks.filter((c) => c.verdict === 'correct')) assert.equal(check.proposed, check.computed);
    const metrics = await (await fetch(`${devnet.challenger}/metrics`)).text();
    assert.match(metrics, /hyperion_challenger_outputs_total\{verdict="deleted"\} 1/);

    // The honest proposer posts the block again, correctly; the challenger leaves it.
    await until('the honest output of the same block', 240_000, async () => {
      if ((await oracle.nextOutputIndex()) <= index) return false;
      const out = await oracle.getL2Output(index);
      return out.l2BlockNumber === number && out.outputRoot === (await rpc(devnet.verifier, 'optimism_outputAtBlock', [ethers.toQuantity(number)])).outputRoot;
    }, 1000);

    await skipWindow();
    await assert.rejects(thiefPortal.finalizeWithdrawalTransaction(forged), /revert/i);
    assert.equal(await portal.finalizedWithdrawals(forgedHash), false);
    // Every output the oracle holds now is the verifier's.
    const count = await oracle.nextOutputIndex();
    for (let i = 0n; i < count; i++) {
      const out = await oracle.getL2Output(i);
      const own = await rpc(devnet.verifier, 'optimism_outputAtBlock', [ethers.toQuantity(out.l2BlockNumber)]);
      assert.equal(out.outputRoot, own.outputRoot, `output ${i}`);
    }
    assert.equal((await rpc(devnet.challenger, 'challenger_status')).deleted, 1);
  });
});
