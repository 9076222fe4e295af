// The benches' JSON-RPC POST over HTTP, with a choice of client: node's fetch (undici; ~1 ms of client CPU per
// request on this machine, often more than the node's own work on a read), `http`, node:http over kept-alive
// connections (about half of that), or `raw`, HTTP/1.1 written and read by hand on one kept-alive TCP connection per
// request in flight (a tenth of fetch: the least a client can cost, so that the node under test is the limit). Every
// client speaks to every node alike; only the client's own cost differs.
import http from 'node:http';
import net from 'node:net';

/** A node:http agent that keeps up to `sockets` connections open and reuses them. */
export function keepAliveAgent(sockets = 16) {
  return new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
}

const sharedAgent = keepAliveAgent(64);

/** POSTs the JSON text `body` to `url` over a kept-alive connection of `agent`; resolves the response's text. */
export function postLean(url, body, agent = sharedAgent) {
  const payload = Buffer.from(body);
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': payload.length },
    }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (response.statusCode !== 200) reject(new Error(`HTTP ${response.statusCode}: ${text}`));
        else resolve(text);
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(payload);
  });
}

/** POSTs the JSON text `body` with node's fetch; resolves the response's text. */
export async function postFetch(url, body) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return response.text();
}

/**
 * One kept-alive HTTP/1.1 connection to `url` for one request at a time: post(body) resolves the response's text.
 * Only what the benches need: POST, a response with a Content-Length (both nodes send one), status 200.
 */
export function rawConnection(url) {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  socket.setNoDelay(true);
  const head = `POST / HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\nContent-Length: `;
  let received = Buffer.alloc(0);
  let waiting = null;
  const fail = (error) => { if (waiting) { const { reject } = waiting; waiting = null; reject(error); } };
  socket.on('error', fail);
  socket.on('close', () => fail(new Error(`connection to ${url} closed`)));
  socket.on('data', (chunk) => {
    received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
    const end = received.indexOf('\r\n\r\n');
    if (end < 0 || !waiting) return;
    const header = received.subarray(0, end).toString('latin1');
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(header);
    if (!length) return fail(new Error(`response without a Content-Length: ${header}`));
    const total = end + 4 + Number(length[1]);
    if (received.length < total) return;
    const body = received.subarray(end + 4, total).toString();
    received = received.subarray(total);
    const { resolve, reject } = waiting;
    waiting = null;
    if (!header.startsWith('HTTP/1.1 200')) reject(new Error(`${header.split('\r\n')[0]}: ${body}`));
    else resolve(body);
  });
  return {
    post(body) {
      const payload = Buffer.from(body);
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
        // One write, so one TCP segment, as fetch and node:http send a small request (one segment each): head and
        // body in two segments made each node's kernel send a pure ACK on reading the second (PUSHED2 in
        // tcp_cleanup_rbuf), ~2 µs of node CPU a read for anvil and Hyperion alike (docs/benchmarks.md, s35rpc).
        socket.write(Buffer.concat([Buffer.from(head + payload.length + '\r\n\r\n', 'latin1'), payload]));
      });
    },
    close: () => socket.destroy(),
  };
}

/** The POST of client `kind` ('fetch', 'http' or 'raw'), as (url, body) → response text; 'raw' opens a connection per poster. */
export function poster(kind, agent) {
  if (kind === 'fetch') return postFetch;
  if (kind === 'http') return (url, body) => postLean(url, body, agent);
  if (kind === 'raw') {
    let connection = null;
    return (url, body) => (connection ??= rawConnection(url)).post(body);
  }
  throw new Error(`--client ${kind}: expected fetch, http or raw`);
}

const idleRaw = new Map(); // url → raw connections not in use

/** POSTs with a raw connection to `url` not in use (opened when there is none), put back once answered. */
async function postRawPooled(url, body) {
  const idle = idleRaw.get(url) ?? [];
  idleRaw.set(url, idle);
  const connection = idle.pop() ?? rawConnection(url);
  const text = await connection.post(body);
  idle.push(connection);
  return text;
}

/** Closes the raw connections kept for later calls (so the process can exit). */
export function closeIdle() {
  for (const connections of idleRaw.values()) for (const c of connections.splice(0)) c.close();
}

/** One JSON-RPC call with client `kind`; resolves its result, throws its error. */
export async function rpcWith(kind, url, method, params) {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
  const reply = JSON.parse(kind === 'raw' ? await postRawPooled(url, body) : await poster(kind)(url, body));
  if (reply.error) throw new Error(`${method}: ${reply.error.message}`);
  return reply.result;
}
