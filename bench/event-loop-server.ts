// The process the event-loop benchmark measures: it loads one store into (or, for slotdb, beside)
// its main thread, then answers HTTP requests on a keep-alive server, one key read or written a
// request, while it records how late its event loop runs and what its collector pauses.
//
// Run by bench/event-loop.ts with --expose-gc (a full collection before each heap figure, so the
// figure is what the store keeps, not garbage waiting to be collected). Its first argument is a
// ServerConfig as JSON; it talks to the orchestrator over the IPC channel of fork().

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { GcPauses } from './event-loop-gc.js';
import {
  KEY_PATH,
  keyOf,
  type ServerCommand,
  type ServerConfig,
  type ServerFigures,
  type ServerReady,
} from './event-loop-protocol.js';
import { loadedStore, type Store } from './event-loop-stores.js';

const NS_PER_MS = 1e6;
const MICROS_PER_MS = 1000;

function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('the event-loop server needs node --expose-gc');
  gc();
}

function send(message: ServerReady | ServerFigures): void {
  if (process.send === undefined) throw new Error('the event-loop server runs under fork()');
  process.send(message);
}

function answer(response: ServerResponse, value: string | null | undefined): void {
  if (value === null || value === undefined) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { 'content-type': 'text/plain' }).end(value);
}

function failed(response: ServerResponse, error: unknown): void {
  response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
}

/** The request handler: GET /key/<i> reads key:<i>; PUT /key/<i> writes its body to key:<i>. */
function handler(store: Store): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const url = request.url ?? '';
    if (!url.startsWith(KEY_PATH)) {
      response.writeHead(404).end();
      return;
    }
    const key = keyOf(url.slice(KEY_PATH.length));
    if (request.method === 'GET') {
      const value = store.get(key);
      if (value instanceof Promise)
        value.then(
          (found) => answer(response, found),
          (error) => failed(response, error),
        );
      else answer(response, value);
      return;
    }
    let body = '';
    request.setEncoding('latin1');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      const written = store.set(key, body);
      if (written instanceof Promise)
        written.then(
          () => response.writeHead(204).end(),
          (error) => failed(response, error),
        );
      else response.writeHead(204).end();
    });
  };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as ServerConfig;
  const pauses = new GcPauses();
  const loadStarted = performance.now();
  const store = await loadedStore(config.store, config.keys);
  const loadMs = performance.now() - loadStarted;
  const loadGc = await pauses.take();
  // A full, non-incremental collection: what the main thread stops for when the old generation is
  // collected at once (a heap near its limit, a heap snapshot); V8's usual mark-compact does most
  // of this work incrementally and beside the thread, so this is the worst case, not the common one.
  const fullGcStart = performance.now();
  fullGc();
  const fullGcMs = performance.now() - fullGcStart;
  await pauses.take();
  const heapAfterLoadBytes = getHeapStatistics().used_heap_size;

  const server = createServer({ keepAlive: true }, handler(store));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const delay = monitorEventLoopDelay({ resolution: config.resolutionMs });
  delay.enable();
  send({ kind: 'ready', port, loadMs, loadGc, fullGcMs, heapAfterLoadBytes });

  let busyFrom = performance.eventLoopUtilization();
  let cpuFrom = process.cpuUsage();
  let measureFrom = performance.now();
  process.on('message', async (command: ServerCommand) => {
    if (command.kind === 'measure') {
      await pauses.take();
      delay.reset();
      busyFrom = performance.eventLoopUtilization();
      cpuFrom = process.cpuUsage();
      measureFrom = performance.now();
      return;
    }
    delay.disable();
    const busy = performance.eventLoopUtilization(busyFrom);
    const cpu = process.cpuUsage(cpuFrom);
    const cpuMs = (cpu.user + cpu.system) / MICROS_PER_MS;
    const measuredMs = performance.now() - measureFrom;
    const gc = await pauses.take();
    pauses.stop();
    // The histogram holds whole intervals between the monitor's timer callbacks; the delay is what
    // each ran late beyond its interval.
    const late = (nanoseconds: number): number =>
      Math.max(0, nanoseconds / NS_PER_MS - config.resolutionMs);
    // The heap at the end is taken while the store still holds its entries.
    fullGc();
    const figures: ServerFigures = {
      kind: 'figures',
      delayP50Ms: late(delay.percentile(50)),
      delayP99Ms: late(delay.percentile(99)),
      delayMaxMs: late(delay.max),
      delaySamples: delay.count,
      gc,
      loopBusyShare: busy.utilization,
      processCores: cpuMs / measuredMs,
      heapAtEndBytes: getHeapStatistics().used_heap_size,
      rssAtEndBytes: process.memoryUsage.rss(),
    };
    server.closeAllConnections();
    server.close();
    void store.close().then(() => {
      send(figures);
      process.disconnect();
    });
  });
}

await main();
