// The node-redis v5 methods of hashes (HSET, HGET, HGETALL, ...): names, parameters and reply
// shapes as node-redis gives them. One link of the method chain (see base.ts).

import { MethodBase } from './base.js';

export abstract class HashMethods<
  Async extends boolean,
  // biome-ignore lint/correctness/noUnusedVariables: the family's methods will use it
  S extends string | Buffer = string,
> extends MethodBase<Async> {}
