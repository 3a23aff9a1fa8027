// The migration roles' state machines: each transition table allows exactly the moves it lists
// (every other move throws an invariant error naming role, slot, from and to), the roles change
// state through it as the protocol runs, and docs/migration.md draws every state of every role.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvariantError } from '../../src/errors.js';
import { ControlBlock } from '../../src/shared/control-block.js';
import type { MigrationPlan, ShardEvent } from '../../src/shared/control-messages.js';
import { createRingStorage, FrameWriter } from '../../src/shared/ring.js';
import { Keyspace } from '../../workers/keyspace/keyspace.js';
import * as incoming from '../../workers/migration/incoming.js';
import { LostKeys } from '../../workers/migration/lost-keys.js';
import * as outgoing from '../../workers/migration/outgoing.js';
import * as returning from '../../workers/migration/returning.js';
import { RoleKind } from '../../workers/migration/role.js';
import * as machine from '../../workers/migration/state-machine.js';

const { INCOMING_MOVES, IncomingMigration, IncomingState } = incoming;
const { OUTGOING_MOVES, OutgoingMigration, OutgoingState } = outgoing;
const { RETURNING_MOVES, ReturningMigration, ReturningState } = returning;
const { checkedMove } = machine;

import type { ShardContext } from '../../workers/shard-context.js';

const ROLES: [string, Record<string, number>, machine.TransitionTable, string][] = [
  ['outgoing', OutgoingState, OUTGOING_MOVES, '### Outgoing'],
  ['incoming', IncomingState, INCOMING_MOVES, '### Incoming'],
  ['returning', ReturningState, RETURNING_MOVES, '### Returning'],
];

/** The moves each table must allow, by state name: the protocol in docs/migration.md. */
const LEGAL: Record<string, [string, string][]> = {
  outgoing: [
    ['Moving', 'Returning'],
    ['Moving', 'Done'],
    ['Returning', 'Done'],
  ],
  incoming: [
    ['Importing', 'Completed'],
    ['Importing', 'Returning'],
    ['Importing', 'Abandoned'],
  ],
  returning: [
    ['Sending', 'Refused'],
    ['Sending', 'Done'],
    ['Refused', 'Done'],
  ],
};

/** A shard for one role to run against: real tables and rings, recorded side effects. */
function fakeShard(): ShardContext & { finishedIds: number[]; events: ShardEvent[] } {
  const writer = new FrameWriter(createRingStorage(1 << 16));
  const finishedIds: number[] = [];
  const events: ShardEvent[] = [];
  return {
    id: 0,
    control: new ControlBlock(),
    keyspace: new Keyspace(),
    faults: {},
    profiler: undefined,
    execute: () => {},
    executeError: () => {},
    forward: () => 0,
    replyError: () => {},
    peerWriter: () => writer,
    flushPeer: () => writer.flush(),
    post: (event) => events.push(event),
    finished: (id) => finishedIds.push(id),
    handedOver: () => {},
    handOffBlocked: () => {},
    lostKeys: () => {},
    finishedIds,
    events,
  };
}

const LIMITS = { batchKeys: 10, batchBytes: 1 << 16, window: 1 };
const PLAN: MigrationPlan = { migration: 5, slot: 42, target: 1, lock: 'key', ...LIMITS };

describe('migration role transition tables', () => {
  for (const [role, states, table] of ROLES) {
    it(`${role}: the listed moves pass; any other throws, naming role, slot, from and to`, () => {
      const names = Object.keys(states);
      expect(table.names).toEqual(names);
      const legal = new Set(LEGAL[role]!.map(([from, to]) => `${from}>${to}`));
      for (const from of names) {
        for (const to of names) {
          const move = (): number => checkedMove(table, 7, states[from]!, states[to]!);
          if (legal.has(`${from}>${to}`)) {
            expect(move()).toBe(states[to]);
          } else {
            expect(move).toThrow(InvariantError);
            expect(move).toThrow(`${role} migration of slot 7 cannot go from ${from} to ${to}`);
          }
        }
      }
    });
  }

  it('states are listed in the order they change: no move goes back to an earlier state', () => {
    for (const [, , table] of ROLES) {
      table.moves.forEach((next, from) => {
        for (const to of next) expect(to).toBeGreaterThan(from);
      });
    }
  });
});

describe('migration roles change state through their tables', () => {
  it('outgoing: cancel, then RETURNED, ends cancelled; a move back throws', () => {
    const shard = fakeShard();
    const role = new OutgoingMigration(shard, PLAN, performance.now());
    expect([role.kind, role.peer]).toEqual([RoleKind.Outgoing, 1]);
    expect(role.state).toBe(OutgoingState.Moving);
    expect(role.cancel(performance.now())).toBe(true);
    expect(role.state).toBe(OutgoingState.Returning);
    role.onReturned(performance.now());
    expect(role.state).toBe(OutgoingState.Done);
    expect(shard.finishedIds).toEqual([5]);
    expect(shard.events.at(-1)).toMatchObject({ type: 'migration-end', outcome: 'cancelled' });
    expect(() => role.transition(OutgoingState.Moving)).toThrow(
      /outgoing migration of slot 42 cannot go from Done to Moving/,
    );
  });

  it('outgoing: an empty slot flips to Done (completed) on its first step', () => {
    const shard = fakeShard();
    const role = new OutgoingMigration(shard, PLAN, performance.now());
    expect(role.step(performance.now())).toBe(1);
    expect(role.state).toBe(OutgoingState.Done);
    expect(shard.control.owner[42]).toBe(1);
    expect(shard.events.at(-1)).toMatchObject({ type: 'migration-end', outcome: 'completed' });
  });

  it("incoming: RETURN hands over to a returning role (IMPORT's limits); late frames are ignored", () => {
    const shard = fakeShard();
    const role = new IncomingMigration(shard, 5, 42, 0, LIMITS);
    expect([role.kind, role.peer]).toEqual([RoleKind.Incoming, 0]);
    expect(role.state).toBe(IncomingState.Importing);
    const next = role.onReturn();
    expect(role.state).toBe(IncomingState.Returning);
    expect(next).toBeInstanceOf(ReturningMigration);
    const { kind, migration, slot, peer } = next!;
    expect([kind, migration, slot, peer]).toEqual([RoleKind.Returning, 5, 42, 0]);
    // FLIP, DROP, RETURN or the source's death after the import ended mean nothing: no move, no
    // end, and the keys the returning role sends back stay.
    shard.keyspace.set(42, 'a', 'one');
    role.onFlip();
    role.onDrop();
    expect(role.onReturn()).toBeUndefined();
    role.onPeerDown();
    expect(role.state).toBe(IncomingState.Returning);
    expect(shard.finishedIds).toEqual([]);
    expect(shard.keyspace.get(42, 'a')).toBe('one');
    expect(() => role.transition(IncomingState.Completed)).toThrow(
      /incoming migration of slot 42 cannot go from Returning to Completed/,
    );
  });

  it('incoming: FLIP completes it; the source dying abandons it', () => {
    const flipped = new IncomingMigration(fakeShard(), 5, 42, 0, LIMITS);
    flipped.onFlip();
    expect(flipped.state).toBe(IncomingState.Completed);
    const shard = fakeShard();
    shard.control.owner[43] = 2;
    const abandoned = new IncomingMigration(shard, 6, 43, 2, LIMITS);
    shard.keyspace.set(43, 'moved', 'here');
    abandoned.onPeerDown();
    expect(abandoned.state).toBe(IncomingState.Abandoned);
    // This shard takes the slot and keeps the keys that moved; the finished role makes room.
    expect(shard.control.owner[43]).toBe(shard.id);
    expect(shard.keyspace.get(43, 'moved')).toBe('here');
    expect(shard.finishedIds).toEqual([6]);
  });

  it('lost keys: names the dead shard in a SHARDDOWN reply; FLUSHALL ends it', () => {
    const shard = fakeShard();
    const lost = new LostKeys(shard, 7, 44, 2);
    expect(lost.kind).toBe(RoleKind.LostKeys);
    expect(lost.reply).toMatch(/^SHARDDOWN 2 it died holding keys of slot 44/);
    lost.onFlush(performance.now());
    expect(shard.finishedIds).toEqual([7]);
  });

  it('returning: with nothing left it sends RETURNED, Done; a refusal goes through Refused', () => {
    const shard = fakeShard();
    const role = new ReturningMigration(shard, 5, 42, 0, LIMITS);
    expect(role.step(performance.now())).toBe(1);
    expect(role.state).toBe(ReturningState.Done);
    expect(shard.finishedIds).toEqual([5]);
    expect(() => role.transition(ReturningState.Refused)).toThrow(InvariantError);
    role.onAck(1, false, performance.now()); // after Done: ignored
    role.onPeerDown();
    expect(role.state).toBe(ReturningState.Done);
    expect(shard.finishedIds).toEqual([5]);

    const other = fakeShard();
    other.keyspace.set(43, 'a', 'one');
    other.keyspace.set(43, 'b', 'two');
    const oneKeyBatches = { ...LIMITS, batchKeys: 1, window: 2 };
    const refused = new ReturningMigration(other, 6, 43, 0, oneKeyBatches);
    expect(refused.step(performance.now())).toBe(1); // batch 1
    expect(refused.step(performance.now())).toBe(1); // batch 2
    refused.onAck(3, false, performance.now()); // a batch it never sent: ignored
    expect(refused.state).toBe(ReturningState.Sending);
    refused.onAck(1, false, performance.now());
    expect(refused.state).toBe(ReturningState.Refused);
    refused.onAck(2, false, performance.now()); // a second refusal while Refused is no move
    expect(refused.state).toBe(ReturningState.Refused);
    expect(refused.step(performance.now())).toBe(1);
    expect(refused.state).toBe(ReturningState.Done);
    // What did not go back stays here.
    expect([other.keyspace.get(43, 'a'), other.keyspace.get(43, 'b')]).toEqual(['one', 'two']);
    expect(other.finishedIds).toEqual([6]);
  });

  it('returning: an ack for a batch it never sent neither refuses nor stops it', () => {
    const shard = fakeShard();
    shard.keyspace.set(43, 'a', 'one');
    const role = new ReturningMigration(shard, 6, 43, 0, LIMITS);
    role.onAck(1, false, performance.now());
    expect(role.state).toBe(ReturningState.Sending);
    expect(role.step(performance.now())).toBe(1); // the key still goes back
    role.onAck(1, true, performance.now());
    expect(shard.keyspace.get(43, 'a')).toBeUndefined();
    expect(role.step(performance.now())).toBe(1); // RETURNED
    expect(role.state).toBe(ReturningState.Done);
  });

  it('outgoing: late frames (ACK, RETURNED, peer death) after Done are ignored', () => {
    const shard = fakeShard();
    const role = new OutgoingMigration(shard, PLAN, performance.now());
    expect(role.target).toBe(1);
    role.onAck(1, false, performance.now()); // a batch it never sent: ignored
    expect(role.state).toBe(OutgoingState.Moving);
    role.onReturned(performance.now()); // not Returning: ignored
    expect(role.state).toBe(OutgoingState.Moving);
    expect(role.step(performance.now())).toBe(1);
    expect(role.state).toBe(OutgoingState.Done);
    const events = shard.events.length;
    role.onAck(1, false, performance.now());
    role.onReturned(performance.now());
    role.onPeerDown(performance.now());
    expect(role.cancel(performance.now())).toBe(true);
    expect(role.state).toBe(OutgoingState.Done);
    expect(shard.events.length).toBe(events);
    expect(shard.finishedIds).toEqual([5]);
  });
});

describe('docs/migration.md', () => {
  const doc = readFileSync(new URL('../../docs/migration.md', import.meta.url), 'utf8');
  for (const [role, states, , heading] of ROLES) {
    it(`draws every ${role} state in its diagram`, () => {
      const section = doc.slice(doc.indexOf(heading));
      expect(doc.indexOf(heading)).toBeGreaterThanOrEqual(0);
      const diagram = /```\n([\s\S]*?)```/.exec(section)![1]!;
      for (const name of Object.keys(states)) expect(diagram).toMatch(new RegExp(`\\b${name}\\b`));
      // And nothing else: every capitalised word before an arrow's head or at its tail is a state.
      const heads = [...diagram.matchAll(/(?:^|▶ )([A-Z][a-z]+)/gm)];
      const drawn = new Set(heads.map((match) => match[1]!));
      for (const name of drawn) expect(Object.keys(states)).toContain(name);
    });
  }
});
