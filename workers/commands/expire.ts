// TTL commands (expire.c): EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with NX|XX|GT|LT, TTL, PTTL,
// EXPIRETIME, PEXPIRETIME, PERSIST.

import type { ShardCommandName } from '../../src/commands/table.js';
import {
  EXPIRE_GT_WITH_LT,
  EXPIRE_NX_WITH_OTHERS,
  unsupportedOption,
} from '../../src/shared/reply-errors.js';
import type { Call, CommandHandler } from './call.js';
import { ExpireUnit, expireStyleDeadline } from './expiry-arguments.js';

const Condition = { NX: 1, XX: 2, GT: 4, LT: 8 } as const;

/** Parses NX|XX|GT|LT from argument 2 on; replies the error and returns -1 when they are wrong. */
function parseConditions(call: Call): number {
  let conditions = 0;
  for (let j = 2; j < call.argc; j++) {
    if (call.argIs(j, 'NX')) conditions |= Condition.NX;
    else if (call.argIs(j, 'XX')) conditions |= Condition.XX;
    else if (call.argIs(j, 'GT')) conditions |= Condition.GT;
    else if (call.argIs(j, 'LT')) conditions |= Condition.LT;
    else {
      call.error(unsupportedOption(call.arg(j)));
      return -1;
    }
  }
  if (conditions & Condition.NX && conditions & (Condition.XX | Condition.GT | Condition.LT)) {
    call.error(EXPIRE_NX_WITH_OTHERS);
    return -1;
  }
  if (conditions & Condition.GT && conditions & Condition.LT) {
    call.error(EXPIRE_GT_WITH_LT);
    return -1;
  }
  return conditions;
}

function expireGeneric(call: Call, unit: ExpireUnit, relative: boolean): void {
  const conditions = parseConditions(call);
  if (conditions < 0) return;
  const keyspace = call.keyspace;
  const when = expireStyleDeadline(call, 1, unit, relative ? keyspace.now : 0);
  if (when === undefined) return;
  const key = call.arg(0);
  if (!keyspace.has(call.slot, key)) {
    call.int(0);
    return;
  }
  if (conditions !== 0) {
    // A key without a deadline counts as living forever: GT never passes, LT always does.
    const current = keyspace.deadline(call.slot, key);
    if (
      (conditions & Condition.NX && current !== undefined) ||
      (conditions & Condition.XX && current === undefined) ||
      (conditions & Condition.GT && (current === undefined || when <= current)) ||
      (conditions & Condition.LT && current !== undefined && when >= current)
    ) {
      call.int(0);
      return;
    }
  }
  keyspace.setDeadline(call.slot, key, when);
  call.int(1);
}

export function expire(call: Call): void {
  expireGeneric(call, ExpireUnit.Seconds, true);
}

export function pExpire(call: Call): void {
  expireGeneric(call, ExpireUnit.Milliseconds, true);
}

export function expireAt(call: Call): void {
  expireGeneric(call, ExpireUnit.Seconds, false);
}

export function pExpireAt(call: Call): void {
  expireGeneric(call, ExpireUnit.Milliseconds, false);
}

/** -2 when the key does not exist, -1 when it has no deadline, else `read(deadline)`. */
function replyDeadline(call: Call, read: (deadline: number, now: number) => number): void {
  const keyspace = call.keyspace;
  const key = call.arg(0);
  if (!keyspace.has(call.slot, key)) {
    call.int(-2);
    return;
  }
  const deadline = keyspace.deadline(call.slot, key);
  call.int(deadline === undefined ? -1 : read(deadline, keyspace.now));
}

const secondsLeft = (deadline: number, now: number): number =>
  Math.floor((Math.max(0, deadline - now) + 500) / 1000);
const millisecondsLeft = (deadline: number, now: number): number => Math.max(0, deadline - now);
const deadlineSeconds = (deadline: number): number => Math.floor(deadline / 1000);
const deadlineMilliseconds = (deadline: number): number => deadline;

export function ttl(call: Call): void {
  replyDeadline(call, secondsLeft);
}

export function pTtl(call: Call): void {
  replyDeadline(call, millisecondsLeft);
}

export function expireTime(call: Call): void {
  replyDeadline(call, deadlineSeconds);
}

export function pExpireTime(call: Call): void {
  replyDeadline(call, deadlineMilliseconds);
}

export function persist(call: Call): void {
  const keyspace = call.keyspace;
  const key = call.arg(0);
  call.int(keyspace.has(call.slot, key) && keyspace.persist(call.slot, key) ? 1 : 0);
}

export const handlers = {
  expire,
  pexpire: pExpire,
  expireat: expireAt,
  pexpireat: pExpireAt,
  expiretime: expireTime,
  pexpiretime: pExpireTime,
  ttl,
  pttl: pTtl,
  persist,
} satisfies Partial<Record<ShardCommandName, CommandHandler>>;
