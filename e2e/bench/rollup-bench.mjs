// The rollup devnet measured end to end (e2e/lib/rollup.mjs: anvil L1, sequencer, verifier, batcher as processes):
//   1. time from sending an L2 transaction to its receipt on the sequencer (unsafe) and to the verifier's safe head;
//   2. a load of ERC20 transfers, then a fresh verifier re-deriving the whole chain from L1: L2 blocks/s and Mgas/s
//      re-derived, against the chain's own pace (one block per second) and the sequencer's gas rate under the load;
//      once per --exec-threads value of --rederive (default "0,<cores>": sequential, then Block-STM on every core),
//      --rounds times in turn (default 1); with --main-dll PATH (another tree's published hyperion.dll, e.g.
//      /work/main's) also a verifier of that build (its own default executor) in each round, labelled "main"; with
//      --main-threads 0,2 as well, one of that build per value of its --exec-threads instead ("main@0", "main@2").
// The L1 cost per transaction of each batcher setting is `hyperion bench rollup batches` (computed from the bytes).
//   node bench/rollup-bench.mjs [--transfers N] [--samples N] [--rederive 0,2] [--rounds N] [--main-dll PATH [--main-threads 0,2]] [-- <extra hyperion batcher args>]
//   node bench/rollup-bench.mjs --preconfirm N [--warmup W]: only the sequencer's preconfirmed send → receipt, N
//   transfers one at a time (each pre-signed; the receipt asked for as soon as the send answers, then every
//   millisecond), after W untimed ones (default 200: the sequencer's JIT reaches its optimized code; with 20 the first
//   samples run unoptimized code and are several times slower): p50 / p99, and apart those sent in the first 100 ms of
//   a second (right after a block seals, when the next block is being opened).
import os from 'node:os';
import { ethers } from 'ethers';
import { compileContracts } from '../lib/compile.mjs';
import { accounts, freePort, rpc, sendThrottled, startRollup, until } from '../lib/rollup.mjs';

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const batcherArgs = dash >= 0 ? argv.slice(dash + 1) : [];
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && (dash < 0 || i < dash) ? Number(argv[i + 1]) : fallback;
};
const transfers = option('--transfers', 2000);
const rederiveAt = argv.includes('--rederive') ? argv[argv.indexOf('--rederive') + 1].split(',').map(Number) : [0, os.cpus().length];
const rounds = option('--rounds', 1);
const mainDll = argv.includes('--main-dll') ? argv[argv.indexOf('--main-dll') + 1] : null;
const mainThreads = argv.includes('--main-threads') ? argv[argv.indexOf('--main-threads') + 1].split(',').map(Number) : null;
const samples = option('--samples', 9);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const hex = (n) => `0x${n.toString(16)}`;

const net = await startRollup({ batcher: batcherArgs });
if (option('--preconfirm', 0) > 0) {
  try {
    await preconfirmLatency(option('--preconfirm', 0));
  } finally {
    await net.stop();
  }
  process.exit(0);
}

/** Send → receipt on the sequencer, one transfer at a time, after `--warmup` unmeasured ones (the JIT warms up). */
async function preconfirmLatency(count) {
  const warmup = option('--warmup', 200);
  const user = accounts[1];
  const fee = { maxFeePerGas: ethers.parseUnits('20', 'gwei'), maxPriorityFeePerGas: 1000n, chainId: 901n, type: 2 };
  let nonce = Number(await rpc(net.l2, 'eth_getTransactionCount', [user.address, 'pending']));
  const times = [];
  const sends = []; // of which the send (answered once preconfirmed)
  const afterSeal = []; // sent in the first 100 ms of a second: the L2 block (timestamps in whole seconds) has just sealed
  for (let i = -warmup; i < count; i++) {
    const raw = await user.signTransaction({ ...fee, to: ethers.Wallet.createRandom().address, value: 1n, gasLimit: 21_000, nonce: nonce++ });
    const sent = performance.now();
    const phase = Date.now() % 1000;
    const hash = await rpc(net.l2, 'eth_sendRawTransaction', [raw]);
    const answered = performance.now();
    while (!(await rpc(net.l2, 'eth_getTransactionReceipt', [hash]))) await new Promise((r) => setTimeout(r, 1));
    if (i >= 0) {
      times.push(performance.now() - sent);
      sends.push(answered - sent);
      if (phase < 100) afterSeal.push(performance.now() - sent);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const at = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)];
  console.log(`load: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`rollup sequencer preconfirmed send → receipt: ${times.length} samples, p50 ${at(times, 0.5).toFixed(2)} ms, p99 ${at(times, 0.99).toFixed(2)} ms`
    + ` (the send alone: p50 ${at(sends, 0.5).toFixed(2)} ms, p99 ${at(sends, 0.99).toFixed(2)} ms;`
    + ` sent within 100 ms after a block boundary: ${afterSeal.length} samples, p50 ${at(afterSeal, 0.5).toFixed(2)} ms, max ${Math.max(...afterSeal).toFixed(2)} ms)`);
}

try {
  const l2 = new ethers.JsonRpcProvider(net.l2, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const fee = { maxFeePerGas: ethers.parseUnits('20', 'gwei'), maxPriorityFeePerGas: 1000n, chainId: 901n, type: 2 };

  // 1. Latency: one transfer at a time, the chain otherwise idle.
  const toUnsafe = [];
  const toSafe = [];
  const user = accounts[1];
  for (let i = 0; i < samples; i++) {
    const nonce = await l2.getTransactionCount(user.address, 'pending');
    const raw = await user.signTransaction({ ...fee, to: ethers.Wallet.createRandom().address, value: 1n, gasLimit: 21_000, nonce });
    const sent = performance.now();
    const hash = await rpc(net.l2, 'eth_sendRawTransaction', [raw]);
    const receipt = await until('the receipt', 60_000, () => rpc(net.l2, 'eth_getTransactionReceipt', [hash]), 20);
    toUnsafe.push(performance.now() - sent);
    const block = Number(receipt.blockNumber);
    await until('the verifier\'s safe head', 120_000, async () => (await rpc(net.verifier, 'optimism_syncStatus')).safe_l2.number >= block, 50);
    toSafe.push(performance.now() - sent);
  }

  // 2. Load: ERC20 transfers from eight senders (each to its own token), as fast as the pool takes them.
  const token = compileContracts().contracts.HyperionToken;
  const iface = new ethers.Interface(token.abi);
  const senders = accounts.slice(0, 8);
  const deploy = ethers.concat([token.bytecode, ethers.AbiCoder.defaultAbiCoder().encode(['uint256'], [10n ** 27n])]);
  const plans = await Promise.all(senders.map(async (wallet) => {
    const start = await l2.getTransactionCount(wallet.address, 'pending');
    const tokenAddress = ethers.getCreateAddress({ from: wallet.address, nonce: start });
    const txs = [{ data: deploy, gasLimit: 1_500_000 }];
    for (let i = 1; i <= Math.ceil(transfers / senders.length); i++) {
      txs.push({ to: tokenAddress, data: iface.encodeFunctionData('transfer', [ethers.Wallet.createRandom().address, BigInt(i) * 10n ** 15n]), gasLimit: 60_000 });
    }
    return Promise.all(txs.map(async (tx, k) => ({ raw: await wallet.signTransaction({ ...fee, ...tx, nonce: start + k }), nonce: start + k })));
  }));
  const firstBlock = (await l2.getBlockNumber()) + 1;
  const hashes = await sendThrottled(net.l2, senders.map((w) => w.address), plans);
  const lastBlock = await until('the load to be included', 300_000, async () => {
    const receipts = await Promise.all(hashes.map((h) => rpc(net.l2, 'eth_getTransactionReceipt', [h[h.length - 1]])));
    return receipts.every((r) => r) ? Math.max(...receipts.map((r) => Number(r.blockNumber))) : null;
  });
  let loadGas = 0n;
  for (let n = firstBlock; n <= lastBlock; n++) loadGas += BigInt((await rpc(net.l2, 'eth_getBlockByNumber', [hex(n), false])).gasUsed);
  const loadSeconds = lastBlock - firstBlock + 1; // one L2 block per second
  const target = await until('the verifier to make the load safe', 300_000, async () => {
    const s = await rpc(net.verifier, 'optimism_syncStatus');
    return s.safe_l2.number >= lastBlock ? s.safe_l2.number : null;
  });
  let chainGas = 0n;
  for (let n = 1; n <= target; n++) chainGas += BigInt((await rpc(net.l2, 'eth_getBlockByNumber', [hex(n), false])).gasUsed);

  // 3. A fresh verifier re-derives blocks 1..target from L1 alone; timed from its first safe block to the target.
  const rederive = async (threads) => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const args = ['node', '--l1-rpc', net.l1, '--rollup-config', net.rollupConfig, '--ephemeral', '--port', String(port)];
    const main = String(threads).startsWith('main');
    const execThreads = main ? (threads.includes('@') ? ['--exec-threads', threads.split('@')[1]] : []) : ['--exec-threads', String(threads)];
    const fresh = main
      ? net.spawn(`fresh-verifier-${threads}`, [mainDll, ...args, ...execThreads], 'dotnet')
      : net.spawn(`fresh-verifier-${threads}`, [...args, ...execThreads]);
    await net.answers(url, fresh);
    const [startBlock, startTime] = await until('the fresh verifier\'s first safe block', 120_000, async () => {
      const n = (await rpc(url, 'optimism_syncStatus')).safe_l2.number;
      return n > 0 ? [n, performance.now()] : null;
    }, 20);
    await until('the fresh verifier to reach the target', 600_000, async () => (await rpc(url, 'optimism_syncStatus')).safe_l2.number >= target, 20);
    const seconds = (performance.now() - startTime) / 1000;
    let derivedGas = 0n;
    for (let n = startBlock + 1; n <= target; n++) derivedGas += BigInt((await rpc(url, 'eth_getBlockByNumber', [hex(n), false])).gasUsed);
    const head = await rpc(url, 'eth_getBlockByNumber', [hex(target), false]);
    await fresh.stop();
    return { threads, startBlock, seconds, derivedGas, hash: head.hash };
  };
  const runs = [];
  const variants = mainDll ? [...(mainThreads ? mainThreads.map((t) => `main@${t}`) : ['main']), ...rederiveAt] : rederiveAt;
  for (let r = 0; r < rounds; r++) for (const threads of variants) runs.push(await rederive(threads));
  if (new Set(runs.map((x) => x.hash)).size !== 1) throw new Error(`the fresh verifiers derived different blocks ${target}: ${runs.map((x) => `${x.threads}: ${x.hash}`).join(', ')}`);

  const ms = (x) => `${Math.round(x)} ms`;
  console.log(`batcher: ${batcherArgs.join(' ') || 'defaults (calldata, zlib, singular)'}; L1 block time 1 s, L2 block time 1 s`);
  console.log(`tx -> unsafe (sequencer receipt): median ${ms(median(toUnsafe))} of ${samples} [${toUnsafe.map(ms).join(', ')}]`);
  console.log(`tx -> safe (verifier safe head): median ${ms(median(toSafe))} of ${samples} [${toSafe.map(ms).join(', ')}]`);
  console.log(`load: ${hashes.flat().length} txs in L2 blocks ${firstBlock}..${lastBlock}: ${(Number(loadGas) / 1e6 / loadSeconds).toFixed(2)} Mgas/s at the chain's pace`);
  const byThreads = new Map(variants.map((t) => [t, runs.filter((x) => x.threads === t)]));
  for (const [threads, xs] of byThreads) {
    const x = xs.find((y) => y.seconds === median(xs.map((z) => z.seconds)));
    console.log(`fresh verifier ${String(threads).startsWith('main') ? `of ${mainDll}${threads.includes('@') ? ` --exec-threads ${threads.split('@')[1]}` : ''}` : `--exec-threads ${threads}`}: blocks ${x.startBlock + 1}..${target} (${(Number(chainGas) / 1e6).toFixed(1)} Mgas in blocks 1..${target}) re-derived in `
      + `median ${x.seconds.toFixed(1)} s of ${xs.length} [${xs.map((y) => y.seconds.toFixed(1)).join(', ')}]: `
      + `${((target - x.startBlock) / x.seconds).toFixed(1)} blocks/s, ${(Number(x.derivedGas) / 1e6 / x.seconds).toFixed(2)} Mgas/s (the chain makes 1 block/s)`);
  }
  console.log(`load: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; the same block ${target} (${runs[0].hash}) from every verifier`);
} finally {
  await net.stop();
}
