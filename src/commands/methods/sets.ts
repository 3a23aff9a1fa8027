// The node-redis v5 methods of sets (SADD, SMEMBERS, SINTER, ...): names, parameters and reply
// shapes as node-redis gives them. One link of the method chain (see base.ts).

import { ListMethods } from './lists.js';

export abstract class SetMethods<
  Async extends boolean,
  S extends string | Buffer = string,
> extends ListMethods<Async, S> {}
