// A rollup devnet made of its separate processes, each controllable on its own: anvil as L1 (Cancun, blobs, two-slot
// epochs), `hyperion rollup deploy`, `hyperion sequencer`, `hyperion node` (the verifier) and `hyperion batcher`.
// `./hyperion devnet` runs the same pieces as one command; tests that kill, restart or swap a piece use this.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { ethers } from 'ethers';
import { batch, binDir, freePort, mnemonic, repoRoot, rpcTimeoutMs } from './node.mjs';

const hyperion = path.join(repoRoot, 'hyperion');

/** The ten dev accounts of the test mnemonic (#0 deploys and owns SystemConfig, #8 the batcher, #9 the sequencer). */
export const accounts = Array.from({ length: 10 }, (_, i) => ethers.HDNodeWallet.fromPhrase(mnemonic, undefined, `m/44'/60'/0'/0/${i}`));

export { freePort };

// A bound on every request, so that a probe in `until` cannot outlive its deadline on a peer that stopped answering.
export async function rpc(url, method, params = []) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), signal: AbortSignal.timeout(rpcTimeoutMs) });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

export async function until(what, timeoutMs, probe, intervalMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

/**
 * Starts `./hyperion devnet` (one process: anvil, deploy, sequencer, verifier, batcher, proposer, challenger) on free
 * ports with `args` added, and resolves once it is up: { l1, l2, verifier, challenger (URLs), addresses,
 * addressesFile, dataDir (rollup.json is there), output(), stop() } (stop sends SIGTERM, resolves the exit code and
 * removes the data directory).
 */
export async function startDevnet(args = []) {
  const [l1Port, l2Port, verifierPort, challengerPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hyperion-devnet-e2e-'));
  const child = spawn(hyperion, ['devnet', '--data-dir', dataDir, '--l1-port', String(l1Port), '--l2-port', String(l2Port),
    '--verifier-port', String(verifierPort), '--challenger-port', String(challengerPort), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  let exitCode = null;
  const exited = new Promise((resolve) => child.on('exit', (code) => { exitCode = code; resolve(code); }));
  const stop = async () => {
    if (exitCode !== null) return exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await exited;
    clearTimeout(timer);
    fs.rmSync(dataDir, { recursive: true, force: true });
    return code;
  };
  try {
    await until('the devnet to start', 600_000, async () => {
      if (exitCode !== null) throw new Error(`devnet exited with ${exitCode}:\n${output.slice(-3000)}`);
      return output.includes('Ctrl-C stops everything.');
    }, 500);
  } catch (e) {
    await stop();
    throw e;
  }
  const addressesFile = path.join(dataDir, 'addresses.json');
  return {
    l1: `http://127.0.0.1:${l1Port}`, l2: `http://127.0.0.1:${l2Port}`, verifier: `http://127.0.0.1:${verifierPort}`,
    challenger: `http://127.0.0.1:${challengerPort}`, addresses: JSON.parse(fs.readFileSync(addressesFile, 'utf8')), addressesFile, dataDir,
    output: () => output, stop,
  };
}

/** A child process that can be stopped (any signal) and started again with the same arguments. */
class Piece {
  constructor(name, command, args) {
    this.name = name;
    this.command = command;
    this.args = args;
    this.log = '';
  }

  start() {
    this.log += `--- ${this.name} started\n`;
    const child = spawn(this.command, this.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d) => { this.log += d; });
    child.stderr.on('data', (d) => { this.log += d; });
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
    this.child = child;
    return this;
  }

  get running() { return this.child && this.child.exitCode === null && this.child.signalCode === null; }

  async stop(signal = 'SIGTERM') {
    if (!this.running) return this.exited;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  tail(chars = 3000) { return this.log.slice(-chars); }
}

async function run(args) {
  const piece = new Piece(args[0], hyperion, args).start();
  const code = await piece.exited;
  if (code !== 0) throw new Error(`hyperion ${args.join(' ')} exited with ${code}:\n${piece.tail()}`);
  return piece.log;
}

/** Starts `hyperion ARGS` as a process that can be stopped (e.g. a verifier beside `./hyperion devnet`). */
export function spawnHyperion(name, args) {
  return new Piece(name, hyperion, args).start();
}

/** Waits until `piece` answers JSON-RPC on `url` (and fails at once if it exits). */
export async function answers(url, piece, timeoutMs = 300_000) {
  await until(`${piece.name} on ${url}`, timeoutMs, async () => {
    if (!piece.running) throw new Error(`${piece.name} exited:\n${piece.tail()}`);
    return (await rpc(url, 'eth_chainId')) !== undefined;
  }, 200);
}

/**
 * Starts anvil, deploys, and starts the sequencer, the verifier and the batcher. Options: l1BlockTime (s),
 * channelTimeout (L1 blocks), batcher: extra `hyperion batcher` arguments (e.g. ['--data-availability', 'blobs']).
 */
export async function startRollup({ l1BlockTime = 1, channelTimeout = 50, batcher = [], sequencer = [] } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hyperion-rollup-e2e-'));
  const [l1Port, seqPort, verifierPort] = [await freePort(), await freePort(), await freePort()];
  const l1 = `http://127.0.0.1:${l1Port}`;
  const l2 = `http://127.0.0.1:${seqPort}`;
  const verifierUrl = `http://127.0.0.1:${verifierPort}`;
  const pieces = [];
  const net = {
    dir, l1, l2, verifier: verifierUrl, pieces,
    async stop() {
      for (const piece of [...pieces].reverse()) await piece.stop();
      // HYPERION_E2E_LOGS=DIR keeps every process's output there (what the nodes dropped, reset, re-posted).
      if (process.env.HYPERION_E2E_LOGS) {
        fs.mkdirSync(process.env.HYPERION_E2E_LOGS, { recursive: true });
        for (const piece of pieces) fs.writeFileSync(path.join(process.env.HYPERION_E2E_LOGS, `${piece.name}.log`), piece.log);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
    /** The last lines of every process, to explain a failure. */
    logs(chars = 2500) { return pieces.map((p) => `=== ${p.name}\n${p.tail(chars)}`).join('\n'); },
  };
  try {
    const anvil = new Piece('anvil', path.join(binDir, 'anvil'), ['--host', '127.0.0.1', '--port', String(l1Port), '--hardfork', 'cancun',
      '--block-time', String(l1BlockTime), '--slots-in-an-epoch', '2', '--silent']).start();
    pieces.push(anvil);
    await answers(l1, anvil);
    const fund = accounts.flatMap((a) => ['--fund', `${a.address}=10000000000000000000000`]);
    await run(['rollup', 'deploy', '--l1-rpc', l1, '--deployer-key', accounts[0].privateKey, '--batcher', accounts[8].address, '--l2-chain-id', '901',
      '--block-time', '1', '--seq-window', '200', '--channel-timeout', String(channelTimeout), ...fund, '--out', dir]);
    net.rollupConfig = path.join(dir, 'rollup.json');
    net.addresses = JSON.parse(fs.readFileSync(path.join(dir, 'addresses.json'), 'utf8'));
    net.sequencer = new Piece('sequencer', hyperion, ['sequencer', '--l1-rpc', l1, '--rollup-config', net.rollupConfig, '--sequencer-key', accounts[9].privateKey,
      '--data-dir', path.join(dir, 'sequencer'), '--port', String(seqPort), ...sequencer]).start();
    pieces.push(net.sequencer);
    net.verifierNode = new Piece('verifier', hyperion, ['node', '--l1-rpc', l1, '--rollup-config', net.rollupConfig, '--data-dir', path.join(dir, 'verifier'),
      '--port', String(verifierPort)]).start();
    pieces.push(net.verifierNode);
    await answers(l2, net.sequencer);
    await answers(verifierUrl, net.verifierNode);
    net.batcherArgs = (key) => ['batcher', '--l1-rpc', l1, '--l2-rpc', l2, '--rollup-config', net.rollupConfig, '--batcher-key', key, ...batcher];
    net.batcher = new Piece('batcher', hyperion, net.batcherArgs(accounts[8].privateKey)).start();
    pieces.push(net.batcher);
    /** Starts another process of this devnet (e.g. a batcher with another key, a fresh verifier; `command`: another build's). */
    net.spawn = (name, args, command = hyperion) => {
      const piece = new Piece(name, command, args).start();
      pieces.push(piece);
      return piece;
    };
    net.answers = answers;
    return net;
  } catch (e) {
    await net.stop();
    throw e;
  }
}

/** Blocks 1..last of two L2 nodes: the numbers whose hash or state root differ (none when they agree). */
export async function disagreements(urlA, urlB, last, first = 1) {
  const differ = [];
  for (let n = first; n <= last; n += 16) {
    const numbers = Array.from({ length: Math.min(16, last - n + 1) }, (_, i) => n + i);
    await Promise.all(numbers.map(async (k) => {
      const tag = `0x${k.toString(16)}`;
      const [a, b] = await Promise.all([rpc(urlA, 'eth_getBlockByNumber', [tag, false]), rpc(urlB, 'eth_getBlockByNumber', [tag, false])]);
      if (!a || !b || a.hash !== b.hash || a.stateRoot !== b.stateRoot) differ.push(k);
    }));
  }
  return differ.sort((x, y) => x - y);
}

/**
 * Sends signed transactions, senders in parallel and each sender's in nonce order, keeping at most 16 of a sender's
 * in the pool (its account slots), as a wallet would. `plans[s]` = [{ raw, nonce }] of sender `senders[s]`.
 * Returns the hashes in sending order of each sender.
 */
export async function sendThrottled(url, senders, plans) {
  return Promise.all(plans.map(async (plan, s) => {
    const hashes = [];
    for (const { raw, nonce } of plan) {
      await until(`room in the pool for ${senders[s]}`, 60_000, async () => nonce - Number(await rpc(url, 'eth_getTransactionCount', [senders[s], 'latest'])) < 16, 100);
      hashes.push(await rpc(url, 'eth_sendRawTransaction', [raw]));
    }
    return hashes;
  }));
}

/** The batcher transaction format (derivation.md): version 0 followed by frames. */
export function batcherData(frames) {
  return ethers.concat(['0x00', ...frames]);
}

/** One frame: channel id (16 bytes), frame number (u16), data length (u32), data, is_last (u8). */
export function frame(channelId, number, data, isLast) {
  const header = new Uint8Array(22);
  header.set(ethers.getBytes(channelId), 0);
  new DataView(header.buffer).setUint16(16, number);
  new DataView(header.buffer).setUint32(18, ethers.getBytes(data).length);
  return ethers.concat([header, data, isLast ? '0x01' : '0x00']);
}

/**
 * 1,000 L2 transactions of mixed kinds from eight senders (125 each): an ERC20 and a Registry deployed per sender,
 * then plain transfers, ERC20 transfers, registrations, two kinds of reverting registration and more deployments.
 * Checks that each succeeded or reverted as planned and paid an L1 data fee; returns the last block holding one.
 * `contracts` is compileContracts().contracts.
 */
export async function sendMixedTransactions(url, senders, contracts, chainId = 901n) {
  assert.equal(senders.length, 8);
  const perSender = 125;
  const l2 = new ethers.JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const fee = { maxFeePerGas: ethers.parseUnits('20', 'gwei'), maxPriorityFeePerGas: 1000n, chainId, type: 2 };
  const registry = contracts.Registry;
  const registryIface = new ethers.Interface(registry.abi);
  const tokenIface = new ethers.Interface(contracts.HyperionToken.abi);
  const tokenDeploy = ethers.concat([contracts.HyperionToken.bytecode, ethers.AbiCoder.defaultAbiCoder().encode(['uint256'], [10n ** 24n])]);
  const plans = await Promise.all(senders.map(async (wallet, s) => {
    const start = await l2.getTransactionCount(wallet.address, 'pending');
    const token = ethers.getCreateAddress({ from: wallet.address, nonce: start });
    const reg = ethers.getCreateAddress({ from: wallet.address, nonce: start + 1 });
    const txs = [
      { data: tokenDeploy, gasLimit: 1_500_000, status: 1 },
      { data: registry.bytecode, gasLimit: 1_000_000, status: 1 },
    ];
    for (let i = 2; i < perSender; i++) {
      switch (i % 6) {
        case 0: txs.push({ to: ethers.Wallet.createRandom().address, value: BigInt(i), gasLimit: 21_000, status: 1 }); break;
        case 1: txs.push({ to: token, data: tokenIface.encodeFunctionData('transfer', [senders[(s + 1) % 8].address, BigInt(i)]), gasLimit: 80_000, status: 1 }); break;
        case 2: txs.push({ to: reg, data: registryIface.encodeFunctionData('register', [`name-${s}-${i}`]), gasLimit: 150_000, status: 1 }); break;
        case 3: txs.push({ to: reg, data: registryIface.encodeFunctionData('register', [`name-${s}-${i - 1}`]), gasLimit: 150_000, status: 0 }); break; // NameTaken
        case 4: txs.push({ to: reg, data: registryIface.encodeFunctionData('register', ['']), gasLimit: 150_000, status: 0 }); break; // "empty name"
        default: txs.push({ data: registry.bytecode, gasLimit: 1_000_000, status: 1 }); break;
      }
    }
    return Promise.all(txs.map(async ({ status, ...tx }, k) => ({ raw: await wallet.signTransaction({ ...fee, ...tx, nonce: start + k }), status, nonce: start + k })));
  }));
  const hashes = await sendThrottled(url, senders.map((w) => w.address), plans);
  const expected = plans.flatMap((plan, s) => plan.map(({ status }, k) => ({ hash: hashes[s][k], status })));
  assert.equal(expected.length, 1000);
  const last = await until('every transaction included', 180_000, async () => {
    const receipts = await Promise.all(plans.map((plan) => l2.getTransactionReceipt(ethers.Transaction.from(plan[plan.length - 1].raw).hash)));
    return receipts.every((r) => r) ? Math.max(...receipts.map((r) => r.blockNumber)) : null;
  });
  // In JSON-RPC batches, as a client would: a thousand parallel requests would exceed the node's connections per client.
  const receipts = [];
  for (let i = 0; i < expected.length; i += 250) {
    receipts.push(...await batch(url, expected.slice(i, i + 250).map(({ hash }) => ['eth_getTransactionReceipt', [hash]])));
  }
  assert.deepEqual(receipts.map((r) => Number(r.status)), expected.map((e) => e.status), 'each transaction succeeded or reverted as planned');
  assert.ok(receipts.every((r) => BigInt(r.l1Fee) > 0n), 'every L2 transaction paid an L1 data fee');
  l2.destroy();
  return last;
}

/** The size in bytes of the RLP item at the start of `bytes` (header and payload). */
function rlpItemSize(bytes) {
  const b = bytes[0];
  const long = (n) => 1 + n + Number(ethers.toBigInt(bytes.subarray(1, 1 + n)));
  if (b < 0x80) return 1;
  if (b < 0xb8) return 1 + b - 0x80;
  if (b < 0xc0) return long(b - 0xb7);
  if (b < 0xf8) return 1 + b - 0xc0;
  return long(b - 0xf7);
}

/**
 * The singular batches ({ parentHash, timestamp }) in complete calldata channels (zlib) that `batcher` posted to
 * `inbox` in L1 blocks from..to: [{ l1Block, channel, batches }], in L1 order. An independent reading of the
 * batch format (derivation.md), to check what a batcher posted; channels that do not decode are left out.
 */
export async function postedChannels(l1, inbox, batcher, from, to) {
  const frames = new Map(); // channel id → { l1Block, parts: Map(number → data), last }
  const complete = [];
  for (let n = from; n <= to; n++) {
    const block = await rpc(l1, 'eth_getBlockByNumber', [`0x${n.toString(16)}`, true]);
    for (const tx of block.transactions) {
      if (tx.to?.toLowerCase() !== inbox.toLowerCase() || tx.from.toLowerCase() !== batcher.toLowerCase()) continue;
      const data = ethers.getBytes(tx.input);
      if (data[0] !== 0) continue;
      for (let at = 1; at + 23 <= data.length;) {
        const view = new DataView(data.buffer, data.byteOffset + at);
        const id = ethers.hexlify(data.slice(at, at + 16));
        const number = view.getUint16(16);
        const length = view.getUint32(18);
        if (at + 22 + length + 1 > data.length) break;
        const channel = frames.get(id) ?? { parts: new Map(), last: -1 };
        channel.parts.set(number, data.slice(at + 22, at + 22 + length));
        if (data[at + 22 + length] === 1) channel.last = number;
        frames.set(id, channel);
        if (channel.last >= 0 && channel.parts.size === channel.last + 1) {
          frames.delete(id);
          const bytes = Buffer.concat(Array.from({ length: channel.last + 1 }, (_, i) => channel.parts.get(i)));
          try {
            const batches = [];
            let rest = zlib.inflateSync(bytes);
            while (rest.length > 0) {
              const size = rlpItemSize(rest); // each batch is an RLP string: version 0 then the batch's RLP list
              const batchBytes = ethers.getBytes(ethers.decodeRlp(rest.subarray(0, size)));
              rest = rest.subarray(size);
              if (batchBytes[0] === 0) {
                const [parentHash, , , timestamp] = ethers.decodeRlp(batchBytes.slice(1));
                batches.push({ parentHash, timestamp: Number(timestamp) });
              }
            }
            complete.push({ l1Block: n, channel: id, batches });
          } catch {
            // not a channel of zlib-compressed batches (hostile data): derivation drops it too
          }
        }
        at += 22 + length + 1;
      }
    }
  }
  return complete;
}
