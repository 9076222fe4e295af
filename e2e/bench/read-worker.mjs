// One client thread of chain-bench's read phase: keeps `inFlight` requests of `body` going to `url` for `seconds`
// with client `client` (fetch, http or raw, see ../lib/http-rpc.mjs) and posts how many were answered.
import { parentPort, workerData } from 'node:worker_threads';
import { keepAliveAgent, poster } from '../lib/http-rpc.mjs';

const { url, body, seconds, inFlight, client } = workerData;
const agent = keepAliveAgent(inFlight);
let count = 0;
const deadline = performance.now() + seconds * 1000;
await Promise.all(Array.from({ length: inFlight }, async () => {
  const post = poster(client, agent); // one connection each with the raw client
  while (performance.now() < deadline) {
    const reply = JSON.parse(await post(url, body));
    if (reply.error) throw new Error(reply.error.message);
    count++;
  }
}));
parentPort.postMessage(count);
process.exit(0); // the raw client's connections stay open otherwise
