// The operator's node: a TOML --config with HYPERION_* overrides, `config print`, the log (--log-level debug, failed
// transactions with their reason), /metrics, one-line errors, and SIGINT.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, startNode, repoRoot } from '../lib/node.mjs';

const run = promisify(execFile);
const hyperion = path.join(repoRoot, 'hyperion');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hyperion-operating-'));
const config = path.join(dir, 'hyperion.toml');
fs.writeFileSync(config, 'chain-id = 4242\naccounts = 3\nlog-level = "info"\n\n[dev]\nrpc-gas-cap = 1000000\n');
// The environment beats the file; the flags startNode passes (--ephemeral, --port) beat both.
const env = { HYPERION_ACCOUNTS: '2', HYPERION_LOG_LEVEL: 'debug', HYPERION_PORT: '1', HYPERION_RPC_CONNECTIONS_PER_CLIENT: '4' };

const node = process.env.E2E_NODE === 'anvil' ? { unavailable: 'hyperion only' } : await startNode({ extraArgs: ['--config', config], env });
const skip = node.unavailable ? `node unavailable: ${node.unavailable}` : false;

/** Runs ./hyperion; resolves to { code, stdout, stderr } whether or not it succeeds. */
function hyperionRun(args, extraEnv = {}) {
  return new Promise((resolve) => {
    execFile(hyperion, args, { env: { ...process.env, ...extraEnv }, timeout: 300_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? error.code ?? 1 : 0, stdout, stderr }));
  });
}

async function waitFor(predicate, what, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${node.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('operating the node', { skip, timeout: 600_000 }, () => {
  after(async () => {
    await node.stop?.();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the node runs with the file, the environment over it and the flags over both', async () => {
    assert.equal(node.chainId, 4242n);
    assert.equal((await node.rpc('eth_accounts')).length, 2);
  });

  test('config print shows the effective configuration and where each value comes from', async () => {
    const { code, stdout, stderr } = await hyperionRun(['config', 'print', 'dev', '--config', config, '--port', '9999'], env);
    assert.equal(code, 0, stderr);
    assert.match(stdout, new RegExp(`^chain-id = 4242  # ${config.replace(/[.]/g, '\\.')}:1$`, 'm'));
    assert.match(stdout, /^accounts = 2  # HYPERION_ACCOUNTS$/m);
    assert.match(stdout, /^log-level = "debug"  # HYPERION_LOG_LEVEL$/m);
    assert.match(stdout, /^port = 9999  # command line$/m);
    assert.match(stdout, new RegExp(`^rpc-gas-cap = 1000000  # ${config.replace(/[.]/g, '\\.')}:6$`, 'm'));
    assert.match(stdout, /^host = "127\.0\.0\.1"  # default$/m);
    // What it prints is a configuration file the node reads back.
    const printed = path.join(dir, 'printed.toml');
    fs.writeFileSync(printed, stdout);
    const again = await hyperionRun(['config', 'print', 'dev', '--config', printed]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^accounts = 2  # .*printed\.toml:\d+$/m);
  });

  test('--log-level debug logs each RPC call with a timestamp', async () => {
    await node.rpc('web3_clientVersion');
    await waitFor(() => /rpc web3_clientVersion ok in [\d.]+ ms/.test(node.output()), 'the RPC line');
    assert.match(node.output(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z dbug: Hyperion\.Rpc\[\d+\] rpc web3_clientVersion ok in [\d.]+ ms$/m);
    // The banner.
    assert.match(node.output(), /^Chain ID: +4242$/m);
    assert.match(node.output(), /^Hardfork: +\w+$/m);
    assert.match(node.output(), /^Gas limit: +\d+$/m);
    assert.match(node.output(), /^Base fee: +\d+ wei/m);
    assert.match(node.output(), /^Mnemonic: +test test test/m);
    assert.match(node.output(), /^Derivation path: +m\/44'\/60'\/0'\/0\/$/m);
  });

  test('a failed transaction is logged with its revert reason', async () => {
    // Runtime code that reverts with Error("no"): CODECOPY the 100-byte reason after it into memory, REVERT with it.
    const reason = '08c379a0' + '20'.padStart(64, '0') + '2'.padStart(64, '0') + Buffer.from('no').toString('hex').padEnd(64, '0');
    const runtime = '6064600c600039606460' + '00fd' + reason;
    const init = '6070600c60003960706000f3';
    const [from] = await node.rpc('eth_accounts');
    const deploy = await node.rpc('eth_sendTransaction', [{ from, data: `0x${init}${runtime}`, gas: '0x30000' }]);
    const contract = (await node.rpc('eth_getTransactionReceipt', [deploy])).contractAddress;
    const hash = await node.rpc('eth_sendTransaction', [{ from, to: contract, gas: '0x20000' }]);
    assert.equal((await node.rpc('eth_getTransactionReceipt', [hash])).status, '0x0');
    await waitFor(() => node.output().includes(`failed transaction ${hash}`), 'the failed transaction line');
    assert.match(node.output(), new RegExp(`warn: Hyperion\\.Dev\\[\\d+\\] failed transaction ${hash} in block \\d+ from ${from}: execution reverted: no$`, 'mi'));
  });

  test('/metrics counts the method calls, blocks and gas, and has build_info and the runtime', async () => {
    await node.rpc('eth_blockNumber');
    const metrics = await (await fetch(`${node.url}/metrics`)).text();
    assert.match(metrics, /^hyperion_rpc_method_duration_seconds_count\{method="eth_blockNumber"\} [1-9]\d*$/m);
    assert.match(metrics, /^hyperion_blocks_total [1-9]\d*$/m);
    assert.match(metrics, /^hyperion_transactions_failed_total [1-9]\d*$/m);
    assert.match(metrics, /^hyperion_gas_total [1-9]\d*$/m);
    assert.match(metrics, /^hyperion_build_info\{version="Hyperion\/v[\d.]+",dotnet="[\d.]+"\} 1$/m);
    assert.match(metrics, /^process_cpu_seconds_total /m);
  });

  test('HYPERION_RPC_CONNECTIONS_PER_CLIENT bounds the connections one address holds open', async () => {
    const { port } = new URL(node.url);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'net_version', params: [] });
    const request = `POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const exchange = (socket) => new Promise((resolve) => {
      let answer = '';
      socket.on('data', (d) => { answer += d; if (answer.includes('\r\n\r\n') && answer.includes('}')) resolve(answer); });
      socket.on('close', () => resolve(answer));
      socket.write(request);
    });
    const sockets = [];
    try {
      let refused = null;
      // The test's own fetch may hold a keep-alive connection too, so the refusal comes at the 4th socket or earlier.
      for (let i = 0; i < 5 && !refused; i++) {
        const socket = net.connect(Number(port), '127.0.0.1');
        sockets.push(socket);
        const answer = await exchange(socket);
        if (answer.startsWith('HTTP/1.1 429')) refused = { i, answer };
        else assert.match(answer, /^HTTP\/1\.1 200/);
      }
      assert.ok(refused, 'five connections from one address were all served');
      assert.match(refused.answer, /too many connections from this address \(limit 4\)/);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });

  test('a bad file, a bad value and a port in use are one line each', async () => {
    const bad = path.join(dir, 'bad.toml');
    fs.writeFileSync(bad, 'port = 8545\nprot = 1\n');
    let r = await hyperionRun(['dev', '--ephemeral', '--config', bad]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), `hyperion dev: ${bad}:2: unknown key 'prot' (hyperion dev has no --prot option)`);

    r = await hyperionRun(['dev', '--ephemeral'], { HYPERION_PORT: '70000' });
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'hyperion dev: --port must be in 0..65535 (got 70000)');

    const port = new URL(node.url).port;
    r = await hyperionRun(['dev', '--ephemeral', '--port', port]);
    assert.equal(r.code, 1);
    assert.match(r.stderr.trim(), new RegExp(`^hyperion dev: [^\\n]*127\\.0\\.0\\.1:${port}[^\\n]*address already in use\\.?$`, 'i'));
  });

  test('SIGINT stops the node cleanly', async () => {
    await node.stop('SIGINT');
    assert.match(node.output(), /info: Hyperion\.Dev\[\d+\] stopped at block \d+/);
  });

  test('SIGINT also stops a node a script started in the background (which inherits SIGINT ignored)', async () => {
    const port = await freePort();
    const script = `
      "${hyperion}" dev --ephemeral --port ${port} > "${dir}/background.log" 2>&1 &
      pid=$!
      for i in $(seq 1 120); do
        curl -s -m 1 -H 'content-type: application/json' --data '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}' http://127.0.0.1:${port} > /dev/null && break
        sleep 0.5
      done
      kill -INT $pid
      for i in $(seq 1 40); do kill -0 $pid 2> /dev/null || break; sleep 0.5; done
      if kill -0 $pid 2> /dev/null; then kill -TERM $pid; wait $pid; echo "still running after SIGINT"; exit 1; fi
      wait $pid`;
    const result = await new Promise((resolve) => execFile('bash', ['-c', script], { timeout: 120_000 }, (error, stdout) =>
      resolve({ code: error ? error.code ?? 1 : 0, stdout })));
    assert.equal(result.code, 0, `${result.stdout}\n${fs.readFileSync(path.join(dir, 'background.log'), 'utf8').slice(-2000)}`);
    assert.match(fs.readFileSync(path.join(dir, 'background.log'), 'utf8'), /stopped at block \d+/);
  });
});
