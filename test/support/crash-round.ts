// One round of a crash test: a child process (test/support/crash-writer.mjs) opens a database on
// a new directory and writes under load; the round kills it with SIGKILL at the moment asked (or
// lets it close itself), and leaves the directory and the child's journal for the check.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpenOptions } from '../../dist/src/index.js';

const WRITER = fileURLToPath(new URL('./crash-writer.mjs', import.meta.url));
const LINE_WAIT_MS = 30_000;

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

export interface CrashRound {
  readonly root: string;
  readonly dir: string;
  readonly journal: string;
  /** What the child wrote on stderr (its warnings, or why it failed). */
  readonly stderr: string;
  remove(): void;
}

/**
 * Runs the writer with `config`; once it is ready (and failed over, when `config.failover` is
 * set), waits `killAfterMs` and kills it, or, with `config.closeAfterMs`, waits for it to close.
 */
export async function crashRound(config: WriterConfig, killAfterMs: number): Promise<CrashRound> {
  const root = mkdtempSync(join(tmpdir(), 'slotdb-crash-'));
  const dir = join(root, 'data');
  const journal = join(root, 'journal');
  const child = spawn(
    process.execPath,
    [WRITER, JSON.stringify({ ...config, open: { ...config.open, dir }, journal })],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines = outputLines(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await lines.waitFor('ready', () => stderr);
    if (config.failover !== undefined) await lines.waitFor('failover', () => stderr);
    if (config.closeAfterMs !== undefined) await lines.waitFor('closed', () => stderr);
    else {
      await new Promise((resolve) => setTimeout(resolve, killAfterMs));
      child.kill('SIGKILL');
    }
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  await exited;
  return {
    root,
    dir,
    journal,
    stderr,
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** The child's stdout lines, and a wait for one of them. */
function outputLines(child: ChildProcess) {
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
    async waitFor(line: string, stderr: () => string): Promise<void> {
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
