/**
 * Reading the log in batches with the next batch asked for as soon as the current one arrives:
 * the database reads it while the caller hashes this one, on the other core. Shared by the
 * verification's row-object path and the proven export's two passes.
 */

/** The batches `batchAfter` gives from `after` on (each at most `batchSize` rows), the next one from the last row's `positionOf`. */
export async function* prefetched<Row, Position>(
  batchAfter: (from: Position) => Promise<Array<Row>>,
  after: Position,
  batchSize: number,
  positionOf: (row: Row) => Position,
): AsyncGenerator<Array<Row>> {
  let next: Promise<Array<Row>> | undefined = batchAfter(after);
  try {
    while (next !== undefined) {
      const rows: Array<Row> = await next;
      next = rows.length < batchSize ? undefined : batchAfter(positionOf(rows.at(-1) as Row));
      yield rows;
    }
  } finally {
    // A caller that stops early (a break found, a reader gone) leaves the batch asked for unread, not unhandled.
    next?.catch(() => undefined);
  }
}
