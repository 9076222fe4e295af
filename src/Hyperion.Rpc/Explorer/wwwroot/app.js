// The explorer's shell: which node to talk to, the header (navigation, search, node URL, live status), the
// hash router (#/block/N, #/tx/H, #/address/A, #/pool, #/ai, #/search/Q) and live updates to the page shown.
import { Rpc } from './rpc.js';
import { el, num } from './format.js';
import * as home from './pages/home.js';
import * as block from './pages/block.js';
import * as tx from './pages/tx.js';
import * as address from './pages/address.js';
import * as pool from './pages/pool.js';
import * as ai from './pages/ai.js';
import { REGISTRY } from './pages/ai.js';

const pages = { '': home, block, tx, address, pool, ai };

/** The node: ?rpc=URL, else the server this page came from. */
function nodeUrl() {
  const given = new URLSearchParams(location.search).get('rpc');
  if (given) return given;
  return location.protocol.startsWith('http') ? `${location.origin}/` : 'http://127.0.0.1:8545/';
}

const rpc = new Rpc(nodeUrl());
const ctx = { rpc };
const main = document.getElementById('main');
const headStatus = document.getElementById('live');
let current = null; // the page shown: { onHead? }
let rendering = 0;

async function show() {
  const id = ++rendering;
  const [, name = '', ...rest] = location.hash.replace(/^#/, '').split('/');
  const arg = decodeURIComponent(rest.join('/'));
  document.querySelectorAll('nav a[data-page]').forEach((a) => a.classList.toggle('active', a.dataset.page === name));
  if (name === 'search') { await search(arg); return; }
  const page = pages[name];
  main.replaceChildren(el('p', { class: 'muted loading' }, 'loading…'));
  try {
    if (!page) throw new Error(`no page ${name}`);
    const shown = await page.render(ctx, arg);
    if (id !== rendering) return; // the user went elsewhere meanwhile
    current = shown;
    document.title = `${shown.title} · Hyperion explorer`;
    main.replaceChildren(shown.node);
  } catch (e) {
    if (id !== rendering) return;
    current = null;
    main.replaceChildren(el('div', { class: 'card error-card' }, el('h2', {}, 'Something went wrong'), el('p', { id: 'error' }, e.message),
      el('p', { class: 'muted' }, `Node: ${rpc.url}. If it runs on another origin it must allow this page (hyperion dev --cors).`)));
  }
}

/** A block number, block or transaction hash, or an address: goes to its page. */
async function search(query) {
  const q = query.trim();
  let target = null;
  if (/^\d+$/.test(q)) target = `#/block/${q}`;
  else if (/^0x[0-9a-fA-F]{40}$/.test(q)) target = `#/address/${q}`;
  else if (/^0x[0-9a-fA-F]{64}$/.test(q)) {
    const [t, b] = await rpc.batch([['eth_getTransactionByHash', [q]], ['eth_getBlockByHash', [q, false]]]);
    if (t.result) target = `#/tx/${q}`;
    else if (b.result) target = `#/block/${q}`;
  }
  if (target) { location.replace(target); return; }
  current = null;
  main.replaceChildren(el('div', { class: 'card' }, el('h2', {}, 'Not found'),
    el('p', { id: 'search-result' }, `Nothing matches “${q}”. Search takes a block number, a block or transaction hash (0x + 64 hex digits) or an address (0x + 40).`)));
}

function header() {
  const input = el('input', { type: 'search', id: 'search', placeholder: 'block, tx hash or address', 'aria-label': 'search', spellcheck: 'false' });
  const searchForm = el('form', { class: 'search', onsubmit: (e) => { e.preventDefault(); if (input.value.trim()) location.hash = `#/search/${encodeURIComponent(input.value.trim())}`; } },
    input, el('button', { type: 'submit' }, 'search'));
  const urlInput = el('input', { type: 'url', id: 'node-url', value: rpc.url, 'aria-label': 'node URL', spellcheck: 'false' });
  const urlForm = el('form', { class: 'node', onsubmit: (e) => {
    e.preventDefault();
    const url = new URL(location.href);
    url.searchParams.set('rpc', urlInput.value.trim());
    location.href = url.href;
  } }, urlInput, el('button', { type: 'submit' }, 'connect'));
  document.getElementById('tools').replaceChildren(searchForm, urlForm);
}

/** Shows the links to pages that need methods or contracts not every node has, once the node says it has them. */
async function detectFeatures() {
  const [pool, registry] = await rpc.batch([['txpool_status'], ['eth_getCode', [REGISTRY, 'latest']]]);
  document.querySelector('a[data-page="pool"]').hidden = !pool.result;
  document.querySelector('a[data-page="ai"]').hidden = !(registry.result && registry.result !== '0x');
}

header();
window.addEventListener('hashchange', show);
show();
detectFeatures().catch(() => {});
rpc.watchHeads((n) => {
  headStatus.textContent = `block ${num(n)}`;
  headStatus.dataset.head = String(n);
  current?.onHead?.(n);
}, (mode) => {
  headStatus.dataset.mode = mode;
  if (!headStatus.dataset.head) headStatus.textContent = 'live';
  headStatus.title = mode === 'websocket' ? 'live: new heads over WebSocket' : 'live: polling'; });
