/**
 * Routes of the list of compatible editors, kept by the national administrator.
 */
import { Editor } from "@comedec/commune";
import { Directory } from "@comedec/deployment";
import { Access } from "@comedec/rgs";
import { Effect, Schema } from "effect";
import * as Endpoint from "../Endpoint.js";

const list = Endpoint.make({
  method: "get",
  path: "/editors",
  tag: "editors",
  summary: "The civil-status software editors and whether they are compatible with COMEDEC",
  handler: ({ actor }) => Effect.map(Effect.flatMap(Access.authorize(actor, "editor.read", Access.nation), Directory.editors), (items) => ({ items })),
});

const save = Endpoint.make({
  method: "put",
  path: "/editors/{id}",
  tag: "editors",
  summary: "Add or update an editor of the list",
  params: Schema.Struct({ id: Editor.EditorId }),
  body: Schema.Struct({ name: Editor.Editor.fields.name, contactEmail: Editor.Editor.fields.contactEmail, compatible: Editor.Editor.fields.compatible }),
  handler: ({ actor, params, body }) =>
    Effect.flatMap(Access.authorize(actor, "editor.manage", Access.nation), (grant) =>
      Directory.saveEditor(grant, Editor.Editor.make({ ...body, id: params.id })),
    ),
});

/** The editor endpoints. */
export const endpoints = [list, save];
