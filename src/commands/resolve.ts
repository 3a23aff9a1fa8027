// A raw command (sendCommand's argument list) checked against the table as a Redis server checks
// it: a known command or subcommand, its arity, whole key-value groups.

import { ArgumentTypeError, ErrorReply } from '../errors.js';
import { type Argument, checkArgument } from '../shared/codec.js';
import { unknownCommand, unknownSubcommand, wrongArity } from '../shared/reply-errors.js';
import type { CommandSpec } from './declaration.js';
import { keysFit } from './key-spec.js';
import { arityAccepts, CONTAINER_COMMANDS, findCommand, nameWords } from './table.js';

/**
 * Checks a raw command as a Redis server would (known command, arity) and finds its spec. Returns
 * the spec and the index of its first real argument, or throws an ErrorReply (an ArgumentTypeError
 * when `args` is not an array, or its name is not a string, Buffer, Uint8Array or number).
 */
export function resolveCommand(args: readonly Argument[]): { spec: CommandSpec; first: number } {
  if (!Array.isArray(args)) {
    throw new ArgumentTypeError(
      args,
      "sendCommand takes an array: the command's name and its arguments, as ['GET', 'key']",
    );
  }
  if (args.length > 0) checkArgument(args[0]);
  if (args.length > 1) checkArgument(args[1]);
  if (args.length === 0) throw new ErrorReply("ERR unknown command '', with args beginning with: ");
  const name = String(args[0]);
  const lower = name.toLowerCase();
  const spec = findCommand(name, args.length > 1 ? String(args[1]) : undefined);
  if (spec === undefined) {
    if (CONTAINER_COMMANDS.has(lower)) {
      if (args.length < 2) throw new ErrorReply(wrongArity(lower));
      throw new ErrorReply(unknownSubcommand(String(args[1]), lower));
    }
    throw new ErrorReply(unknownCommand(name, args.slice(1).map(String)));
  }
  const words = nameWords(spec);
  if (!arityAccepts(spec, args.length) || !keysFit(spec.keys, args.length - words)) {
    throw new ErrorReply(wrongArity(spec.name));
  }
  return { spec, first: words };
}
