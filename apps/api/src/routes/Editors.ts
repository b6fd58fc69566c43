/**
 * Handlers of the list of compatible editors, kept by the national administrator.
 */
import { Editor } from "@comedec/commune";
import { Directory } from "@comedec/deployment";
import { Contract } from "@comedec/http-contract";
import { Effect } from "effect";
import * as Handler from "../Handler.js";

const { Editors: Endpoints } = Contract;

const list = Handler.handle(Endpoints.list, ({ grant }) => Effect.map(Directory.editors(grant), (items) => ({ items })));

const save = Handler.handle(Endpoints.save, ({ grant, params, body }) => Directory.saveEditor(grant, Editor.Editor.make({ ...body, id: params.id })));

/** The handlers of the group. */
export const handlers = [list, save];
