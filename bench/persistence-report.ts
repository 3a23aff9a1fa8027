// The persistence benchmark's report (bench/results/persistence.md): one table per part, medians
// over rounds of the figures persistence.ts recorded, and the issue's two goals checked.

import { SNAPSHOT_TURN_BYTES } from '../workers/persistence/snapshot-writer.js';
import { type Figures, formatFigure } from './figures.js';
import type { Machine } from './machine.js';
import { dataSets, type SnapshotFlags } from './persistence-snapshots.js';
import { REDIS_MODES, SLOTDB_MODES } from './persistence-throughput.js';

interface ReportFlags extends SnapshotFlags {
  readonly rounds: number;
  readonly batch: number;
  readonly keys: number;
  readonly quick: boolean;
  readonly trigger: string;
}

const CODECS = ['lz4 (lz4-napi)', 'deflateRaw level 1', 'gzip level 6', 'brotli quality 1'];
const TURN_PARTS = [
  'lz4: step()',
  'none: step()',
  'copy',
  'lz4',
  'xxh64',
  'write',
  'to a SharedArrayBuffer',
  'postMessage (structured clone)',
];

export function persistenceReport(about: Machine, flags: ReportFlags, figures: Figures): string {
  const medians = figures.medians();
  const cell = (name: string): string => {
    const value = medians[name];
    return value === undefined ? '–' : formatFigure(value);
  };
  const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const table = (head: string[]): string[] => [
    row(head),
    row(head.map((_, i) => (i === 0 ? '---' : '---:'))),
  ];
  const lines = [
    `# slotdb persistence benchmark`,
    '',
    `${about.cores} cores (${about.cpu}), ${about.memoryGiB} GiB, Node ${about.node}, ` +
      `${about.platform}, ${about.date}; ${flags.rounds} rounds${flags.quick ? ' (quick)' : ''}, ` +
      `medians over rounds; snapshots started by ${flags.trigger}.`,
  ];
  lines.push(...throughputSection(cell, table, row, flags, medians));
  lines.push(...recoverySection(cell, table, row, flags));
  lines.push(...latencySection(cell, table, row, figures));
  lines.push(...snapshotSection(cell, table, row, flags));
  lines.push(...turnSection(cell, table, row));
  return `${lines.join('\n')}\n`;
}

function throughputSection(
  cell: Cell,
  table: Table,
  row: Row,
  flags: ReportFlags,
  medians: Record<string, number>,
): string[] {
  const lines = [
    '',
    `## Write throughput (one shard, pipelines of ${flags.batch} SETs of 32 B)`,
    '',
    ...table([
      'slotdb',
      'pipelined SET ops/s',
      'ratio to in memory',
      'awaited SET p50 µs',
      'p99 µs',
    ]),
  ];
  for (const mode of SLOTDB_MODES) {
    const label = `slotdb ${mode}`;
    lines.push(
      row([
        mode === 'memory' ? 'in memory' : `appendfsync ${mode}`,
        cell(`${label}: pipelined set ops/s`),
        mode === 'memory' ? '1.00' : cell(`${label} / memory`),
        cell(`${label}: awaited set p50 µs`),
        cell(`${label}: awaited set p99 µs`),
      ]),
    );
  }
  lines.push(
    '',
    ...table([
      'redis-server',
      'node-redis pipelined SET ops/s',
      'ratio to no AOF',
      `redis-benchmark -P ${flags.batch} -c 1 ops/s`,
      'ratio',
      'awaited SET p50 µs',
      'p99 µs',
    ]),
  );
  for (const mode of REDIS_MODES) {
    const label = `redis ${mode}`;
    const base = mode === 'no AOF';
    lines.push(
      row([
        mode,
        cell(`${label}: pipelined set ops/s`),
        base ? '1.00' : cell(`${label} / no AOF`),
        cell(`${label}: redis-benchmark -P ${flags.batch} ops/s`),
        base ? '1.00' : cell(`${label} / no AOF (redis-benchmark)`),
        cell(`${label}: awaited set p50 µs`),
        cell(`${label}: awaited set p99 µs`),
      ]),
    );
  }
  const everysec = medians['slotdb everysec / memory'];
  lines.push(
    '',
    `Goal: appendfsync everysec ≥ 0.8 of in memory: ${everysec === undefined ? '–' : everysec.toFixed(2)}, ` +
      `${everysec !== undefined && everysec >= 0.8 ? 'met' : 'not met'}.`,
  );
  return lines;
}

type Cell = (name: string) => string;
type Table = (head: string[]) => string[];
type Row = (cells: string[]) => string;

function recoverySection(cell: Cell, table: Table, row: Row, flags: ReportFlags): string[] {
  const lines = [
    '',
    `## Recovery (one shard, ${formatFigure(flags.keys)} keys of 32 random printable bytes)`,
    '',
    ...table([
      'from',
      'keys',
      'file MB',
      'SlotDB.open ms',
      'keys/s (open)',
      "shard's recovery ms",
      'keys/s (shard)',
      'file MB/s (shard)',
    ]),
  ];
  for (const from of ['the log alone', 'a snapshot alone']) {
    const label = `recovery from ${from}`;
    lines.push(
      row([
        from,
        ...[
          'keys',
          'file MB',
          'open ms',
          'keys/s (SlotDB.open)',
          "shard's recovery ms",
          "keys/s (shard's recovery)",
          "file MB/s (shard's recovery)",
        ].map((name) => cell(`${label}: ${name}`)),
      ]),
    );
  }
  return lines;
}

function latencySection(cell: Cell, table: Table, row: Row, figures: Figures): string[] {
  const lines = [
    '',
    '## Latency while a snapshot is written (awaited GET and SET in turn, same keys)',
    '',
    `Snapshot: ${cell('snapshot under load: keys')} keys, ${cell('snapshot under load: MB written')} MB ` +
      `written in ${cell('snapshot under load: write ms')} ms, committed ` +
      `${cell('snapshot under load: commit ms')} ms later (trigger values: ` +
      `${cell('snapshot under load: trigger MB')} MB).`,
    '',
    ...table(['window', 'requests', 'p50 µs', 'p99 µs', 'p99.9 µs', 'max ms']),
  ];
  for (const window of [
    'steady (as long as the write)',
    'while the snapshot is written',
    'while the snapshot is committed',
  ]) {
    const label = `latency ${window}`;
    lines.push(
      row([
        window,
        ...['requests', 'p50 µs', 'p99 µs', 'p99.9 µs', 'max ms'].map((name) =>
          cell(`${label}: ${name}`),
        ),
      ]),
    );
  }
  const medians = figures.medians();
  const writing = medians['latency while the snapshot is written: max ms'];
  const steady = medians['latency steady (as long as the write): max ms'];
  const above = writing === undefined || steady === undefined ? undefined : writing - steady;
  const perRound = (figures.rounds['latency: max while written - steady max, ms'] ?? [])
    .map((ms) => ms.toFixed(2))
    .join(', ');
  lines.push(
    '',
    `Goal: worst request while a snapshot is written ≤ 2 ms above steady: ` +
      `${above === undefined ? '–' : `${above.toFixed(2)} ms above`} (medians of the maxima), ` +
      `${above !== undefined && above <= 2 ? 'met' : 'not met'}; per round: ${perRound} ms.`,
    '',
    'Where the threads spent the time (Linux schedstat): a shard busy with a snapshot never parks, ' +
      'so on a machine without a free core it waits for a CPU like any busy thread.',
    '',
    ...table([
      'phase',
      'shard on a CPU %',
      'shard waiting %',
      'client on a CPU %',
      'client waiting %',
    ]),
  );
  for (const phase of ['steady', 'snapshot']) {
    lines.push(
      row([
        phase === 'steady' ? 'steady' : 'snapshot written and committed',
        ...[
          'shard on a CPU %',
          'shard waiting for a CPU %',
          'client on a CPU %',
          'client waiting for a CPU %',
        ].map((name) => cell(`threads ${phase}: ${name}`)),
      ]),
    );
  }
  return lines;
}

function snapshotSection(cell: Cell, table: Table, row: Row, flags: ReportFlags): string[] {
  const lines = [
    '',
    '## Snapshot write (one shard; MB/s of the records before compression)',
    '',
    ...table([
      'data set',
      'compression',
      'keys',
      'records MB',
      'file MB',
      'file / records',
      'write ms',
      'records MB/s',
    ]),
  ];
  const sets = dataSets(flags);
  for (const set of sets) {
    for (const compression of ['lz4', 'none']) {
      const label = `snapshot ${set.name}, ${compression}`;
      lines.push(
        row([
          set.name,
          compression,
          ...['keys', 'records MB', 'file MB', 'file / records', 'write ms', 'records MB/s'].map(
            (name) => cell(`${label}: ${name}`),
          ),
        ]),
      );
    }
  }
  lines.push(
    '',
    `## Codecs on the same records (${SNAPSHOT_TURN_BYTES / 1024} KiB blocks of an uncompressed snapshot)`,
    '',
    ...table(['data set', 'codec', 'stored / raw', 'compress MB/s', 'decompress MB/s']),
  );
  for (const set of sets) {
    for (const codec of CODECS) {
      const label = `codec ${set.name}, ${codec}`;
      lines.push(
        row([
          set.name,
          codec,
          ...['stored / raw', 'compress MB/s', 'decompress MB/s'].map((name) =>
            cell(`${label}: ${name}`),
          ),
        ]),
      );
    }
  }
  return lines;
}

function turnSection(cell: Cell, table: Table, row: Row): string[] {
  const lines = [
    '',
    '## A snapshot turn, taken apart (SnapshotWriter in the benchmark thread)',
    '',
    ...table(['data set', 'part of a turn', 'p50 µs', 'p99 µs', 'max µs']),
  ];
  for (const set of ['turns, 32 B values', 'turns, 64 KiB documents']) {
    for (const part of TURN_PARTS) {
      const label = `${set}${part.endsWith('step()') ? ', ' : ': '}${part}`;
      lines.push(
        row([
          set.replace('turns, ', ''),
          part,
          ...['p50', 'p99', 'max'].map((q) => cell(`${label} ${q} µs`)),
        ]),
      );
    }
    lines.push(
      row([set.replace('turns, ', ''), 'turns (lz4)', cell(`${set}, lz4: turns`), '', '']),
    );
  }
  return lines;
}
