// Rounds of a crash test: a child process (test/support/crash-writer.mjs) opens a database on a
// directory and writes under load; the round kills it with SIGKILL at the moment asked (or lets it
// close itself), and leaves the directory and the child's journal for the check. The next round
// opens what the last one left and writes on.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpenOptions } from '../../dist/src/index.js';

const WRITER = fileURLToPath(new URL('./crash-writer.mjs', import.meta.url));
const LINE_WAIT_MS = 30_000;
/** Ids of a round start here times the rounds before it: each key is made by one round. */
const ID_SPACING = 10_000_000;

export interface WriterConfig {
  readonly seed: number;
  readonly open: OpenOptions & { shards: number };
  readonly groups?: number;
  readonly lanes?: number;
  readonly batchMax?: number;
  readonly migrate?: boolean;
  readonly failover?: { shard: number; afterMs: number };
  readonly closeAfterMs?: number;
  readonly confirm?: boolean;
}

/**
 * A directory crash rounds write to, one after the other (each round reopens what the last one
 * left), with the journal of all of them.
 */
export class CrashDir {
  readonly root = mkdtempSync(join(tmpdir(), 'slotdb-crash-'));
  readonly dir = join(this.root, 'data');
  readonly journal = join(this.root, 'journal');
  /** What the last child wrote on stderr (its warnings, or why it failed). */
  stderr = '';
  private rounds = 0;

  /**
   * Runs the writer with `config` (its ids after those of the rounds before); once it is ready
   * (and failed over, when `config.failover` is set), waits `killAfterMs` and kills it, or, with
   * `config.closeAfterMs`, waits for it to close.
   */
  async run(config: WriterConfig, killAfterMs: number): Promise<void> {
    const firstId = ID_SPACING * this.rounds++;
    const child = this.spawn({ ...config, firstId });
    try {
      await child.lines.waitFor('ready');
      if (config.failover !== undefined) await child.lines.waitFor('failover');
      if (config.closeAfterMs !== undefined) await child.lines.waitFor('closed');
      else {
        await sleep(killAfterMs);
        child.process.kill('SIGKILL');
      }
    } finally {
      child.process.kill('SIGKILL');
      await child.exited;
    }
  }

  /** Starts a writer that only opens the directory and kills it after `ms`, ready or not. */
  async killDuringOpen(open: WriterConfig['open'], ms: number): Promise<void> {
    const child = this.spawn({ seed: 0, open, lanes: 0 }, `${this.journal}.open`);
    await sleep(ms);
    child.process.kill('SIGKILL');
    await child.exited;
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }

  private spawn(config: WriterConfig & { firstId?: number }, journal = this.journal) {
    const argument = JSON.stringify({
      ...config,
      open: { ...config.open, dir: this.dir },
      journal,
    });
    const process_ = spawn(process.execPath, [WRITER, argument], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.stderr = '';
    process_.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    const exited = new Promise<void>((resolve) => process_.once('exit', () => resolve()));
    return { process: process_, exited, lines: outputLines(process_, () => this.stderr) };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The child's stdout lines, and a wait for one of them. */
function outputLines(child: ChildProcess, stderr: () => string) {
  const seen = new Set<string>();
  const waiters: (() => void)[] = [];
  let buffered = '';
  let ended = false;
  const wake = () => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const line of parts) seen.add(line.trim());
    wake();
  });
  child.once('exit', () => {
    ended = true;
    wake();
  });
  return {
    async waitFor(line: string): Promise<void> {
      const deadline = Date.now() + LINE_WAIT_MS;
      while (!seen.has(line)) {
        if (ended) throw new Error(`the writer ended before "${line}": ${stderr()}`);
        if (Date.now() > deadline) throw new Error(`no "${line}" from the writer: ${stderr()}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
  };
}
