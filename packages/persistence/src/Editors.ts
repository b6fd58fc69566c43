/**
 * The list of compatible editors on SQL. Each save is versioned and logged like any other change.
 */
import type { Actor } from "@comedec/actor";
import { Editor, EditorRegistry } from "@comedec/commune";
import { Effect, Layer } from "effect";
import { sql } from "kysely";
import { Database } from "./internal/Database.js";
import { appendArgument } from "./internal/EventLog.js";
import type { SoftwareEditorTable } from "./internal/Tables.js";

const toEditor = (row: Pick<SoftwareEditorTable, "id" | "name" | "contact_email" | "compatible">) =>
  Editor.Editor.make({ id: row.id, name: row.name, contactEmail: row.contact_email, compatible: row.compatible }, { disableChecks: true });

/** The editors list on the database. */
export const editorRegistryLayer = Layer.effect(
  EditorRegistry,
  Effect.gen(function* () {
    const { db } = yield* Database;
    const columns = ["id", "name", "contact_email", "compatible"] as const;

    const list = Effect.promise(async () => (await db.selectFrom("software_editor").select(columns).orderBy("name").execute()).map(toEditor));

    const find = (id: string) =>
      Effect.flatMap(
        Effect.promise(() => db.selectFrom("software_editor").select(columns).where("id", "=", id).executeTakeFirst()),
        (row) => (row === undefined ? Effect.fail(new Editor.EditorNotFound({ editor: id })) : Effect.succeed(toEditor(row))),
      );

    const save = (editor: Editor.Editor, actor: Actor.Actor) =>
      Effect.promise(() =>
        db.transaction().execute(async (trx) => {
          const saved = await sql<{ version: number }>`
            INSERT INTO software_editor (id, name, contact_email, compatible, version)
            VALUES (${editor.id}, ${editor.name}, ${editor.contactEmail}, ${editor.compatible}, 1)
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, contact_email = excluded.contact_email,
              compatible = excluded.compatible, version = software_editor.version + 1
            RETURNING version`.execute(trx);
          const version = saved.rows[0]?.version ?? 1;
          const stream = `editor:${editor.id}`;
          const payload = { id: editor.id, name: editor.name, contactEmail: editor.contactEmail, compatible: editor.compatible };
          await sql`SELECT append_events(${stream}, ${version}, ${appendArgument(stream, version, [{ type: "EditorSaved", payload }], actor, new Date())}::jsonb)`.execute(
            trx,
          );
          return editor;
        }),
      );

    return EditorRegistry.of({ list, find, save });
  }),
);
