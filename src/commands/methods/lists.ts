// The node-redis v5 methods of lists (LPUSH, LRANGE, BLPOP, ...): names, parameters and reply
// shapes as node-redis gives them. One link of the method chain (see base.ts).

import { HashMethods } from './hashes.js';

export abstract class ListMethods<
  Async extends boolean,
  S extends string | Buffer = string,
> extends HashMethods<Async, S> {}
