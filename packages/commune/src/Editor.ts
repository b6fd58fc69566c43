/**
 * The list of civil-status software editors compatible with COMEDEC, kept by the national
 * operator. A commune may only contract with an editor on the list (milestone 8).
 */
import { Schema } from "effect";
import { Problem } from "@comedec/actor";

/** An editor's stable id: lower-case letters, digits and dashes. */
export const EditorId = Schema.String.check(
  Schema.isPattern(/^[a-z0-9][a-z0-9-]{1,62}$/, { message: "an editor id is 2–63 lower-case letters, digits or dashes" }),
);

/** An editor of civil-status software. */
export class Editor extends Schema.Class<Editor>("@comedec/commune/Editor")({
  id: EditorId,
  name: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(200)),
  contactEmail: Schema.String.check(Schema.isPattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: "not an e-mail address" })),
  compatible: Schema.Boolean,
}) {}

/** No editor has this id. */
export class EditorNotFound extends Schema.TaggedError<EditorNotFound>()(
  "EditorNotFound",
  { editor: Schema.String },
  Problem.annotation(404, "editor-not-found", "Unknown editor"),
) {}

/** The editor exists but is not (or no longer) on the list of compatible editors. */
export class EditorNotCompatible extends Schema.TaggedError<EditorNotCompatible>()(
  "EditorNotCompatible",
  { editor: Schema.String },
  Problem.annotation(422, "editor-not-compatible", "The editor is not on the list of compatible editors"),
) {}
