export type {
  ListInsertPosition,
  ListSide,
  LMPopOptions,
  LPosOptions,
} from './commands/arguments/lists.js';
export type {
  HashEntry,
  HScanIteratorOptions,
  HScanOptions,
  HScanReply,
  HSetMap,
  HSetObject,
  HSetTuples,
  ScanSteps,
} from './commands/methods/hashes.js';
export type { BlockingPopReply } from './commands/methods/lists.js';
export type { BgSaveOptions } from './commands/methods/persistence.js';
export type {
  SInterCardOptions,
  SScanIteratorOptions,
  SScanOptions,
  SScanReply,
} from './commands/methods/sets.js';
export type {
  SortedSetMember,
  ZAddOptions,
  ZKeyAndWeight,
  ZKeys,
  ZMember,
  ZRangeOptions,
  ZScanIteratorOptions,
  ZScanOptions,
  ZScanReply,
  ZStoreOptions,
} from './commands/methods/zsets.js';
export type {
  CopyOptions,
  ExpireMode,
  GetExOptions,
  RedisArgument,
  RedisVariadicArgument,
  ScanOptions,
  ScanReply,
  SetOptions,
} from './commands/methods.js';
export type { ReadFrom, SlotDBHandle } from './db.js';
export { BufferCommands, ReadFromCommands, SlotDB, SyncCommands } from './db.js';
export {
  ArgumentCountError,
  ArgumentTypeError,
  ClientClosedError,
  ClientLimitError,
  ErrorReply,
  FailoverError,
  FrameTooLargeError,
  HandleError,
  InvariantError,
  IsolationError,
  MigrationError,
  MultiErrorReply,
  NotOpenerError,
  OptionError,
  PendingLimitError,
  PersistenceError,
  PlannedFailoverError,
  ProfileError,
  ShardDownError,
  ShardRequestError,
  SlotBusyError,
  SlotRangeError,
  ValueTooLargeError,
  WatchError,
} from './errors.js';
export type {
  MigrateOptions,
  MigrateSlotsOptions,
  MigrationEvent,
  MigrationSummary,
  RebalanceOptions,
} from './migration/options.js';
export type { OpenOptions } from './options.js';
export { renderProfileHtml } from './profiler/html/page.js';
export type { ProfileOptions } from './profiler/profile.js';
export { Profile } from './profiler/profile.js';
export type { ProfileReport } from './profiler/report/types.js';
export type { FailoverOptions } from './replication/planned-failover.js';
export type { FailoverRecord } from './replication/replica-sets.js';
export type { LockMode, MigrationReport } from './shared/control-messages.js';
export { keySlot } from './shared/key-slot.js';
export { SHARDS_MAX, SLOT_COUNT, VALUE_BYTES_MAX } from './shared/limits.js';
export type { PersistenceStats, ReplicaStats, ShardStats, SlotDBStats } from './stats.js';
export type { IsolatedClient } from './transactions/isolated.js';
export type { MultiCommands } from './transactions/multi.js';
