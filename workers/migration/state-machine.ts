// The transition tables of the three migration roles (outgoing.ts, incoming.ts, returning.ts).
//
// Each role lists its states in the order they change and names, for every state, the states it
// may move to. A role changes state only through its transition(next), which checks the move here:
// an illegal move is a bug in slotdb, not a condition to handle, so it throws instead of being
// ignored, naming the role, the slot and both states (docs/migration.md draws the same tables).
// A peer frame that means nothing in a role's current state (a late FLIP, RETURN, RETURNED or ACK)
// is not a move: the role's handler ignores it before it would call transition().

import { InvariantError } from '../../src/errors.js';

/** A role's states (names by value, in the order they change) and its legal moves. */
export interface TransitionTable {
  readonly role: string;
  /** State names, indexed by state value. */
  readonly names: readonly string[];
  /** For each state (by value), the states it may move to. */
  readonly moves: readonly (readonly number[])[];
}

/** Whether `table` allows the move from `from` to `to`. */
export function isLegalMove(table: TransitionTable, from: number, to: number): boolean {
  return table.moves[from]?.includes(to) ?? false;
}

/** Returns `to` if `table` allows the move from `from`; throws an InvariantError otherwise. */
export function checkedMove<S extends number>(
  table: TransitionTable,
  slot: number,
  from: S,
  to: S,
): S {
  if (isLegalMove(table, from, to)) return to;
  const name = (state: number): string => table.names[state] ?? `state ${state}`;
  const what = `${table.role} migration of slot ${slot}`;
  throw new InvariantError(`${what} cannot go from ${name(from)} to ${name(to)}`);
}

/** Builds a table from a state enum (listed in the order states change) and its moves by name. */
export function transitionTable<E extends Record<string, number>>(
  role: string,
  states: E,
  moves: { readonly [K in keyof E]: readonly (keyof E)[] },
): TransitionTable {
  const names: string[] = [];
  for (const [name, value] of Object.entries(states)) names[value] = name;
  const byValue: number[][] = names.map((name) => moves[name]!.map((next) => states[next]!));
  return { role, names, moves: byValue };
}
