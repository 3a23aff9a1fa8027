// The reason to embed slotdb, measured: a web server's event loop while its main thread holds a
// large cache, against the same cache in slotdb's shards.
//
// Each run forks two processes: a server (bench/event-loop-server.ts) that loads `keys` keys of
// 32-byte values into one store — a Map in its main thread, lru-cache (max = keys) in its main
// thread, slotdb with default shards, or none (the floor: the same loop holding nothing) — and
// answers HTTP requests on a keep-alive node:http server; and a load generator (bench/event-loop-load.ts) that sends it `rate` requests/s over
// `connections` keep-alive connections, 90% GET and 10% PUT of a new value, one random key each.
// After `warmupMs` the steady phase of `steadyMs` is measured: the server's event-loop delay
// (monitorEventLoopDelay at `resolutionMs`), its main thread's GC pauses ('gc' performance
// entries) and heap; the latency of each request as the load generator saw it, and requests/s.
//
// Every store runs in a fresh server process, so one store's heap (5,000,000 entries of a Map)
// cannot slow the collector of the next; the stores take turns round by round, each round starting
// with the next one, and every figure is the median over rounds. Any wrong value read, failed
// request or unanswered one fails the run before a figure is printed.
//
//   npm run bench:event-loop
//   npm run bench:event-loop -- --rounds 1 --keys 500000 --steadyMs 5000

import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import type {
  LoadConfig,
  LoadFigures,
  ServerConfig,
  ServerFigures,
  ServerReady,
  StoreName,
} from './event-loop-protocol.js';
import { STORES } from './event-loop-protocol.js';
import { recordRun, reportTable } from './event-loop-report.js';
import { Figures } from './figures.js';
import { machine, numberFlags } from './machine.js';

const flags = numberFlags({
  rounds: 3,
  keys: 5_000_000,
  /**
   * Requests per second the load generator sends (see bench/event-loop-load.ts for why a fixed
   * rate). 2000 is about half of what node:http answered here with the generator beside it on 2
   * cores (4,000 to 5,500 requests/s at 5000 offered), so every store keeps up and what differs is
   * how long it stalls the loop, not how fast it could go.
   */
  rate: 2000,
  /** Keep-alive connections the generator may open, as a proxy's pool to one upstream. */
  connections: 32,
  warmupMs: 2000,
  steadyMs: 20_000,
  /**
   * The event-loop monitor's interval. 1 ms, its finest: the histogram gets a sample every
   * millisecond (20,000 in 20 s, enough for a p99), and a stall of a few ms shows as such; at the
   * default 10 ms a delay is only seen by the one sample whose interval it falls in.
   */
  resolutionMs: 1,
  seed: 11,
});

/** Everything the run prints, written to bench/results/event-loop.txt at the end. */
const printed: string[] = [];
function say(line: string): void {
  console.log(line);
  printed.push(line);
}

/** How long a child may take to leave after its last message before it is killed. */
const EXIT_MS_MAX = 30_000;

/** The first message of `kind` from `child`; fails if the child exits first. */
function message<T>(child: ChildProcess, kind: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (received: { kind?: string }): void => {
      if (received.kind !== kind) return;
      off();
      resolve(received as T);
    };
    const onExit = (code: number | null, signal: string | null): void => {
      off();
      reject(new Error(`a benchmark process exited (${code ?? signal}) before its '${kind}'`));
    };
    const off = (): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Waits for `child` to exit, killing it if it has not within EXIT_MS_MAX. */
async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_MS_MAX);
  await new Promise((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
}

function forkServer(store: StoreName): ChildProcess {
  const config: ServerConfig = { store, keys: flags.keys, resolutionMs: flags.resolutionMs };
  return fork(new URL('./event-loop-server.js', import.meta.url), [JSON.stringify(config)], {
    execArgv: ['--expose-gc'],
  });
}

function forkLoad(port: number, round: number): ChildProcess {
  const config: LoadConfig = {
    port,
    keys: flags.keys,
    rate: flags.rate,
    connections: flags.connections,
    warmupMs: flags.warmupMs,
    steadyMs: flags.steadyMs,
    seed: flags.seed + round,
  };
  return fork(new URL('./event-loop-load.js', import.meta.url), [JSON.stringify(config)], {
    execArgv: [],
  });
}

async function run(figures: Figures, store: StoreName, round: number): Promise<void> {
  const server = forkServer(store);
  let load: ChildProcess | undefined;
  try {
    const ready = await message<ServerReady>(server, 'ready');
    load = forkLoad(ready.port, round);
    const loadFigures = message<LoadFigures>(load, 'figures');
    // Awaited below; if the generator dies before 'measuring', that error is the one reported.
    loadFigures.catch(() => undefined);
    await message(load, 'measuring');
    server.send({ kind: 'measure' });
    const seen = await loadFigures;
    const serverFigures = message<ServerFigures>(server, 'figures');
    server.send({ kind: 'stop' });
    const measured = await serverFigures;
    if (seen.errors > 0)
      throw new Error(
        `${store}: ${seen.errors} wrong or failed requests, first: ${seen.firstError}`,
      );
    recordRun(figures, store, ready, measured, seen);
    const perSecond = Math.round(seen.requests / seen.seconds);
    say(
      `  ${store}: loaded in ${(ready.loadMs / 1000).toFixed(1)} s; delay p99 ` +
        `${measured.delayP99Ms.toFixed(2)} ms, max ${measured.delayMaxMs.toFixed(1)} ms; ` +
        `latency p99 ${seen.latencyP99Ms.toFixed(2)} ms; ${perSecond} requests/s`,
    );
  } finally {
    if (load !== undefined) await exited(load);
    await exited(server);
  }
}

async function main(): Promise<void> {
  const about = machine();
  const header =
    `slotdb event-loop benchmark: ${about.cores} cores (${about.cpu}), Node ${about.node}, ` +
    `${flags.keys.toLocaleString('en-US')} keys, ${flags.rate} requests/s over ` +
    `${flags.connections} connections, ${flags.steadyMs / 1000} s steady, ${flags.rounds} rounds`;
  say(header);
  const figures = new Figures();
  for (let round = 0; round < flags.rounds; round++) {
    say(`round ${round + 1}/${flags.rounds}`);
    for (let turn = 0; turn < STORES.length; turn++)
      await run(figures, STORES[(round + turn) % STORES.length]!, round);
  }
  const table = reportTable(figures, STORES);
  say(table.join('\n'));
  const result = {
    benchmark: 'event-loop',
    machine: about,
    flags,
    medians: figures.medians(),
    rounds: figures.rounds,
  };
  const directory = new URL('../../bench/results/', import.meta.url);
  mkdirSync(directory, { recursive: true });
  writeFileSync(new URL('event-loop.json', directory), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(new URL('event-loop.txt', directory), `${printed.join('\n')}\n`);
  console.log('wrote bench/results/event-loop.json and event-loop.txt');
}

await main();
