/**
 * A read Kysely builds and compiles once, then runs with each call's values. Building and
 * compiling a small SELECT costs as much CPU as the rest of a commune lookup (profile of issue
 * 25: the builder's immutable nodes and the compiler's visitor), and the text never changes: only
 * the values do. The statement is built with a marker for each argument; the compiled
 * parameters that are markers take the call's values, the others stay the builder's constants.
 */
import { type Compilable, CompiledQuery, type Kysely } from "kysely";

const marker = (index: number) => `\u0000comedec-argument-${index}\u0000`;

/** `build`'s statement, compiled at its first call, run on `db` with each call's arguments. */
export const reusable = <Args extends ReadonlyArray<string>, Row>(
  db: Pick<Kysely<never>, "executeQuery">,
  build: (...args: Args) => Compilable<Row>,
): ((...args: Args) => Promise<ReadonlyArray<Row>>) => {
  let compiled: { readonly sql: string; readonly slots: ReadonlyArray<number>; readonly constants: ReadonlyArray<unknown> } | undefined;
  return async (...args) => {
    if (compiled === undefined) {
      const markers = args.map((_, index) => marker(index));
      const { sql, parameters } = build(...(markers as unknown as Args)).compile();
      const slots = parameters.map((parameter) => (typeof parameter === "string" ? markers.indexOf(parameter) : -1));
      // Every argument must reach the statement as a parameter, never spliced into its text.
      if (markers.some((_, index) => !slots.includes(index)) || markers.some((value) => sql.includes(value)))
        throw new Error("a reusable statement must take each argument as a parameter");
      compiled = { sql, slots, constants: parameters };
    }
    const { sql, slots, constants } = compiled;
    const values = slots.map((slot, position) => (slot === -1 ? constants[position] : args[slot]));
    return (await db.executeQuery<Row>(CompiledQuery.raw(sql, values))).rows;
  };
};
