// The event-loop benchmark's load generator, in a process of its own so that its work never runs
// on the main thread being measured. It sends requests at a fixed rate (open loop) over a pool of
// keep-alive connections: 90% GET of a random key, 10% PUT of a new 32-byte value to a random key.
// Every value read is checked: it must be one of that key's (its loaded one or one written to it),
// so a store that loses or mixes up values fails the run instead of printing figures.
//
// A fixed rate rather than a fixed number of busy connections: every store gets the same work, so
// what differs is how it serves it; the loop has idle time between requests, so its delay shows
// pauses, not saturation; and a store that stalls cannot slow the load down and hide its own
// stall (a closed loop sends nothing while every connection waits).
//
// Its first argument is a LoadConfig as JSON; it talks to the orchestrator over fork()'s channel.

import { Agent, request } from 'node:http';
import { createHistogram, performance } from 'node:perf_hooks';
import {
  KEY_PATH,
  type LoadConfig,
  type LoadFigures,
  type LoadMeasuring,
  VALUE_BYTES,
  valueAt,
  versionIn,
} from './event-loop-protocol.js';
import { seeded } from './persistence-setup.js';

/** Share of requests that write. */
const WRITE_SHARE = 0.1;
/** How often the generator sends what has come due. */
const TICK_MS = 1;
/** Requests allowed to wait, in seconds of the rate: past that the server has fallen behind. */
const WAITING_SECONDS_MAX = 1;
/** How long the requests still in flight at the end may take. */
const DRAIN_MS_MAX = 10_000;
const MICROS_PER_MS = 1000;

const config = JSON.parse(process.argv[2] ?? '') as LoadConfig;
const agent = new Agent({ keepAlive: true, maxSockets: config.connections });
const random = seeded(config.seed);
const waitingMax = Math.ceil(config.rate * WAITING_SECONDS_MAX);
/** Versions written to each key so far; a key not here still holds its loaded value. */
const written = new Map<number, Set<number>>();
/** Latencies in µs of requests completed while measuring. */
const latency = createHistogram();

let measuring = false;
let lastVersion = 0;
let waiting = 0;
let requests = 0;
let skipped = 0;
let errors = 0;
let firstError = '';

function finish(started: number, error: string): void {
  waiting--;
  if (error !== '') {
    errors++;
    firstError ||= error;
  }
  if (!measuring) return;
  requests++;
  latency.record(Math.max(1, Math.round((performance.now() - started) * MICROS_PER_MS)));
}

function checked(index: number, status: number | undefined, body: string): string {
  if (status !== 200) return `GET key ${index}: status ${status}`;
  const version = versionIn(body, index);
  if (version === 0 || (version > 0 && written.get(index)?.has(version) === true)) return '';
  return `GET key ${index}: ${JSON.stringify(body)} is no value the key ever held`;
}

function get(index: number, started: number): void {
  const sent = request(
    { agent, host: '127.0.0.1', port: config.port, path: `${KEY_PATH}${index}` },
    (response) => {
      let body = '';
      response.setEncoding('latin1');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => finish(started, checked(index, response.statusCode, body)));
    },
  );
  sent.on('error', (error) => finish(started, `GET key ${index}: ${error.message}`));
  sent.end();
}

function put(index: number, started: number): void {
  const version = ++lastVersion;
  const versions = written.get(index);
  if (versions === undefined) written.set(index, new Set([version]));
  else versions.add(version);
  const sent = request(
    {
      agent,
      host: '127.0.0.1',
      port: config.port,
      path: `${KEY_PATH}${index}`,
      method: 'PUT',
      headers: { 'content-length': VALUE_BYTES },
    },
    (response) => {
      response.resume();
      const error =
        response.statusCode === 204 ? '' : `PUT key ${index}: status ${response.statusCode}`;
      response.on('end', () => finish(started, error));
    },
  );
  sent.on('error', (error) => finish(started, `PUT key ${index}: ${error.message}`));
  sent.end(valueAt(index, version));
}

/** Sends every request due by now; one past the waiting bound is counted as skipped instead. */
function sendDue(start: number, sent: { count: number }): void {
  const now = performance.now();
  const due = Math.floor(((now - start) * config.rate) / 1000);
  for (; sent.count < due; sent.count++) {
    if (waiting >= waitingMax) {
      if (measuring) skipped++;
      continue;
    }
    waiting++;
    const index = Math.floor(random() * config.keys);
    if (random() < WRITE_SHARE) put(index, now);
    else get(index, now);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const start = performance.now();
  const sent = { count: 0 };
  const ticker = setInterval(() => sendDue(start, sent), TICK_MS);
  await sleep(config.warmupMs);
  measuring = true;
  latency.reset();
  const measureStart = performance.now();
  process.send?.({ kind: 'measuring' } satisfies LoadMeasuring);
  await sleep(config.steadyMs);
  clearInterval(ticker);
  measuring = false;
  const seconds = (performance.now() - measureStart) / 1000;
  const drainUntil = performance.now() + DRAIN_MS_MAX;
  while (waiting > 0 && performance.now() < drainUntil) await sleep(TICK_MS * 10);
  if (waiting > 0) {
    errors++;
    firstError ||= `${waiting} requests unanswered ${DRAIN_MS_MAX} ms after the end`;
  }
  agent.destroy();
  const figures: LoadFigures = {
    kind: 'figures',
    requests,
    seconds,
    skipped,
    latencyP50Ms: latency.percentile(50) / MICROS_PER_MS,
    latencyP99Ms: latency.percentile(99) / MICROS_PER_MS,
    latencyMaxMs: latency.max / MICROS_PER_MS,
    errors,
    firstError,
  };
  process.send?.(figures, () => process.disconnect());
}

await main();
