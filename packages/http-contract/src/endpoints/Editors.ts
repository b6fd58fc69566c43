/**
 * The list of civil-status software editors compatible with COMEDEC: every role reads it, the
 * national administrator keeps it.
 */
import { Editor } from "@comedec/commune";
import { Schema } from "effect";
import * as Endpoint from "../Endpoint.js";
import { Items } from "./Shared.js";

/** An editor of the list, as the API shows it. */
export const EditorRecord = Schema.Struct(Editor.Editor.fields).annotate({ identifier: "Editor" });

/** The editors list. */
export const list = Endpoint.make({
  operationId: "listEditors",
  method: "get",
  path: "/editors",
  tag: "editors",
  summary: "The civil-status software editors and whether they are compatible with COMEDEC",
  success: Items(EditorRecord),
  errors: [],
  authorization: { _tag: "permission", permission: "editor.read", target: { _tag: "nation" } },
});

/** Add or update an editor. */
export const save = Endpoint.make({
  operationId: "saveEditor",
  method: "put",
  path: "/editors/{id}",
  tag: "editors",
  summary: "Add or update an editor of the list",
  params: Schema.Struct({ id: Editor.EditorId }),
  body: Schema.Struct({ name: Editor.Editor.fields.name, contactEmail: Editor.Editor.fields.contactEmail, compatible: Editor.Editor.fields.compatible }),
  success: EditorRecord,
  errors: [],
  authorization: { _tag: "permission", permission: "editor.manage", target: { _tag: "nation" } },
});

/** Every endpoint of the group. */
export const endpoints = [list, save] as const;
