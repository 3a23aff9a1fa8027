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
export { ErrorReply, ClientClosedError, ShardDownError, OptionError, PendingLimitError } from './errors.js';
export { keySlot } from './shared/key-slot.js';
export { SLOT_COUNT, SHARDS_MAX, VALUE_BYTES_MAX } from './shared/limits.js';
export type {
  MigrateOptions,
  MigrateSlotsOptions,
  RebalanceOptions,
  MigrationEvent,
  MigrationSummary,
} from './migration-coordinator.js';
export { MigrationError } from './migration-coordinator.js';
export type { MigrationReport, LockMode } from './shared/control-messages.js';
export { Profile } from './profiler.js';
export type { ProfileOptions } from './profiler.js';
export type { ProfileReport } from './profile-report.js';
export { renderProfileHtml } from './profile-html.js';
