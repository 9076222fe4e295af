// JSON-RPC over HTTP (single calls and batches) and new heads over WebSocket, with polling as the fallback.

export class RpcError extends Error {
  constructor(method, error) {
    super(`${method}: ${error?.message ?? 'failed'}`);
    this.code = error?.code;
    this.data = error?.data;
  }
}

/** True when an error says the node does not have the method (geth's -32601, or the text other nodes use). */
export function isUnsupported(error) {
  if (!error) return false;
  if (error.code === -32601) return true;
  return /method .*(not found|does not exist|not supported|is not available|unsupported)|not implemented/i.test(error.message ?? '');
}

export class Rpc {
  constructor(url) {
    this.url = url;
    this.nextId = 1;
    this.unsupported = new Set();
  }

  /** Sends [[method, params], …] as one batch; resolves to [{ result } | { error }] in the same order. */
  async batch(calls) {
    if (calls.length === 0) return [];
    const body = calls.map(([method, params = []]) => ({ jsonrpc: '2.0', id: this.nextId++, method, params }));
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body.length === 1 ? body[0] : body),
    });
    if (!response.ok) throw new Error(`${this.url} answered HTTP ${response.status}`);
    const answer = await response.json();
    const list = Array.isArray(answer) ? answer : [answer];
    const byId = new Map(list.map((r) => [r.id, r]));
    return body.map((request) => {
      const r = byId.get(request.id);
      if (!r) return { error: { code: -32603, message: 'no response' } };
      if (r.error && isUnsupported(r.error)) this.unsupported.add(request.method);
      return r.error ? { error: new RpcError(request.method, r.error) } : { result: r.result };
    });
  }

  async call(method, params = []) {
    const [r] = await this.batch([[method, params]]);
    if (r.error) throw r.error;
    return r.result;
  }

  /** Like call, but resolves to undefined when the node does not answer the method (so the page can hide it). */
  async optional(method, params = []) {
    if (this.unsupported.has(method)) return undefined;
    try {
      return await this.call(method, params);
    } catch (e) {
      if (this.unsupported.has(method) || isUnsupported(e)) { this.unsupported.add(method); return undefined; }
      throw e;
    }
  }

  /** Many calls in batches of at most `size`; resolves to one { result } | { error } per call. */
  async batches(calls, size = 100) {
    const out = [];
    for (let i = 0; i < calls.length; i += size) out.push(...await this.batch(calls.slice(i, i + size)));
    return out;
  }

  /**
   * Calls onHead(blockNumber) for each new head: eth_subscribe("newHeads") over WebSocket, or polling
   * eth_blockNumber every `pollMs` when the WebSocket cannot be used. onMode('websocket' | 'polling') says which.
   * Returns a function that stops it.
   */
  watchHeads(onHead, onMode = () => {}, pollMs = 2000) {
    let stopped = false;
    let socket = null;
    let timer = null;
    let last = null;
    const report = (n) => { if (!stopped && (last === null || n > last)) { last = n; onHead(n); } };
    const poll = () => {
      onMode('polling');
      const tick = async () => {
        if (stopped) return;
        try { report(Number(BigInt(await this.call('eth_blockNumber')))); } catch { /* node away: try again */ }
        timer = setTimeout(tick, pollMs);
      };
      tick();
    };
    let wsUrl;
    try {
      wsUrl = new URL(this.url);
      wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
    } catch { wsUrl = null; }
    if (!wsUrl || typeof WebSocket === 'undefined') { poll(); return () => { stopped = true; clearTimeout(timer); }; }

    let subscribed = false;
    socket = new WebSocket(wsUrl.href);
    socket.onopen = () => socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] }));
    socket.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch { return; }
      if (message.id === 1) {
        if (message.error) { socket.close(); return; }
        subscribed = true;
        onMode('websocket');
      } else if (message.method === 'eth_subscription' && message.params?.result?.number) {
        report(Number(BigInt(message.params.result.number)));
      }
    };
    socket.onclose = () => { if (!stopped) { socket = null; poll(); } };
    socket.onerror = () => { if (!subscribed) socket?.close(); };
    return () => { stopped = true; clearTimeout(timer); socket?.close(); };
  }
}
