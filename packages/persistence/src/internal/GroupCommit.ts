/**
 * Group commit: what arrives while a batch is being written waits for the next batch, so one
 * statement and one durable commit serve every item of the moment — the commit's wait for the WAL
 * flush, not the work, is what bounds one-at-a-time writes. A batch that fails is written again
 * item by item, so one bad item fails alone.
 */

/**
 * A writer of single items on `write`, which writes a batch (at most `largest` items) in one
 * statement and answers the positions of the items it wrote. An item not written settles `false`
 * (its caller knows why: a challenge used up, a request answered already).
 */
export const groupCommit = <Item>(write: (batch: ReadonlyArray<Item>) => Promise<ReadonlySet<number>>, largest: number) => {
  let waiting: Array<{ readonly item: Item; readonly settle: (written: boolean | Error) => void }> = [];
  let draining = false;

  const drain = async () => {
    draining = true;
    while (waiting.length > 0) {
      const batch = waiting.slice(0, largest);
      waiting = waiting.slice(largest);
      const written = await write(batch.map((entry) => entry.item)).catch(async () => {
        const alone = new Set<number>();
        for (const [position, entry] of batch.entries()) {
          const result = await write([entry.item]).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
          if (result instanceof Error) entry.settle(result);
          else if (result.size > 0) alone.add(position);
        }
        return alone;
      });
      for (const [position, entry] of batch.entries()) entry.settle(written.has(position));
    }
    draining = false;
  };

  return async (item: Item): Promise<boolean> => {
    const settled = await new Promise<boolean | Error>((settle) => {
      waiting.push({ item, settle });
      if (!draining) void drain();
    });
    if (settled instanceof Error) throw settled;
    return settled;
  };
};
