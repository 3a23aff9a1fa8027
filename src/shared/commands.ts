// The command table, declared as data: name, opcode, arity, where the keys are and how the client
// routes the command. Clients use it to check arity, find keys and pick shards; shards use the
// opcode to dispatch. Arity follows Redis: it counts the command name, and a negative arity means
// "at least that many".

export const Op = {
  Get: 1,
  Set: 2,
  GetDel: 3,
  GetEx: 4,
  Del: 5,
  Unlink: 6,
  Exists: 7,
  Type: 8,
  Incr: 9,
  IncrBy: 10,
  Decr: 11,
  DecrBy: 12,
  IncrByFloat: 13,
  Append: 14,
  StrLen: 15,
  GetRange: 16,
  SetRange: 17,
  MGet: 18,
  MSet: 19,
  MSetNX: 20,
  Expire: 21,
  PExpire: 22,
  ExpireAt: 23,
  PExpireAt: 24,
  Ttl: 25,
  PTtl: 26,
  Persist: 27,
  DbSize: 28,
  FlushAll: 29,
  Scan: 30,
  ClusterKeySlot: 31,
  ClusterCountKeysInSlot: 32,
  ClusterGetKeysInSlot: 33,
  SetNX: 34,
  SetEx: 35,
  PSetEx: 36,
  GetSet: 37,
  ExpireTime: 38,
  PExpireTime: 39,
  Touch: 40,
  Keys: 41,
  Ping: 42,
  Echo: 43,
  FlushDb: 44,
  ClusterSlots: 45,
  ClusterShards: 46,
} as const;
export type Op = (typeof Op)[keyof typeof Op];
export const OP_COUNT = 64;

/** How a client sends a command. */
export const Route = {
  /** One key, at argument 0: to the shard that owns its slot. */
  Key: 0,
  /** Several keys (Keys.All or Keys.Pairs): one sub-command per slot, replies merged. */
  Split: 1,
  /** Several keys that must share a slot (atomic only there): CROSSSLOT otherwise. */
  SameSlot: 2,
  /** Keyless, every shard answers, replies merged (DBSIZE, FLUSHALL, KEYS). */
  Broadcast: 3,
  /** Argument 0 is a slot number: to the shard that owns that slot. */
  SlotArgument: 4,
  /** SCAN: to the shard that owns the slot the cursor points at. */
  Cursor: 5,
  /** Answered by the client without a round trip (CLUSTER KEYSLOT, PING, ECHO). */
  Local: 6,
} as const;
export type Route = (typeof Route)[keyof typeof Route];

/** Which arguments are keys (argument 0 is the first after the command name). */
export const Keys = { None: 0, First: 1, All: 2, Pairs: 3 } as const;
export type Keys = (typeof Keys)[keyof typeof Keys];

export interface CommandSpec {
  /** Lower-case full name as Redis prints it in errors: 'get', 'cluster|keyslot'. */
  readonly name: string;
  readonly op: Op;
  readonly arity: number;
  readonly keys: Keys;
  readonly route: Route;
  readonly write: boolean;
}

function spec(name: string, op: Op, arity: number, keys: Keys, route: Route, write: boolean): CommandSpec {
  return { name, op, arity, keys, route, write };
}

const W = true; // writes
const ro = false; // reads only

export const COMMANDS: readonly CommandSpec[] = [
  spec('get', Op.Get, 2, Keys.First, Route.Key, ro),
  spec('set', Op.Set, -3, Keys.First, Route.Key, W),
  spec('setnx', Op.SetNX, 3, Keys.First, Route.Key, W),
  spec('setex', Op.SetEx, 4, Keys.First, Route.Key, W),
  spec('psetex', Op.PSetEx, 4, Keys.First, Route.Key, W),
  spec('getset', Op.GetSet, 3, Keys.First, Route.Key, W),
  spec('getdel', Op.GetDel, 2, Keys.First, Route.Key, W),
  spec('getex', Op.GetEx, -2, Keys.First, Route.Key, W),
  spec('del', Op.Del, -2, Keys.All, Route.Split, W),
  spec('unlink', Op.Unlink, -2, Keys.All, Route.Split, W),
  spec('exists', Op.Exists, -2, Keys.All, Route.Split, ro),
  spec('touch', Op.Touch, -2, Keys.All, Route.Split, ro),
  spec('type', Op.Type, 2, Keys.First, Route.Key, ro),
  spec('incr', Op.Incr, 2, Keys.First, Route.Key, W),
  spec('incrby', Op.IncrBy, 3, Keys.First, Route.Key, W),
  spec('decr', Op.Decr, 2, Keys.First, Route.Key, W),
  spec('decrby', Op.DecrBy, 3, Keys.First, Route.Key, W),
  spec('incrbyfloat', Op.IncrByFloat, 3, Keys.First, Route.Key, W),
  spec('append', Op.Append, 3, Keys.First, Route.Key, W),
  spec('strlen', Op.StrLen, 2, Keys.First, Route.Key, ro),
  spec('getrange', Op.GetRange, 4, Keys.First, Route.Key, ro),
  spec('setrange', Op.SetRange, 4, Keys.First, Route.Key, W),
  spec('mget', Op.MGet, -2, Keys.All, Route.Split, ro),
  spec('mset', Op.MSet, -3, Keys.Pairs, Route.Split, W),
  spec('msetnx', Op.MSetNX, -3, Keys.Pairs, Route.SameSlot, W),
  spec('expire', Op.Expire, -3, Keys.First, Route.Key, W),
  spec('pexpire', Op.PExpire, -3, Keys.First, Route.Key, W),
  spec('expireat', Op.ExpireAt, -3, Keys.First, Route.Key, W),
  spec('pexpireat', Op.PExpireAt, -3, Keys.First, Route.Key, W),
  spec('expiretime', Op.ExpireTime, 2, Keys.First, Route.Key, ro),
  spec('pexpiretime', Op.PExpireTime, 2, Keys.First, Route.Key, ro),
  spec('ttl', Op.Ttl, 2, Keys.First, Route.Key, ro),
  spec('pttl', Op.PTtl, 2, Keys.First, Route.Key, ro),
  spec('persist', Op.Persist, 2, Keys.First, Route.Key, W),
  spec('dbsize', Op.DbSize, 1, Keys.None, Route.Broadcast, ro),
  spec('flushall', Op.FlushAll, -1, Keys.None, Route.Broadcast, W),
  spec('flushdb', Op.FlushDb, -1, Keys.None, Route.Broadcast, W),
  spec('keys', Op.Keys, 2, Keys.None, Route.Broadcast, ro),
  spec('scan', Op.Scan, -2, Keys.None, Route.Cursor, ro),
  spec('ping', Op.Ping, -1, Keys.None, Route.Local, ro),
  spec('echo', Op.Echo, 2, Keys.None, Route.Local, ro),
  spec('cluster|keyslot', Op.ClusterKeySlot, 3, Keys.None, Route.Local, ro),
  spec('cluster|countkeysinslot', Op.ClusterCountKeysInSlot, 3, Keys.None, Route.SlotArgument, ro),
  spec('cluster|getkeysinslot', Op.ClusterGetKeysInSlot, 4, Keys.None, Route.SlotArgument, ro),
  spec('cluster|slots', Op.ClusterSlots, 2, Keys.None, Route.Local, ro),
  spec('cluster|shards', Op.ClusterShards, 2, Keys.None, Route.Local, ro),
];

const BY_NAME = new Map<string, CommandSpec>();
const BY_OP: (CommandSpec | undefined)[] = new Array(OP_COUNT);
for (const command of COMMANDS) {
  if (BY_NAME.has(command.name) || BY_OP[command.op]) throw new Error(`duplicate command ${command.name}`);
  BY_NAME.set(command.name, command);
  BY_OP[command.op] = command;
}

/** Commands that take a subcommand; their specs are named 'parent|sub'. */
export const CONTAINER_COMMANDS = new Set(['cluster']);

/** The spec of `name` (and `sub` for container commands), case-insensitive, or undefined. */
export function findCommand(name: string, sub?: string): CommandSpec | undefined {
  const lower = name.toLowerCase();
  if (CONTAINER_COMMANDS.has(lower)) {
    return sub === undefined ? undefined : BY_NAME.get(`${lower}|${sub.toLowerCase()}`);
  }
  return BY_NAME.get(lower);
}

export function commandByOp(op: number): CommandSpec {
  const command = BY_OP[op];
  if (!command) throw new Error(`slotdb: unknown opcode ${op}`);
  return command;
}

/** Whether `argc` arguments (command name included) satisfy the arity. */
export function arityAccepts(command: CommandSpec, argc: number): boolean {
  return command.arity >= 0 ? argc === command.arity : argc >= -command.arity;
}

/** Arguments of a container command's spec that precede the real arguments ('cluster', 'keyslot'). */
export function nameWords(command: CommandSpec): number {
  return command.name.includes('|') ? 2 : 1;
}
