// The node-redis v5 methods of sorted sets (ZADD, ZRANGE, ZSCORE, ...): names, parameters and reply
// shapes as node-redis gives them. One link of the method chain (see base.ts).

import { SetMethods } from './sets.js';

export abstract class SortedSetMethods<
  Async extends boolean,
  S extends string | Buffer = string,
> extends SetMethods<Async, S> {}
