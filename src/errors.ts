// Every error slotdb raises comes from here, so callers can tell them apart by class.

/** An error reply from a command, with Redis's text (`ERR ...`, `WRONGTYPE ...`), as node-redis. */
export class ErrorReply extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ErrorReply';
  }
}

/** A call on a closed database (or a detached client), with node-redis's text. */
export class ClientClosedError extends Error {
  constructor(message = 'The client is closed') {
    super(message);
    this.name = 'ClientClosedError';
  }
}

/** A shard's worker died: its pending commands and later commands to its slots fail with this. */
export class ShardDownError extends Error {
  readonly shard: number;
  constructor(shard: number, detail: string) {
    super(`slotdb: shard ${shard} is down (${detail})`);
    this.name = 'ShardDownError';
    this.shard = shard;
  }
}

/** A bad option to open() or attach(); the message names the option. */
export class OptionError extends TypeError {
  readonly option: string;
  constructor(option: string, expected: string, got: unknown) {
    super(`slotdb: option '${option}' must be ${expected}, got ${describe(got)}`);
    this.name = 'OptionError';
    this.option = option;
  }
}

/** Too many commands in flight for the configured `pendingMax`. */
export class PendingLimitError extends Error {
  constructor(limit: number) {
    super(`slotdb: more than ${limit} commands in flight (option 'pendingMax')`);
    this.name = 'PendingLimitError';
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return typeof value;
}
