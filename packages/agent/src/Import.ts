/**
 * A bulk import of agents (CSV, one site): what it reports when it writes every row, and the
 * refusal that lists each invalid row when it writes none. Here, in the domain, because the local
 * directory, the HTTP contract and the typed client all speak of them.
 */
import { Problem } from "@comedec/actor";
import { Schema } from "effect";

/** One rejected row of a bulk import (row 1 is the first data row), with the problem code of its refusal. */
export const RowError = Schema.Struct({ row: Schema.Number, code: Schema.String, detail: Schema.String }).annotate({ identifier: "ImportRowError" });
/** One rejected row of a bulk import. */
export type RowError = typeof RowError.Type;

/** A bulk import had invalid rows: nothing was written; `rows` says which and why. */
export class ImportRejected extends Schema.TaggedError<ImportRejected>()(
  "ImportRejected",
  { rows: Schema.Array(RowError) },
  Problem.annotation(422, "import-rejected", "Some rows are invalid: nothing was imported"),
) {}

/** What a bulk import wrote: how many records, and one agent id per data row, in order. */
export const ImportReport = Schema.Struct({ written: Schema.Int, ids: Schema.Array(Schema.String) }).annotate({ identifier: "ImportReport" });
/** What a bulk import wrote. */
export type ImportReport = typeof ImportReport.Type;
