// Starts the node under test on a free port and stops it afterwards.
//   default          : ../hyperion dev --ephemeral (the product)
//   E2E_NODE=anvil   : anvil from npm, to check the tests themselves against a reference node
//   startNode({ kind: 'anvil' }) : anvil beside the node under test (to compare the two in one run)
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../..');
export const binDir = path.resolve(here, '../node_modules/.bin');
export const mnemonic = 'test test test test test test test test test test test junk';
/** The anvil/Hardhat dev keys of m/44'/60'/0'/0/0 and /1. */
export const devKeys = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
];

/**
 * anvil's arguments for automine with up to `poolDepth` transactions in its pool at once (a bench that sends faster
 * than anvil mines). anvil 1.7.1's automine livelocks once its pool holds --max-transactions (default 1,000) ready
 * transactions: its miner then hands the block producer the same first 1,000 on every poll, also while a block is
 * being mined, so its service loop never yields — one core spins, memory grows, the head stops and sends go
 * unanswered (foundry #16027, after 1.7.1, stopped selecting while a block is in flight). A cap above the pool's depth avoids
 * that, and changes no block's contents where 1,000 of the transactions do not fit in a block anyway: anvil skips a
 * transaction whose gas limit passes the block's 30M, so at a gas limit of 30,000 or more (the benches' ERC20
 * transfers: 60,000) the gas limit binds first.
 */
export function anvilAutomineArgs(poolDepth) {
  return ['--max-transactions', String(Math.max(1000, poolDepth + 1))];
}

/** A TCP port nobody listens on now. */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** How long one JSON-RPC request may take before it fails (a hung peer fails the test instead of stalling it). */
export const rpcTimeoutMs = 120_000;

async function rpc(url, method, params = []) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(rpcTimeoutMs),
  });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/** Sends [method, params] pairs as one JSON-RPC batch; returns the results in order (throws on any error). */
export async function batch(url, calls) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify(calls.map(([method, params], id) => ({ jsonrpc: '2.0', id, method, params }))), signal: AbortSignal.timeout(rpcTimeoutMs) });
  const body = await res.json();
  for (const r of body) if (r.error) throw new Error(r.error.message);
  return body.sort((a, b) => a.id - b.id).map((r) => r.result);
}

/**
 * Starts a node and resolves { url, wsUrl, chainId, stop, kind } once it answers eth_chainId, or
 * { unavailable: reason } when the node cannot start at all (so a suite can skip with that reason). `onSpawn` gets the
 * child process at once (a caller that gives up before the node answers can kill it).
 */
export async function startNode({ extraArgs = [], env = {}, timeoutMs = 300_000, dataDir = null, kind = process.env.E2E_NODE === 'anvil' ? 'anvil' : 'hyperion', root = repoRoot, onSpawn } = {}) {
  const port = await freePort();
  const [cmd, args] = kind === 'anvil'
    ? [path.join(binDir, 'anvil'), ['--port', String(port), '--silent', ...extraArgs]]
    : [path.join(root, 'hyperion'), ['dev', ...(dataDir ? ['--data-dir', dataDir] : ['--ephemeral']), '--port', String(port), ...extraArgs]];
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  onSpawn?.(child);
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  let exited = null;
  child.on('exit', (code) => { exited = code ?? -1; });

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited !== null) {
      return { unavailable: `${kind} exited with code ${exited}: ${output.trim().split('\n').slice(-3).join(' | ')}` };
    }
    try {
      const chainId = BigInt(await rpc(url, 'eth_chainId'));
      const stop = async (signal = 'SIGTERM') => {
        if (exited !== null) return;
        const done = new Promise((r) => child.once('exit', r));
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await done;
        clearTimeout(timer);
      };
      return { url, wsUrl: `ws://127.0.0.1:${port}`, chainId, stop, kind, pid: child.pid, output: () => output, rpc: (m, p) => rpc(url, m, p) };
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`${kind} did not answer on ${url} within ${timeoutMs} ms:\n${output}`);
}

/**
 * Opens a WebSocket to `wsUrl` and subscribes (eth_subscribe) to `kind`: resolves { id, results (each notification's
 * result as it comes), close() }, or rejects with the node's error message.
 */
export async function subscribe(wsUrl, kind) {
  const { default: WebSocket } = await import('ws');
  const socket = new WebSocket(wsUrl);
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
  const results = [];
  const answer = new Promise((resolve) => {
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString());
      if (message.id === 1) resolve(message);
      else if (message.method === 'eth_subscription') results.push(message.params.result);
    });
  });
  socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: [kind] }));
  const { result, error } = await answer;
  if (error) {
    socket.close();
    throw new Error(error.message);
  }
  return { id: result, results, close: () => socket.close() };
}
