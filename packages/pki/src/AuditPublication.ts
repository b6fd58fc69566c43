/**
 * Where the audit trail's signed checkpoints are published outside the database: one file per
 * checkpoint in a directory, each written once and never replaced (`wx`), for the operator to ship
 * elsewhere (rsync, object storage with retention lock, another site). A database administrator
 * who rewrites the log cannot rewrite what was shipped; `audit verify` reads it back. Without a
 * directory (tests), the publication lives in memory.
 */
import { Audit } from "@comedec/rgs";
import { Effect, Layer } from "effect";
import { mkdir, open, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/** The file of a checkpoint: its position on 20 digits, so names sort in the chain's order. */
export const fileName = (position: number): string => `checkpoint-${String(position).padStart(20, "0")}.json`;

/** Reads a publication directory (a copy shipped elsewhere as well), oldest first; none when it does not exist. */
export const readDirectory = async (directory: string): Promise<ReadonlyArray<Audit.PublishedCheckpoint>> => {
  const names = await readdir(directory).catch((error: { readonly code?: string }) => {
    if (error.code === "ENOENT") return [] as Array<string>;
    throw error;
  });
  const files = names.filter((name) => /^checkpoint-\d{20}\.json$/.test(name)).sort();
  return Promise.all(files.map(async (name) => JSON.parse(await readFile(join(directory, name), "utf8")) as Audit.PublishedCheckpoint));
};

const publishFile = async (directory: string, checkpoint: Audit.PublishedCheckpoint): Promise<void> => {
  await mkdir(directory, { recursive: true, mode: 0o755 });
  // `wx`: a checkpoint is never replaced; synced before the database commits its own copy.
  const file = await open(join(directory, fileName(checkpoint.position)), "wx", 0o444);
  try {
    await file.writeFile(`${JSON.stringify(checkpoint)}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
};

/** The publication in a directory, or in memory when none is given. */
export const layer = (options: { readonly directory?: string | undefined }): Layer.Layer<Audit.CheckpointPublication> =>
  Layer.sync(Audit.CheckpointPublication, () => {
    const directory = options.directory;
    if (directory === undefined) {
      const published: Array<Audit.PublishedCheckpoint> = [];
      return Audit.CheckpointPublication.of({
        publish: (checkpoint) =>
          Effect.suspend(() =>
            published.some((entry) => entry.position === checkpoint.position)
              ? Effect.die(new Error(`checkpoint ${checkpoint.position} is already published`))
              : Effect.sync(() => void published.push(checkpoint)),
          ),
        read: Effect.sync(() => [...published]),
      });
    }
    return Audit.CheckpointPublication.of({
      publish: (checkpoint) => Effect.promise(() => publishFile(directory, checkpoint)),
      read: Effect.promise(() => readDirectory(directory)),
    });
  });
