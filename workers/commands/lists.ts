// List commands (t_list.c), with Redis's semantics, reply shapes and error texts. The handlers live
// in lists/, by what they do: at the ends (push-pop.ts, built on ends.ts, which the blocking
// commands reuse), reading (read.ts), changes inside a list (edit.ts), and the blocking forms
// (blocking.ts, with workers/blocking/).

import type { ShardCommandName } from '../../src/commands/table.js';
import type { CommandHandler } from './call.js';
import { blMove, blmPop, blPop, brPop, brPopLPush } from './lists/blocking.js';
import { lInsert, lRem, lSet, lTrim } from './lists/edit.js';
import {
  lMove,
  lmPop,
  lPop,
  lPush,
  lPushX,
  rPop,
  rPopLPush,
  rPush,
  rPushX,
} from './lists/push-pop.js';
import { lIndex, lLen, lPos, lRange } from './lists/read.js';

export const handlers = {
  lpush: lPush,
  rpush: rPush,
  lpushx: lPushX,
  rpushx: rPushX,
  lpop: lPop,
  rpop: rPop,
  llen: lLen,
  lrange: lRange,
  lindex: lIndex,
  lset: lSet,
  linsert: lInsert,
  lrem: lRem,
  ltrim: lTrim,
  lpos: lPos,
  lmove: lMove,
  rpoplpush: rPopLPush,
  lmpop: lmPop,
  blpop: blPop,
  brpop: brPop,
  blmove: blMove,
  blmpop: blmPop,
  brpoplpush: brPopLPush,
} satisfies Partial<Record<ShardCommandName, CommandHandler>>;
