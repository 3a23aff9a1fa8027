// Persistence commands on a shard (docs/persistence-commands.md). Each handler checks its arguments
// in Redis's order and with its texts, then asks the shard (waitSignal), which reaches the log:
//
//   WAITAOF numlocal numreplicas timeout  held until this shard's log holds the caller's last
//                                         write on disk (numlocal 1) and that many replicas hold
//                                         it, or the timeout passes (workers/replication)
//   SAVE                                  a snapshot written now (the shard serves nothing else
//                                         meanwhile, as Redis's SAVE), the reply held until the
//                                         opening thread committed it
//   BGSAVE [SCHEDULE], BGREWRITEAOF       a snapshot started, written between requests
//
// A slotdb snapshot is both of Redis's files at once: it replaces the log (an AOF rewrite) and is
// the point-in-time copy (an RDB), so BGSAVE and BGREWRITEAOF start the same thing. A snapshot
// already under way answers as Redis answers a child of the same kind; BGSAVE SCHEDULE then
// answers 'scheduled': the snapshot under way ends holding every write up to its end, the
// scheduled save's writes among them.

import { putLine, ValueType } from '../../src/shared/codec.js';
import { LogState } from '../../src/shared/log-words.js';
import { parseInt64 } from '../../src/shared/numbers.js';
import { NOT_INTEGER, SYNTAX } from '../../src/shared/reply-errors.js';
import { HeldKind, requestSnapshot, requestWaitAof, waitSignal } from '../replication/signal.js';
import { beginHeld, endHeld, type HeldRequest } from '../replication/waits.js';
import type { Shard } from '../shard.js';
import type { Call } from './call.js';
import { TIMEOUT_NEGATIVE, TIMEOUT_NOT_INTEGER } from './replication.js';

const NUMLOCAL_RANGE = 'ERR value is out of range, value must between 0 and 1';
const NOT_POSITIVE = 'ERR value is out of range, must be positive';
const BGSAVE_RUNNING = 'ERR Background save already in progress';
const REWRITE_RUNNING = 'ERR Background append only file rewriting already in progress';

const NAMES: Record<number, string> = {
  [HeldKind.Save]: 'SAVE',
  [HeldKind.BgSave]: 'BGSAVE',
  [HeldKind.BgRewriteAof]: 'BGREWRITEAOF',
};

/** Without `dir` a shard has nowhere to write (Redis would write dump.rdb in its directory). */
function noDirectory(kind: number): string {
  return `ERR slotdb: ${NAMES[kind]} needs a data directory (open the database with dir)`;
}

/** WAITAOF's arguments as numbers, or the error that refuses them (Redis's order and texts). */
function waitAofArguments(call: Call): [number, number, number] | string {
  const local = parseInt64(call.arg(0));
  if (local === undefined) return NOT_INTEGER;
  if (local < 0 || local > 1) return NUMLOCAL_RANGE;
  const needed = parseInt64(call.arg(1));
  if (needed === undefined) return NOT_INTEGER;
  if (needed < 0) return NOT_POSITIVE;
  const timeout = parseInt64(call.arg(2));
  if (timeout === undefined) return TIMEOUT_NOT_INTEGER;
  if (timeout < 0) return TIMEOUT_NEGATIVE;
  return [Number(local), Number(needed), Number(timeout)];
}

function waitAof(call: Call): void {
  const parsed = waitAofArguments(call);
  if (typeof parsed === 'string') {
    call.error(parsed);
    return;
  }
  const [local, needed, timeout] = parsed;
  if (!call.noBlock) {
    requestWaitAof(local, needed, timeout);
    return;
  }
  // Inside EXEC: answered at once, for what was journaled before it (as WAIT there).
  const now = waitSignal.aofNow(local);
  if (typeof now === 'string') {
    call.error(now);
    return;
  }
  call.array(2);
  call.int(now[0]);
  call.int(now[1]);
}

function save(_call: Call): void {
  requestSnapshot(HeldKind.Save);
}

function bgSave(call: Call): void {
  if (call.argc > 1 || (call.argc === 1 && !call.argIs(0, 'SCHEDULE'))) {
    call.error(SYNTAX);
    return;
  }
  requestSnapshot(HeldKind.BgSave, call.argc === 1);
}

function bgRewriteAof(_call: Call): void {
  requestSnapshot(HeldKind.BgRewriteAof);
}

export const handlers = {
  waitaof: waitAof,
  save,
  bgsave: bgSave,
  bgrewriteaof: bgRewriteAof,
};

/**
 * SAVE, BGSAVE or BGREWRITEAOF asked the shard (waitSignal.kind): answers `call`, or holds a SAVE
 * until its snapshot is committed (returns true then; `held` says where the reply goes).
 */
export function snapshotAsked(shard: Shard, call: Call, held: HeldRequest): boolean {
  const kind = waitSignal.kind;
  const persistence = shard.persistence;
  if (persistence?.log === undefined) {
    // A replica keeps the settings but no log: the request raced a failover.
    const onReplica = `ERR slotdb: ${NAMES[kind]} reached a replica (its shard failed over); send it again`;
    call.error(persistence === undefined ? noDirectory(kind) : onReplica);
    return false;
  }
  if (persistence.saving) {
    if (kind === HeldKind.BgRewriteAof) call.error(REWRITE_RUNNING);
    else if (kind === HeldKind.BgSave && waitSignal.schedule)
      call.status('Background saving scheduled');
    else call.error(BGSAVE_RUNNING);
    return false;
  }
  if (kind === HeldKind.Save) return saveNow(shard, call, held);
  let started: boolean;
  try {
    started = persistence.startSnapshot();
  } catch (error) {
    // Its file could not be created: the shard goes on with its log as it was.
    call.error(`ERR slotdb: ${(error as Error).message}`);
    return false;
  }
  if (!started) {
    call.error(`ERR slotdb: shard ${shard.id} could not start a snapshot`);
  } else if (kind === HeldKind.BgSave) {
    call.status('Background saving started');
  } else {
    call.status('Background append only file rewriting started');
  }
  return false;
}

/**
 * SAVE: the log is written and fsynced first (a snapshot's new log starts at the journal's offset,
 * so nothing older may still be staged), then the snapshot is written to its end in this turn. A
 * write that fails answers at once; otherwise the reply waits for the commit.
 */
function saveNow(shard: Shard, call: Call, held: HeldRequest): boolean {
  const persistence = shard.persistence!;
  try {
    persistence.syncNow();
  } catch (error) {
    call.error(`ERR slotdb: SAVE could not write the log: ${(error as Error).message}`);
    return false;
  }
  // The commit comes later, from the opening thread; a callback run before the request is held is
  // a snapshot that failed while it was written. A throw: its file could not be created.
  let holding = false;
  let early: { error?: string } | undefined;
  const settle = (ok: boolean, error?: string): void => {
    const why = ok ? undefined : (error ?? 'the snapshot failed');
    if (holding) answerSave(shard, held, why);
    else early = { error: why };
  };
  persistence.onCommit.push(settle);
  try {
    if (!persistence.saveNow()) early ??= { error: `shard ${shard.id} could not start a snapshot` };
  } catch (error) {
    early ??= { error: (error as Error).message };
  }
  if (early === undefined) {
    holding = true;
    return true;
  }
  const index = persistence.onCommit.indexOf(settle);
  if (index >= 0) persistence.onCommit.splice(index, 1);
  if (early.error === undefined) call.ok();
  else call.error(`ERR slotdb: ${early.error}`);
  return false;
}

/** A held SAVE's reply: OK, or the reason its snapshot was not committed. */
function answerSave(shard: Shard, held: HeldRequest, error: string | undefined): void {
  // The client detached meanwhile: nobody waits for this reply, and its ring may be another's.
  if (shard.clients.byId[held.link.client] !== held.link) return;
  const start = beginHeld(held);
  if (start < 0) return;
  const replies = held.link.replies;
  if (error === undefined) putLine(replies, ValueType.Status, 'OK');
  else putLine(replies, ValueType.Error, `ERR slotdb: ${error}`);
  endHeld(held, start);
}

/** What this shard last published of its log (one shard per worker thread). */
const published = { bytes: -1, state: -1 };

/**
 * Publishes the log's size and state for INFO persistence and db.stats(), when they changed (once
 * a loop turn on a primary with a log: a few reads, and a store only on a change).
 */
export function publishLogState(shard: Shard): void {
  const persistence = shard.persistence!;
  const log = persistence.log;
  const bytes = log?.size ?? 0;
  const state =
    log === undefined
      ? 0
      : LogState.Open |
        (persistence.saving ? LogState.Saving : 0) |
        (persistence.refusal !== undefined ? LogState.WriteFailed : 0);
  if (bytes === published.bytes && state === published.state) return;
  published.bytes = bytes;
  published.state = state;
  shard.control.logs.setLogState(shard.id, bytes, state);
}
