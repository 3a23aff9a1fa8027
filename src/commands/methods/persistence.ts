// The node-redis v5 methods of persistence (WAITAOF, SAVE, BGSAVE, BGREWRITEAOF, LASTSAVE): names,
// parameters and reply shapes as node-redis gives them (its SAVE, BGSAVE, BGREWRITEAOF and
// LASTSAVE; WAITAOF, which node-redis lacks, shaped as its WAIT). One link of the method chain
// (see base.ts).

import { COMMAND } from '../table.js';
import type { Out } from './base.js';
import { SortedSetMethods } from './zsets.js';

/** BGSAVE's options, as node-redis's. */
export interface BgSaveOptions {
  /** With a snapshot under way, answer 'Background saving scheduled' instead of an error. */
  SCHEDULE?: boolean;
}

export abstract class PersistenceMethods<
  Async extends boolean,
  S extends string | Buffer = string,
> extends SortedSetMethods<Async, S> {
  /**
   * WAITAOF: resolves [local, replicas] once this thread's writes are on disk in the logs of the
   * shards it wrote to since its last WAIT or WAITAOF (local 1) and held by `numReplicas` replicas
   * of each, or after `timeout` ms (0: no timeout); each element the least over those shards.
   */
  waitAof(numLocal: number, numReplicas: number, timeout: number): Out<Async, [number, number]> {
    return this.executor.run(COMMAND.waitaof, [numLocal, numReplicas, timeout]);
  }

  /** SAVE: every shard writes its snapshot now; 'OK' once each is committed to the directory. */
  save(): Out<Async, 'OK'> {
    return this.executor.run(COMMAND.save, []);
  }

  /** BGSAVE: every shard starts a snapshot, written while it serves. */
  bgSave(options?: BgSaveOptions): Out<Async, string> {
    return this.executor.run(COMMAND.bgsave, options?.SCHEDULE === true ? ['SCHEDULE'] : []);
  }

  /** BGREWRITEAOF: the same snapshot, which replaces each shard's log. */
  bgRewriteAof(): Out<Async, string> {
    return this.executor.run(COMMAND.bgrewriteaof, []);
  }

  /** LASTSAVE: Unix seconds of the last snapshot committed (0: none yet). */
  lastSave(): Out<Async, number> {
    return this.executor.run(COMMAND.lastsave, []);
  }
}
