// Opcode → handler. Every command of the table in src/shared/commands.ts that a shard executes
// has an entry; commands the client answers itself (Route.Local) have none.

import { OP_COUNT, Op } from '../../src/shared/commands.js';
import type { CommandHandler } from '../call.js';
import * as expire from './expire.js';
import * as keys from './keys.js';
import * as strings from './strings.js';

export const HANDLERS: (CommandHandler | undefined)[] = new Array(OP_COUNT).fill(undefined);

const entries: [number, CommandHandler][] = [
  [Op.Get, strings.get],
  [Op.Set, strings.set],
  [Op.SetNX, strings.setNx],
  [Op.SetEx, strings.setExSeconds],
  [Op.PSetEx, strings.setExMilliseconds],
  [Op.GetSet, strings.getSet],
  [Op.GetDel, strings.getDel],
  [Op.GetEx, strings.getEx],
  [Op.Incr, strings.incr],
  [Op.IncrBy, strings.incrBy],
  [Op.Decr, strings.decr],
  [Op.DecrBy, strings.decrBy],
  [Op.IncrByFloat, strings.incrByFloat],
  [Op.Append, strings.append],
  [Op.StrLen, strings.strLen],
  [Op.GetRange, strings.getRange],
  [Op.SetRange, strings.setRange],
  [Op.MGet, strings.mGet],
  [Op.MSet, strings.mSet],
  [Op.MSetNX, strings.mSetNx],
  [Op.Del, keys.del],
  [Op.Unlink, keys.del],
  [Op.Exists, keys.exists],
  [Op.Touch, keys.exists],
  [Op.Type, keys.type],
  [Op.DbSize, keys.dbSize],
  [Op.FlushAll, keys.flushAll],
  [Op.FlushDb, keys.flushAll],
  [Op.Keys, keys.keys],
  [Op.Scan, keys.scan],
  [Op.ClusterCountKeysInSlot, keys.countKeysInSlot],
  [Op.ClusterGetKeysInSlot, keys.getKeysInSlot],
  [Op.Expire, expire.expire],
  [Op.PExpire, expire.pExpire],
  [Op.ExpireAt, expire.expireAt],
  [Op.PExpireAt, expire.pExpireAt],
  [Op.ExpireTime, expire.expireTime],
  [Op.PExpireTime, expire.pExpireTime],
  [Op.Ttl, expire.ttl],
  [Op.PTtl, expire.pTtl],
  [Op.Persist, expire.persist],
];
for (const [op, handler] of entries) HANDLERS[op] = handler;
