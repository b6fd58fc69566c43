/**
 * What every state change shares, whatever the aggregate: the actor who made it and the version
 * of the stream it was decided against. Two actors deciding on the same version race; the store
 * lets exactly one win and the other gets `ConcurrentModification`.
 */
import { Schema } from "effect";
import * as Problem from "./Problem.js";

/** Another change reached the stream first: reload and decide again. */
export class ConcurrentModification extends Schema.TaggedError<ConcurrentModification>()(
  "ConcurrentModification",
  {
    stream: Schema.String,
    expectedVersion: Schema.Int,
  },
  Problem.annotation(409, "stale-version", "The resource changed since it was read"),
) {}
