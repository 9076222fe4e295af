// Chain benchmarks against anvil in the same run (issue 4):
//   1. N pre-signed ERC20 transfers from S senders, sent with eth_sendRawTransaction: time until all are mined → tx/s, Mgas/s
//   2. send → receipt latency at a light load (one transfer at a time, 20 ms apart): p50 / p99 of 100 sends on the
//      warmed node (after --latency-warmup untimed sends, default 300), and of the 100 sent right after 1. (cold: a
//      fresh Hyperion's background JIT then still compiles 1.'s hot code, several ms of a core per send for the next
//      few hundred sends on a 2-core machine), each with the node's CPU per send and its JIT thread's share (/proc:
//      more than a few µs in the warmed row means the warm-up was too short at this load). The warm-up is the same for
//      every node, anvil included; --latency-warmup 0 times the next 100 at once. Then the node's peak resident memory
//      so far (VmHWM; a runtime knob such as DOTNET_GCgen0size moves it, docs/benchmarks.md, s45gc).
//   3. eth_call and eth_getBalance requests per second (C concurrent clients)
//   (1. also reports the bench client's own CPU seconds while it sends and waits: the part of the time that is not the
//   node's; the node's CPU per transfer from /proc, all its threads; and the bytes it allocated per transfer, from its
//   /metrics.)
// Usage: node e2e/bench/chain-bench.mjs [--txs 10000] [--senders 1000] [--seconds 5] [--concurrency 16] [--durable 1]
//   --durable 1 also runs Hyperion with a data directory (fsynced block log, MetisDB state) beside the in-memory run.
//   --send batch|single: how 1. sends the transfers: JSON-RPC batches of 200, one after another or --streams at a time (batch,
//   the default), or
//   each as its own eth_sendRawTransaction request with --concurrency requests in flight (single; --client picks the
//   HTTP client, e.g. raw).
//   --preconfirm N instead measures only send → receipt for N transfers, one at a time (issue 14), on four nodes at
//   once, interleaved: Hyperion with --block-time 1000 (receipts preconfirmed), Hyperion automine, anvil automine and
//   anvil --block-time 1 (its receipts come with the block; --interval-samples of them, default 40, as each waits ~0.5 s),
//   each after --latency-warmup untimed sends (20 on anvil --block-time 1).
//   --transport ws sends and polls over one WebSocket per node instead of an HTTP request per call (node's fetch costs
//   ~1 ms a request here, which is most of a preconfirmed round trip).
//   --hyperion label=/path/to/checkout (repeatable; default this checkout) runs each Hyperion configuration on every
//   checkout, one right after the other (an A/B in the same run, e.g. --hyperion main=/work/main --hyperion new=.).
//   --streams K sends the transfers of 1. as K concurrent streams of batches (default 1: one batch at a time, each
//   answered once its block is durable), so that a batch arrives while the previous one's block is built and
//   committed, and consecutive blocks follow one another (issue 14: the commit of one overlapped with the next).
//   --reads 0 skips 3. in the default mode. --url URL runs the default mode only on a node already running there (one
//   started under a profiler, e.g. `dotnet-trace collect -- dotnet artifacts/publish/Hyperion.Cli/release/hyperion.dll dev`).
//   --reads-only 1 measures only 3. (no transaction phases) on every node in one run, interleaved over --rounds R
//   (default 3; the median is reported), after --warmup S seconds of each method on each node (default 10: the JIT's
//   tiers settle); --methods eth_call,eth_getBalance (the default) picks the methods. --clients P spreads the C concurrent requests over P worker threads (default 1), so that the client's own
//   JSON and HTTP work runs on more than one core and is less of the limit; the same client measures every node. It
//   also reports each node's CPU per request (from /proc) and the client's. --url URL with --reads-only measures only
//   the node running there (e.g. under dotnet-trace; --pid P for its CPU per request).
//   --client fetch|http|raw: the HTTP client of every request, for every node alike: node's fetch (undici, the
//   default), node:http over kept-alive connections, or raw HTTP/1.1 on one kept-alive socket per request in flight,
//   whose own cost per request is about a tenth of fetch's (e2e/lib/http-rpc.mjs): with fetch the client, not the node,
//   is the limit of --reads-only on a 2-core machine.
//   --sender-tag T derives the senders' keys with T (default none), so that a second run against the same --url node
//   uses fresh senders (e.g. a warm-up run, then one under a profiler).
//   --pace answered|mined: when a stream sends its next batch of 1. (and the setup its next): once the last is answered
//   (answered, the default), or once the node's pool (txpool_status, pending + queued) holds at most (K − 1) batches, K
//   = --streams (mined: every batch but the other streams' mined first). Hyperion answers a send only once its block is
//   durable, so both are the same for it but for one txpool_status per batch; anvil answers once pooled, so with
//   `answered` the client runs ahead of its mining (its pool grows by thousands at --txs 10000), with `mined` it does not.
//   anvil's leg runs with --max-transactions above the run's transaction count (e2e/lib/node.mjs, anvilAutomineArgs):
//   anvil 1.7.1's automine livelocks once 1,000 transactions are ready in its pool, which `answered` reaches at
//   --txs 10000 (after 3,000–4,000 transfers here) and in --senders 1000's setup (2,000 transactions from one account).
//   --leg-timeout S (default 600): a node's leg of the default mode (start, transfers, reads, stop) that takes longer is
//   stopped: its node is killed, the leg is reported as timed out, the other legs still run, and the bench exits 1.
//   --rounds R (default mode: default 1) runs every leg R times, each on a freshly started node once the previous leg's
//   node has exited, in the order --order gives: abba (the default: the listed order, then reversed, and so on), random
//   (a shuffle per round from --seed N, printed; default a new seed) or listed (every round the same). The table is
//   then each node's median over its rounds, and a second one gives every leg's tx/s and CPU per transfer in the
//   order it ran. One leg of a fresh node at 1,000 transfers is a 0.1–0.15 s window: compare medians of R >= 4 rounds.
//   (The client's JIT is warmed before the first leg, and each leg signs its transfers before its setup: the first leg
//   of a run used to come out 26–52 µs per transfer faster than the second, docs/benchmarks.md, s40e2e.)
//   --settle-ms N (default 1000): after 1.'s setup every node idles N ms, and a fresh Hyperion until its background JIT
//   has been idle for 100 ms, before the timed transfers: it promotes the setup's hot code then (0.5–0.7 s of its JIT
//   thread) on every leg, not in the window or after it on some; 0 starts the window at once (the JIT thread's row
//   shows what then runs in it).
//   --env label:NAME=VALUE (repeatable) sets an environment variable for the Hyperion node of --hyperion label only,
//   e.g. a runtime knob A/B on one build: --hyperion base=. --hyperion nogc=. --env nogc:DOTNET_gcConcurrent=0.
import { ethers } from 'ethers';
import { compileContracts } from '../lib/compile.mjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startNode, devKeys, batch, anvilAutomineArgs } from '../lib/node.mjs';
import { Worker } from 'node:worker_threads';
import { rpcWith, closeIdle } from '../lib/http-rpc.mjs';
import { legOrder, legOrders, median } from '../lib/bench-rounds.mjs';

// The usage is this file's opening comment: --help prints it; an unknown or incomplete option names itself and exits 2.
function usage() {
  const text = fs.readFileSync(new URL(import.meta.url), 'utf8');
  return text.slice(0, text.indexOf('\nimport ')).split('\n').map((line) => line.replace(/^\/\/ ?/, '')).join('\n');
}
const knownOptions = new Set(['txs', 'senders', 'seconds', 'concurrency', 'durable', 'preconfirm', 'interval-samples',
  'transport', 'hyperion', 'reads', 'streams', 'url', 'pid', 'reads-only', 'rounds', 'warmup', 'methods', 'clients', 'client',
  'send', 'leg-timeout', 'sender-tag', 'latency-warmup', 'pace', 'order', 'seed', 'env', 'settle-ms']);
const args = {};
const hyperionCheckouts = [];
const hyperionEnv = []; // [label, NAME, VALUE] of each --env
for (let i = 2; i < process.argv.length; i += 2) {
  const flag = process.argv[i];
  if (flag === '--help' || flag === '-h') { console.log(usage()); process.exit(0); }
  const name = flag.replace(/^--/, '');
  const value = process.argv[i + 1];
  if (!flag.startsWith('--') || !knownOptions.has(name) || value === undefined || value.startsWith('--')) {
    console.error(`chain-bench: unknown or incomplete option ${flag}\n\n${usage()}`);
    process.exit(2);
  }
  if (name === 'hyperion') {
    const at = value.indexOf('=');
    hyperionCheckouts.push(at < 0 ? [value, value] : [value.slice(0, at), value.slice(at + 1)]);
  } else if (name === 'env') {
    const match = /^([^:]+):([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(value);
    if (!match) { console.error(`chain-bench: --env ${value}: expected label:NAME=VALUE`); process.exit(2); }
    hyperionEnv.push(match.slice(1));
  } else args[name] = value;
}
const TXS = Number(args.txs ?? 10000);
const SENDERS = Number(args.senders ?? 1000);
const STREAMS = Number(args.streams ?? 1);
const SENDER_TAG = args['sender-tag'] ?? '';
const SECONDS = Number(args.seconds ?? 5);
const CONCURRENCY = Number(args.concurrency ?? 16);
const READS = args.reads === undefined || Number(args.reads) !== 0;
const TRANSPORT = args.transport ?? 'http';
if (TRANSPORT !== 'http' && TRANSPORT !== 'ws') throw new Error(`--transport ${TRANSPORT}: expected http or ws`);
const CLIENT = args.client ?? 'fetch';
if (!['fetch', 'http', 'raw'].includes(CLIENT)) throw new Error(`--client ${CLIENT}: expected fetch, http or raw`);
const SEND = args.send ?? 'batch';
if (SEND !== 'batch' && SEND !== 'single') throw new Error(`--send ${SEND}: expected batch or single`);
const PACE = args.pace ?? 'answered';
if (PACE !== 'answered' && PACE !== 'mined') throw new Error(`--pace ${PACE}: expected answered or mined`);
const LEG_TIMEOUT_SECONDS = Number(args['leg-timeout'] ?? 600);
const LATENCY_WARMUP = Number(args['latency-warmup'] ?? 300);
const SETTLE_MS = Number(args['settle-ms'] ?? 1000);
if (!(SETTLE_MS >= 0)) throw new Error(`--settle-ms ${args['settle-ms']}: expected a number of milliseconds`);
if (!(LATENCY_WARMUP >= 0)) throw new Error(`--latency-warmup ${args['latency-warmup']}: expected a number of sends`);
if (!(LEG_TIMEOUT_SECONDS > 0)) throw new Error(`--leg-timeout ${args['leg-timeout']}: expected a positive number of seconds`);
const BATCH_SIZE = 200; // transfers per JSON-RPC batch of 1.
const checkouts = (hyperionCheckouts.length > 0 ? hyperionCheckouts : [['hyperion', '.']]).map(([label, root]) => ({ label, root: path.resolve(root), env: {} }));
for (const [label, name, value] of hyperionEnv) {
  const checkout = checkouts.find((c) => c.label === label);
  if (!checkout) { console.error(`chain-bench: --env ${label}:${name}: no --hyperion ${label}=…`); process.exit(2); }
  checkout.env[name] = value;
}
if (new Set(checkouts.map((c) => c.label)).size !== checkouts.length) { console.error('chain-bench: two --hyperion with the same label'); process.exit(2); }
const ROUNDS = Number(args.rounds ?? (args['reads-only'] ? 3 : 1));
const ORDER = args.order ?? 'abba';
if (!legOrders.includes(ORDER)) throw new Error(`--order ${ORDER}: expected one of ${legOrders.join(', ')}`);
const SEED = args.seed !== undefined ? Number(args.seed) : Math.floor(Math.random() * 2 ** 31);
if (!Number.isInteger(SEED)) throw new Error(`--seed ${args.seed}: expected a whole number`);

function rpc(url, method, params) {
  return rpcWith(CLIENT, url, method, params);
}

/** `call` is a URL (one HTTP request per call) or a function (method, params) → result, e.g. a WebSocket client's. */
async function waitForReceipt(call, hash) {
  const request = typeof call === 'function' ? call : (m, p) => rpc(call, m, p);
  for (;;) {
    const r = await request('eth_getTransactionReceipt', [hash]);
    if (r) return r;
    await new Promise((res) => setTimeout(res, 1));
  }
}

/** A JSON-RPC client over one WebSocket: call(method, params) → result; close(). */
async function webSocketClient(wsUrl) {
  const { default: WebSocket } = await import('ws');
  const socket = new WebSocket(wsUrl);
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
  const waiting = new Map();
  let nextId = 1;
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString());
    const entry = waiting.get(message.id);
    if (!entry) return;
    waiting.delete(message.id);
    if (message.error) entry.reject(new Error(`${entry.method}: ${message.error.message}`));
    else entry.resolve(message.result);
  });
  return {
    call: (method, params) => new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject, method });
      socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    }),
    close: () => socket.close(),
  };
}

/**
 * Sends one transfer at a time from sender and times each send → receipt (receipts polled every millisecond), in ms.
 * `call` as for waitForReceipt: HTTP by default, or a WebSocket client's call (--transport ws).
 */
function latencyProbe({ url, call, chainId, sender, nonce, recipient, maxFeePerGas, maxPriorityFeePerGas }) {
  const request = call ?? ((m, p) => rpc(url, m, p));
  return async () => {
    const raw = await sender.signTransaction({ type: 2, chainId, nonce: nonce++, to: recipient, value: 1n, gasLimit: 21000, maxFeePerGas, maxPriorityFeePerGas });
    const t0 = performance.now();
    const hash = await request('eth_sendRawTransaction', [raw]);
    await waitForReceipt(request, hash);
    return performance.now() - t0;
  };
}

function percentiles(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  return { p50: at(0.5), p99: at(0.99), samples: sorted.length };
}

/** --preconfirm N: send → receipt on four nodes, one transaction at a time, round-robin so all see the same load. */
async function preconfirmLatency(count, intervalSamples) {
  const configs = [
    ...checkouts.flatMap(({ label, root, env }) => [
      { name: `${label} --block-time 1000 (preconfirmed)`, kind: 'hyperion', root, env, extraArgs: ['--block-time', '1000'], samples: count },
      { name: `${label} automine`, kind: 'hyperion', root, env, extraArgs: [], samples: count },
    ]),
    { name: 'anvil automine', kind: 'anvil', extraArgs: ['--accounts', '10'], samples: count },
    { name: 'anvil --block-time 1', kind: 'anvil', extraArgs: ['--accounts', '10', '--block-time', '1'], samples: intervalSamples, warmup: Math.min(20, LATENCY_WARMUP) },
  ];
  for (const c of configs) c.warmup ??= LATENCY_WARMUP; // untimed first sends: the JIT's tiers settle, on every node alike
  for (const c of configs) {
    c.node = await startNode({ kind: c.kind, extraArgs: c.extraArgs, env: c.env, ...(c.root ? { root: c.root } : {}) });
    if (c.node.unavailable) throw new Error(c.node.unavailable);
    const provider = new ethers.JsonRpcProvider(c.node.url, undefined, { staticNetwork: true });
    const sender = new ethers.Wallet(devKeys[0], provider);
    const fees = await provider.getFeeData();
    if (TRANSPORT === 'ws') c.client = await webSocketClient(c.node.wsUrl);
    c.next = latencyProbe({ url: c.node.url, call: c.client?.call, chainId: c.node.chainId, sender, nonce: await provider.getTransactionCount(sender.address, 'pending'),
      recipient: ethers.Wallet.createRandom().address, maxFeePerGas: fees.maxFeePerGas * 4n, maxPriorityFeePerGas: fees.maxPriorityFeePerGas });
    c.times = [];
    provider.destroy();
  }
  for (let i = -Math.max(...configs.map((c) => c.warmup)); i < count; i++) {
    for (const c of configs) {
      if (i < -c.warmup || i >= c.samples) continue;
      const ms = await c.next();
      if (i >= 0) c.times.push(ms);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  for (const c of configs) {
    c.client?.close();
    await c.node.stop();
  }
  const ours = percentiles(configs[0].times);
  console.log(`load: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; transport: ${TRANSPORT}`);
  console.log('\n| node | samples | send→receipt p50 (ms) | p99 (ms) | p50 ratio node/preconfirmed |\n|---|---:|---:|---:|---:|');
  for (const c of configs) {
    const r = percentiles(c.times);
    console.log(`| ${c.name} | ${r.samples} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${(r.p50 / ours.p50).toFixed(1)} |`);
  }
}

/** Each live thread of a process: tid → { name, ns } (its time on a CPU, /proc/<pid>/task/<tid>/schedstat). */
function threadCpu(pid) {
  const threads = new Map();
  let tids = [];
  try { tids = fs.readdirSync(`/proc/${pid}/task`); } catch { return threads; }
  for (const tid of tids) {
    try {
      const name = fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const ns = Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      threads.set(tid, { name, ns });
    } catch { /* the thread ended meanwhile */ }
  }
  return threads;
}

/** The name (/proc comm, 15 characters) of the .NET runtime's background JIT thread, "Tiered Compilation Worker". */
const JIT_THREAD = '.NET Tiered Com';

/** CPU ns per thread name between two threadCpu snapshots (a thread started between them counts from 0). */
function threadCpuSince(before, after) {
  const byName = new Map();
  for (const [tid, { name, ns }] of after) byName.set(name, (byName.get(name) ?? 0) + ns - (before.get(tid)?.ns ?? 0));
  return byName;
}

/**
 * A process's counters so far from /proc/<pid>/stat: user and kernel CPU seconds (10 ms ticks), minor and major page
 * faults (a major one read a file's page from disk); zeros where there is none.
 */
function processStat(pid) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return { userSeconds: Number(fields[11]) / 100, kernelSeconds: Number(fields[12]) / 100, minorFaults: Number(fields[7]), majorFaults: Number(fields[9]) };
  } catch {
    return { userSeconds: 0, kernelSeconds: 0, minorFaults: 0, majorFaults: 0 };
  }
}

/** A process's peak resident memory so far in MB (/proc/<pid>/status VmHWM); NaN where there is none. */
function peakRssMegabytes(pid) {
  try {
    const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
    return line ? Number(line.split(/\s+/)[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU seconds a process has used so far (user + system, from /proc; 0 where there is none). */
function processCpuSeconds(pid) {
  const { userSeconds, kernelSeconds } = processStat(pid);
  return userSeconds + kernelSeconds;
}

/** The node's managed bytes allocated so far (hyperion_allocated_bytes_total of its /metrics); NaN where there is none (anvil, an older build). */
async function allocatedBytes(url) {
  try {
    const response = await fetch(new URL('/metrics', url));
    if (!response.ok) return NaN;
    const line = (await response.text()).split('\n').find((l) => l.startsWith('hyperion_allocated_bytes_total '));
    return line ? Number(line.split(' ')[1]) : NaN;
  } catch {
    return NaN;
  }
}

/**
 * Requests per second of one method, from `clients` worker threads with `concurrency` requests in flight in all;
 * also the CPU microseconds per request of the node (`pid`) and of this client process.
 */
async function readsPerSecond(url, method, params, seconds, concurrency, clients, pid) {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
  const nodeCpu = pid ? processCpuSeconds(pid) : 0;
  const clientCpu = process.cpuUsage();
  const counts = await Promise.all(Array.from({ length: clients }, (_, i) => new Promise((resolve, reject) => {
    const inFlight = Math.floor(concurrency / clients) + (i < concurrency % clients ? 1 : 0);
    const worker = new Worker(new URL('./read-worker.mjs', import.meta.url), { workerData: { url, body, seconds, inFlight, client: CLIENT } });
    worker.once('message', resolve);
    worker.once('error', reject);
  })));
  const requests = counts.reduce((a, b) => a + b, 0);
  const clientUsed = process.cpuUsage(clientCpu);
  return {
    perSecond: requests / seconds,
    nodeCpuMicros: pid ? ((processCpuSeconds(pid) - nodeCpu) * 1e6) / requests : NaN,
    clientCpuMicros: (clientUsed.user + clientUsed.system) / requests,
  };
}

/**
 * --reads-only: eth_call (ERC20 balanceOf) and eth_getBalance req/s on every node, interleaved round by round, with
 * each node's and the client's CPU per request. With --url, only on the node already running there (e.g. under a profiler).
 */
async function readsOnly() {
  const rounds = ROUNDS;
  const clients = Number(args.clients ?? 1);
  const WARMUP_SECONDS = Number(args.warmup ?? 10);
  const methods = (args.methods ?? 'eth_call,eth_getBalance').split(',');
  const nodes = args.url
    ? [{ label: 'url', kind: 'url', node: { url: args.url, pid: args.pid, stop: async () => {} } }]
    : [...checkouts.map(({ label, root, env }) => ({ label, kind: 'hyperion', root, env })), { label: 'anvil', kind: 'anvil' }];
  const { contracts } = compileContracts();
  for (const n of nodes) {
    n.node ??= await startNode({ kind: n.kind, root: n.root, env: n.env, extraArgs: n.kind === 'anvil' ? ['--accounts', '10'] : [] });
    if (n.node.unavailable) throw new Error(`${n.label}: ${n.node.unavailable}`);
    const provider = new ethers.JsonRpcProvider(n.node.url, undefined, { staticNetwork: true });
    const owner = new ethers.Wallet(devKeys[0], provider);
    const token = await new ethers.ContractFactory(contracts.HyperionToken.abi, contracts.HyperionToken.bytecode, owner).deploy(10n ** 30n);
    await token.waitForDeployment();
    const holder = owner.address;
    n.reads = {
      eth_call: [{ to: await token.getAddress(), data: token.interface.encodeFunctionData('balanceOf', [holder]) }, 'latest'],
      eth_getBalance: [holder, 'latest'],
    };
    n.results = { eth_call: [], eth_getBalance: [] };
    provider.destroy();
  }
  for (const n of nodes) {
    for (const method of methods) await readsPerSecond(n.node.url, method, n.reads[method], WARMUP_SECONDS, CONCURRENCY, clients); // JIT warm-up
  }
  for (let r = 0; r < rounds; r++) {
    for (const method of methods) {
      for (const n of nodes) n.results[method].push(await readsPerSecond(n.node.url, method, n.reads[method], SECONDS, CONCURRENCY, clients, n.node.pid));
    }
  }
  for (const n of nodes) await n.node.stop();
  const last = nodes[nodes.length - 1];
  console.log(`load: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ${rounds} rounds of ${SECONDS} s, ${CONCURRENCY} requests in flight from ${clients} client thread(s), client ${CLIENT}`);
  console.log(`\n| method | ${nodes.map((n) => `${n.label} req/s`).join(' | ')} | ${nodes.slice(0, -1).map((n) => `${n.label}/${last.label}`).join(' | ')} |\n|---|${'---:|'.repeat(2 * nodes.length - 1)}`);
  for (const method of methods) {
    const m = nodes.map((n) => median(n.results[method].map((x) => x.perSecond)));
    console.log(`| ${method} | ${m.map((x) => x.toFixed(0)).join(' | ')} | ${m.slice(0, -1).map((x) => (x / m[m.length - 1]).toFixed(2)).join(' | ')} |`);
  }
  console.log(`\nCPU µs per request (medians), node / client:\n\n| method | ${nodes.map((n) => n.label).join(' | ')} |\n|---|${'---:|'.repeat(nodes.length)}`);
  for (const method of methods) {
    const cell = (n) => `${median(n.results[method].map((x) => x.nodeCpuMicros)).toFixed(0)} / ${median(n.results[method].map((x) => x.clientCpuMicros)).toFixed(0)}`;
    console.log(`| ${method} | ${nodes.map(cell).join(' | ')} |`);
  }
  const rounded = (x) => ({ perSecond: Math.round(x.perSecond), nodeCpuMicros: Math.round(x.nodeCpuMicros), clientCpuMicros: Math.round(x.clientCpuMicros) });
  console.log(`\nall rounds: ${JSON.stringify(Object.fromEntries(nodes.map((n) => [n.label, Object.fromEntries(Object.entries(n.results).map(([m, xs]) => [m, xs.map(rounded)]))])))}`);
}

if (args['reads-only']) {
  await readsOnly();
  process.exit(0);
}

if (args.preconfirm) {
  await preconfirmLatency(Number(args.preconfirm), Number(args['interval-samples'] ?? 40));
  process.exit(0);
}

/** Waits until the node's pool (txpool_status: pending + queued) holds at most `limit` transactions. */
async function poolAtMost(url, limit) {
  for (;;) {
    const { pending, queued } = await rpc(url, 'txpool_status', []);
    if (Number(pending) + Number(queued) <= limit) return;
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** `live`, when given, gets the node as soon as it answers (so that a leg that times out can kill it). */
async function runOn({ kind, root, env, durable, url: runningAt }, live = {}) {
  const dataDir = durable ? fs.mkdtempSync(path.join(os.tmpdir(), 'hyperion-bench-')) : undefined;
  live.dataDir = dataDir;
  const node = runningAt
    ? { url: runningAt, chainId: BigInt(await rpc(runningAt, 'eth_chainId', [])), pid: args.pid, stop: async () => {} }
    : await startNode({ kind, dataDir, env, extraArgs: kind === 'anvil' ? ['--accounts', '10', ...anvilAutomineArgs(2 * SENDERS + TXS)] : [], ...(root ? { root } : {}), onSpawn: (child) => { live.child = child; } });
  if (node.unavailable) throw new Error(node.unavailable);
  live.node = node;
  if (live.timedOut) { await node.stop('SIGKILL'); throw new Error('timed out before its node answered'); }
  const url = node.url;
  const chainId = node.chainId;
  const provider = new ethers.JsonRpcProvider(url, undefined, { pollingInterval: 20, cacheTimeout: -1 });
  const owner = new ethers.Wallet(devKeys[0], provider);
  const { contracts } = compileContracts();
  const token = await new ethers.ContractFactory(contracts.HyperionToken.abi, contracts.HyperionToken.bytecode, owner).deploy(10n ** 30n);
  await token.waitForDeployment();
  const tokenAddress = await token.getAddress();
  const iface = token.interface;
  const feeData = await provider.getFeeData();
  const maxFeePerGas = feeData.maxFeePerGas * 4n;
  const maxPriorityFeePerGas = feeData.maxPriorityFeePerGas;

  // Setup: senders get ETH and tokens (pre-signed, sent in batches).
  const senders = Array.from({ length: SENDERS }, (_, i) => new ethers.Wallet(ethers.keccak256(ethers.toUtf8Bytes(`bench-sender-${SENDER_TAG}${i}`))));
  let nonce = await provider.getTransactionCount(owner.address, 'pending');
  const setup = [];
  for (const s of senders) {
    setup.push(await owner.signTransaction({ type: 2, chainId, nonce: nonce++, to: s.address, value: 10n ** 17n, gasLimit: 21000, maxFeePerGas, maxPriorityFeePerGas }));
    setup.push(await owner.signTransaction({ type: 2, chainId, nonce: nonce++, to: tokenAddress, data: iface.encodeFunctionData('transfer', [s.address, 10n ** 20n]), gasLimit: 60000, maxFeePerGas, maxPriorityFeePerGas }));
  }
  // 1.'s transfers are signed before the setup is sent, so that its timed window starts right after the setup's last
  // receipt on every leg. Signed in between (0.6 s on a warm client, 1.3–1.7 s on a cold or busy one) they let a fresh
  // node's background JIT tier up the setup's hot code before the window on some legs and not on others: 26–52 µs per
  // transfer between the legs of one build (docs/benchmarks.md, s40e2e).
  const perSender = Math.ceil(TXS / SENDERS);
  const recipient = ethers.Wallet.createRandom().address;
  const signed = [];
  for (let k = 0; k < perSender; k++) {
    for (const s of senders) {
      if (signed.length >= TXS) break;
      signed.push(await s.signTransaction({ type: 2, chainId, nonce: k, to: tokenAddress, data: iface.encodeFunctionData('transfer', [recipient, 1n]), gasLimit: 60000, maxFeePerGas, maxPriorityFeePerGas }));
    }
  }
  let lastSetup;
  for (let i = 0; i < setup.length; i += 100) {
    if (PACE === 'mined') await poolAtMost(url, 0);
    const hashes = await batch(url, setup.slice(i, i + 100).map((raw) => ['eth_sendRawTransaction', [raw]]));
    lastSetup = hashes[hashes.length - 1];
  }
  await waitForReceipt(url, lastSetup);
  const setupDone = performance.now();
  const threadsAtSetupDone = node.pid ? threadCpu(node.pid) : new Map();
  // --settle-ms: every node idles that long after its setup, and a fresh Hyperion until its background JIT has been idle
  // for 100 ms (at most 10 s more): it promotes the setup's hot code then (0.5–0.7 s of its thread), before the window
  // on every leg instead of in it or after it on some (docs/benchmarks.md, s40e2e).
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  for (let jitBefore = -1, waited = 0; node.pid && waited < 10_000; waited += 100) {
    const jitNow = [...threadCpu(node.pid).values()].filter((t) => t.name === JIT_THREAD).reduce((sum, t) => sum + t.ns, 0);
    if (jitNow === jitBefore) break;
    jitBefore = jitNow;
    await new Promise((r) => setTimeout(r, 100));
  }

  // 1. Throughput.
  const startBlock = BigInt(await rpc(url, 'eth_blockNumber', []));
  const allocatedBefore = kind === 'anvil' ? NaN : await allocatedBytes(url);
  const started = performance.now();
  const monotonicStart = process.hrtime.bigint(); // CLOCK_MONOTONIC: lines up with `perf record -k CLOCK_MONOTONIC` samples
  const clientCpuBefore = process.cpuUsage(); // the client's own CPU (JSON, HTTP) while the node works: is the bench the limit?
  const nodeCpuBefore = node.pid ? processCpuSeconds(node.pid) : NaN;
  const nodeStatBefore = node.pid ? processStat(node.pid) : undefined;
  const nodeThreadsBefore = node.pid ? threadCpu(node.pid) : new Map(); // ns per thread: /proc/<pid>/stat's 10 ms ticks are 10 µs per transfer at 1,000
  const gapSpent = threadCpuSince(threadsAtSetupDone, nodeThreadsBefore);
  // From the setup's last receipt to the window: its length and the node's CPU in it (its background JIT's apart).
  const gap = { seconds: (started - setupDone) / 1000, nodeCpuMs: [...gapSpent.values()].reduce((x, y) => x + y, 0) / 1e6, jitMs: (gapSpent.get(JIT_THREAD) ?? 0) / 1e6 };
  const lastHashes = [];
  if (SEND === 'batch') {
    const batches = [];
    for (let i = 0; i < signed.length; i += BATCH_SIZE) batches.push(signed.slice(i, i + BATCH_SIZE));
    let nextBatch = 0;
    // Each stream takes the next batch when its last one is answered. With more than one, a batch of later nonces may be
    // admitted before the one it follows: the pool queues it until the gap fills, and the count below waits for all.
    await Promise.all(Array.from({ length: STREAMS }, async () => {
      while (nextBatch < batches.length) {
        if (PACE === 'mined') await poolAtMost(url, (STREAMS - 1) * BATCH_SIZE);
        if (nextBatch >= batches.length) break; // taken by another stream meanwhile
        const index = nextBatch++;
        const hashes = await batch(url, batches[index].map((raw) => ['eth_sendRawTransaction', [raw]]));
        lastHashes[index] = hashes[hashes.length - 1];
      }
    }));
  } else {
    // --send single: every transfer its own request, CONCURRENCY in flight, taken in the signed order.
    const hashes = new Array(signed.length);
    let taken = 0;
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, signed.length) }, async () => {
      while (taken < signed.length) {
        const i = taken++;
        hashes[i] = await rpc(url, 'eth_sendRawTransaction', [signed[i]]);
      }
    }));
    lastHashes.push(...hashes);
  }
  for (const h of lastHashes.slice(-SENDERS)) await waitForReceipt(url, h);
  // Every transaction of the run must be mined: count them block by block.
  let mined = 0; let gas = 0n; let blocks = 0;
  for (let n = startBlock + 1n; mined < signed.length; n++) {
    let block = await rpc(url, 'eth_getBlockByNumber', [ethers.toQuantity(n), false]);
    while (!block) { await new Promise((r) => setTimeout(r, 2)); block = await rpc(url, 'eth_getBlockByNumber', [ethers.toQuantity(n), false]); }
    mined += block.transactions.length; gas += BigInt(block.gasUsed); blocks++;
  }
  const seconds = (performance.now() - started) / 1000;
  const clientCpu = process.cpuUsage(clientCpuBefore);
  const clientCpuSeconds = (clientCpu.user + clientCpu.system) / 1e6;
  const nodeCpuMicrosPerTx = ((processCpuSeconds(node.pid) - nodeCpuBefore) * 1e6) / mined; // NaN without a pid (--url without --pid)
  const nodeStatAfter = node.pid ? processStat(node.pid) : undefined;
  const perTx = (counter, scale = 1) => (node.pid ? ((nodeStatAfter[counter] - nodeStatBefore[counter]) * scale) / mined : NaN);
  // Where the node's CPU goes besides its own code: the kernel (10 ms ticks: 10 µs per transfer at 1,000, a median over
  // rounds smooths it) and the page faults behind much of it (fresh GC heap, files mapped in).
  const nodeKernelMicrosPerTx = perTx('kernelSeconds', 1e6);
  const nodeMinorFaultsPerTx = perTx('minorFaults');
  const nodeMajorFaults = node.pid ? nodeStatAfter.majorFaults - nodeStatBefore.majorFaults : NaN;
  const nodeThreadsSpent = node.pid ? threadCpuSince(nodeThreadsBefore, threadCpu(node.pid)) : new Map();
  const nodeThreadsMicrosPerTx = node.pid ? [...nodeThreadsSpent.values()].reduce((x, y) => x + y, 0) / 1000 / mined : NaN; // threads that ended meanwhile are not in it
  const jitThreadMicrosPerTx = node.pid ? (nodeThreadsSpent.get(JIT_THREAD) ?? 0) / 1000 / mined : NaN;
  const allocatedBytesPerTx = (kind === 'anvil' ? NaN : (await allocatedBytes(url)) - allocatedBefore) / mined; // the node's whole process, all threads
  const monotonicWindow = [Number(monotonicStart) / 1e9, Number(process.hrtime.bigint()) / 1e9]; // the transfers' window, for a profiler's samples
  // Transfers per block: with single sends a block holds what arrived while the one before was built (a block's fixed
  // cost is shared by fewer transfers when it is smaller: docs/benchmarks.md, s47single).
  const throughput = { txs: mined, seconds, txPerSecond: mined / seconds, mgasPerSecond: Number(gas) / 1e6 / seconds, txPerBlock: mined / blocks, clientCpuSeconds, nodeCpuMicrosPerTx, nodeThreadsMicrosPerTx, jitThreadMicrosPerTx, nodeKernelMicrosPerTx, nodeMinorFaultsPerTx, nodeMajorFaults, allocatedBytesPerTx, monotonicWindow, gap };

  // 2. Latency at a light load (one transaction at a time, 20 ms apart): 100 sends right after the transfers (cold: a
  // fresh Hyperion's JIT is still compiling the transfers' hot code in the background, several ms of a core per send
  // for the next few hundred sends), then LATENCY_WARMUP untimed sends, then 100 on the warmed node — the same for
  // every node, anvil included. Each with the node's CPU per send and its JIT thread's share (/proc, per thread).
  const next = latencyProbe({ url, chainId, sender: senders[0], nonce: perSender, recipient, maxFeePerGas, maxPriorityFeePerGas });
  async function loneSend() {
    const ms = await next();
    await new Promise((r) => setTimeout(r, 20));
    return ms;
  }
  async function timedLoneSends(count) {
    const times = [];
    const before = node.pid ? threadCpu(node.pid) : new Map();
    for (let i = 0; i < count; i++) times.push(await loneSend());
    const spent = node.pid ? threadCpuSince(before, threadCpu(node.pid)) : new Map();
    const micros = (ns) => (node.pid ? ns / count / 1000 : NaN);
    const nodeNs = [...spent.values()].reduce((a, b) => a + b, 0);
    return { ...percentiles(times), nodeCpuMicros: micros(nodeNs), jitCpuMicros: micros(spent.get(JIT_THREAD) ?? 0) };
  }
  const cold = await timedLoneSends(100);
  for (let i = 0; i < LATENCY_WARMUP; i++) await loneSend();
  const latency = { ...(await timedLoneSends(100)), cold };

  // 3. Read requests per second.
  // The node's memory: its peak over the leg so far.
  const peakRssMb = node.pid ? peakRssMegabytes(node.pid) : NaN;
  if (!READS) {
    provider.destroy();
    closeIdle();
    await node.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    return { throughput, latency, peakRssMb, reads: { ethCall: NaN, getBalance: NaN } };
  }
  const callData = iface.encodeFunctionData('balanceOf', [recipient]);
  async function rps(method, params, seconds = SECONDS) {
    let count = 0;
    const deadline = performance.now() + seconds * 1000;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) { await rpc(url, method, params); count++; }
    }));
    return count / seconds;
  }
  // Warm-up (not counted): a JIT-compiled node (Hyperion) runs its first calls of a method unoptimized.
  await rps('eth_call', [{ to: tokenAddress, data: callData }, 'latest'], 1);
  await rps('eth_getBalance', [recipient, 'latest'], 1);
  const reads = {
    ethCall: await rps('eth_call', [{ to: tokenAddress, data: callData }, 'latest']),
    getBalance: await rps('eth_getBalance', [recipient, 'latest']),
  };
  provider.destroy();
  closeIdle();
  await node.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  return { throughput, latency, peakRssMb, reads };
}

// Each configuration runs on every checkout, --rounds times, in --order (each leg on a node of its own, started once the
// previous leg's node has exited), so that they see the same load and no configuration keeps one place in the order.
const runs = args.url ? [{ name: 'node', url: args.url }] : [
  ...checkouts.map(({ label, root, env }) => ({ name: label, kind: 'hyperion', root, env })),
  ...(args.durable !== undefined && Number(args.durable) !== 0 ? checkouts.map(({ label, root, env }) => ({ name: `${label}-durable`, kind: 'hyperion', root, env, durable: true })) : []),
  { name: 'anvil', kind: 'anvil' },
];
const kinds = runs.map((r) => r.name);
if (args.url && ROUNDS !== 1) throw new Error('--rounds with --url: one run on the running node (its senders\' nonces are used up)');
const rounds = legOrder(kinds, ROUNDS, ORDER, SEED);
const results = Object.fromEntries(kinds.map((k) => [k, []])); // name → its legs' results in round order (null: failed)
const legs = []; // { round, position, name, result } in the order they ran

/**
 * One leg, given --leg-timeout seconds: the result, or null when it failed or timed out (then its node is killed; a leg
 * that hung once — an anvil gone defunct — held the whole bench for 19 minutes).
 */
async function runLeg(run) {
  const live = {};
  let timer;
  const leg = runOn(run, live);
  const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), LEG_TIMEOUT_SECONDS * 1000); });
  try {
    const outcome = await Promise.race([leg, timeout]);
    if (outcome !== 'timeout') return outcome;
    console.error(`chain-bench: ${run.name} timed out after ${LEG_TIMEOUT_SECONDS} s (--leg-timeout); its node is killed`);
    live.timedOut = true;
    leg.catch(() => {}); // what it still does fails once its node is gone (a node that answers only now is killed then)
    // Not answering yet (e.g. its launcher still building): the process itself.
    if (live.node) await live.node.stop('SIGKILL'); else live.child?.kill('SIGKILL');
    if (live.dataDir) fs.rmSync(live.dataDir, { recursive: true, force: true });
    return null;
  } catch (e) {
    console.error(`chain-bench: ${run.name} failed: ${e.stack ?? e}`);
    await live.node?.stop('SIGKILL').catch(() => {});
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The client's own JIT warm-up, untimed, before the first leg: signing a leg's transactions with cold JavaScript takes
 * twice as long, which paces the first leg's setup slower than the others' — enough, on a fresh Hyperion, for its
 * background JIT to tier up the setup's hot code before the timed transfers on that leg only (docs/benchmarks.md, s40e2e).
 */
async function warmClient() {
  const wallet = new ethers.Wallet(ethers.keccak256(ethers.toUtf8Bytes('bench-client-warmup')));
  const iface = new ethers.Interface(['function transfer(address to, uint256 amount)']);
  const signedTxs = [];
  for (let nonce = 0; nonce < Math.min(2 * SENDERS + TXS, 2000); nonce++) {
    signedTxs.push(await wallet.signTransaction({ type: 2, chainId: 1n, nonce, to: wallet.address, data: iface.encodeFunctionData('transfer', [wallet.address, 1n]), gasLimit: 60000, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n }));
  }
  // The send path too (JSON, HTTP, the answers' parsing): batches to a local stand-in that answers every call with a hash.
  const { createServer } = await import('node:http');
  const standIn = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const calls = JSON.parse(Buffer.concat(chunks).toString());
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(calls.map(({ id }) => ({ jsonrpc: '2.0', id, result: ethers.ZeroHash }))));
    });
  });
  await new Promise((resolve) => standIn.listen(0, '127.0.0.1', resolve));
  const standInUrl = `http://127.0.0.1:${standIn.address().port}`;
  for (let i = 0; i < signedTxs.length; i += BATCH_SIZE) await batch(standInUrl, signedTxs.slice(i, i + BATCH_SIZE).map((raw) => ['eth_sendRawTransaction', [raw]]));
  closeIdle();
  await new Promise((resolve) => standIn.close(resolve));
}
if (!args.url) await warmClient();
if (ROUNDS > 1) console.log(`${ROUNDS} rounds, order ${ORDER}${ORDER === 'random' ? ` (--seed ${SEED})` : ''}: ${rounds.map((r) => r.join(' ')).join(' | ')}`);
for (const [round, names] of rounds.entries()) {
  for (const [position, name] of names.entries()) {
    const result = await runLeg(runs.find((r) => r.name === name));
    results[name].push(result);
    legs.push({ round, position, name, result });
    console.log(`${ROUNDS > 1 ? `round ${round + 1}, leg ${position + 1}: ` : ''}${name}`, result ? JSON.stringify(result) : 'FAILED', `(load ${os.loadavg()[0].toFixed(2)})`);
  }
}
console.log(`load: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const failed = kinds.filter((k) => results[k].some((r) => !r));
const exitCode = failed.length === 0 ? 0 : 1;
if (args.url) process.exit(exitCode);
const ours = kinds.filter((k) => k !== 'anvil');
/** A configuration's figure: the median over its legs that did not fail (NaN when all did). */
const figure = (name, get) => median(results[name].filter(Boolean).map(get));
const ratio = (x, y) => (x && y && !Number.isNaN(x) && !Number.isNaN(y) ? (x / y).toFixed(2) : 'n/a');
const value = (name, get, digits) => (results[name].some(Boolean) ? figure(name, get).toFixed(digits) : 'failed');
const row = (label, get, digits, inverse = false) => {
  const anvil = figure('anvil', get);
  const ratios = ours.map((k) => (inverse ? ratio(anvil, figure(k, get)) : ratio(figure(k, get), anvil)));
  console.log(`| ${label} | ${ours.map((k) => value(k, get, digits)).join(' | ')} | ${value('anvil', get, digits)} | ${ratios.join(' | ')} |`);
};
console.log(`\n| metric${ROUNDS > 1 ? ` (median of ${ROUNDS} rounds)` : ''} | ${ours.join(' | ')} | anvil | ${ours.map((k) => `ratio ${k}/anvil`).join(' | ')} |\n|---|${'---:|'.repeat(2 * ours.length + 1)}`);
row(`${TXS} ERC20 transfers, tx/s`, (r) => r.throughput.txPerSecond, 0);
row('Mgas/s', (r) => r.throughput.mgasPerSecond, 1);
row('transfers per block', (r) => r.throughput.txPerBlock, 1);
row('bench client CPU during the transfers (s; ratio = anvil/ours)', (r) => r.throughput.clientCpuSeconds, 3, true);
row('node CPU per transfer (µs, /proc; ratio = anvil/ours)', (r) => r.throughput.nodeCpuMicrosPerTx, 0, true);
row('node CPU per transfer (µs, its threads\' schedstat, ns resolution; ratio = anvil/ours)', (r) => r.throughput.nodeThreadsMicrosPerTx, 1, true);
row('of it the JIT thread (µs per transfer, schedstat)', (r) => r.throughput.jitThreadMicrosPerTx, 1);
row('of it in the kernel (µs per transfer, /proc)', (r) => r.throughput.nodeKernelMicrosPerTx, 0);
row('node minor page faults per transfer (/proc; ratio = anvil/ours)', (r) => r.throughput.nodeMinorFaultsPerTx, 2, true);
row('node major page faults in the transfers (/proc)', (r) => r.throughput.nodeMajorFaults, 0);
row('node bytes allocated per transfer (/metrics; ratio = anvil/ours)', (r) => r.throughput.allocatedBytesPerTx, 0, true);
row('node peak RSS after the latency sends (MB, VmHWM; ratio = anvil/ours)', (r) => r.peakRssMb, 1, true);
row('send→receipt p50 (ms, warmed; ratio = anvil/ours)', (r) => r.latency.p50, 1, true);
row('send→receipt p99 (ms, warmed; ratio = anvil/ours)', (r) => r.latency.p99, 1, true);
row('node CPU per lone send, warmed (µs, /proc; ratio = anvil/ours)', (r) => r.latency.nodeCpuMicros, 0, true);
row('of it the JIT thread (µs, /proc)', (r) => r.latency.jitCpuMicros, 0);
row('send→receipt p50 (ms, cold: right after the transfers; ratio = anvil/ours)', (r) => r.latency.cold.p50, 1, true);
row('send→receipt p99 (ms, cold; ratio = anvil/ours)', (r) => r.latency.cold.p99, 1, true);
row('node CPU per lone send, cold (µs, /proc; ratio = anvil/ours)', (r) => r.latency.cold.nodeCpuMicros, 0, true);
row('of it the JIT thread, cold (µs, /proc)', (r) => r.latency.cold.jitCpuMicros, 0);
if (READS) {
  row('eth_call req/s', (r) => r.reads.ethCall, 0);
  row('eth_getBalance req/s', (r) => r.reads.getBalance, 0);
}
if (ROUNDS > 1) {
  // Every leg in the order it ran: whether a node's figure follows its place in the round rather than the node.
  console.log(`\ntx/s (node CPU µs per transfer, schedstat) of every leg, in the order it ran:\n\n| round | ${kinds.join(' | ')} |\n|---|${'---:|'.repeat(kinds.length)}`);
  for (const [round, names] of rounds.entries()) {
    const cell = (name) => {
      const leg = legs.find((l) => l.round === round && l.name === name);
      const t = leg.result?.throughput;
      return `${leg.position + 1}. ${t ? `${t.txPerSecond.toFixed(0)} (${t.nodeThreadsMicrosPerTx.toFixed(1)})` : 'failed'}`;
    };
    console.log(`| ${round + 1}: ${names.join(' ')} | ${kinds.map(cell).join(' | ')} |`);
  }
}
if (failed.length > 0) console.error(`chain-bench: failed or timed out (in at least one round): ${failed.join(', ')}`);
process.exit(exitCode);
