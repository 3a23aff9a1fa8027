export { SlotDB, SyncCommands, BufferCommands } from './db.js';
export type { SlotDBHandle, SlotDBStats, ShardStats } from './db.js';
export type {
  RedisArgument,
  RedisVariadicArgument,
  SetOptions,
  GetExOptions,
  ExpireMode,
  ScanOptions,
  ScanReply,
} from './commands/methods.js';
export type { OpenOptions } from './options.js';
export {
  ErrorReply,
  ClientClosedError,
  ShardDownError,
  OptionError,
  PendingLimitError,
  ArgumentTypeError,
  ValueTooLargeError,
  SlotRangeError,
  NotOpenerError,
  ClientLimitError,
  ShardRequestError,
  SlotBusyError,
  MigrationError,
  ProfileError,
  InvariantError,
} from './errors.js';
export { keySlot } from './shared/key-slot.js';
export { SLOT_COUNT, SHARDS_MAX, VALUE_BYTES_MAX } from './shared/limits.js';
export type {
  MigrateOptions,
  MigrateSlotsOptions,
  RebalanceOptions,
  MigrationEvent,
  MigrationSummary,
} from './migration/options.js';
export type { MigrationReport, LockMode } from './shared/control-messages.js';
export { Profile } from './profiler/profile.js';
export type { ProfileOptions } from './profiler/profile.js';
export type { ProfileReport } from './profiler/report/types.js';
export { renderProfileHtml } from './profiler/html/page.js';
