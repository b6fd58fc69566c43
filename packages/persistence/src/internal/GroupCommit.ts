/**
 * Batching of concurrent calls: what arrives while a batch is in flight waits for the next batch,
 * so one statement serves every item of the moment. Under load the batches grow by themselves;
 * alone, an item is sent at once. A batch that fails is run again item by item, so one bad item
 * fails alone.
 *
 * For writes it is group commit — one durable commit for all, since the commit's wait for the WAL
 * flush, not the work, bounds one-at-a-time writes. For reads, one round trip and one plan serve
 * the batch: planning a small join costs the server more than running it.
 */

/**
 * A caller of single items on `run`, which handles a batch (at most `largest` items) in one
 * statement and answers one result per item, in the batch's order.
 */
export const batching = <Item, Result>(run: (batch: ReadonlyArray<Item>) => Promise<ReadonlyArray<Result>>, largest: number) => {
  let waiting: Array<{ readonly item: Item; readonly settle: (result: { readonly ok: Result } | { readonly error: Error }) => void }> = [];
  let draining = false;

  const failure = (error: unknown) => ({ error: error instanceof Error ? error : new Error(String(error)) });

  const drain = async () => {
    draining = true;
    while (waiting.length > 0) {
      const batch = waiting.slice(0, largest);
      waiting = waiting.slice(largest);
      try {
        const results = await run(batch.map((entry) => entry.item));
        for (const [position, entry] of batch.entries()) entry.settle({ ok: results[position] as Result });
      } catch (error) {
        if (batch.length === 1) batch[0]?.settle(failure(error));
        else
          for (const entry of batch) {
            await run([entry.item]).then(
              ([result]) => entry.settle({ ok: result as Result }),
              (alone: unknown) => entry.settle(failure(alone)),
            );
          }
      }
    }
    draining = false;
  };

  return async (item: Item): Promise<Result> => {
    const settled = await new Promise<{ readonly ok: Result } | { readonly error: Error }>((settle) => {
      waiting.push({ item, settle });
      if (!draining) void drain();
    });
    if ("error" in settled) throw settled.error;
    return settled.ok;
  };
};

/**
 * A writer of single items on `write`, which writes a batch in one statement and answers the
 * positions of the items it wrote. An item not written settles `false` (its caller knows why: a
 * challenge used up, a request answered already).
 */
export const groupCommit = <Item>(write: (batch: ReadonlyArray<Item>) => Promise<ReadonlySet<number>>, largest: number) =>
  batching(async (batch: ReadonlyArray<Item>) => {
    const written = await write(batch);
    return batch.map((_, position) => written.has(position));
  }, largest);
