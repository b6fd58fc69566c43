/**
 * The points between two writes of a use case where a process may die: the card committed, the CRL
 * not yet published. Tests stop the process dead at one of them (`COMEDEC_TEST_KILL_AT`, read by
 * the apps' configuration) to show that what was committed is enough; in production the reference
 * does nothing.
 */
import { Context, Effect } from "effect";

/** A point between two writes: after a commit that revoked certificates, before the CRL is published. */
export type Point = "after-card-commit";

/** What happens at a point: nothing, unless a test wired a crash there. */
export const CrashPoints = Context.Reference<(point: Point) => Effect.Effect<void>>("@comedec/pgca/CrashPoints", {
  defaultValue: () => () => Effect.void,
});

/** Passes a point. */
export const reach = Effect.fnUntraced(function* (point: Point) {
  const at = yield* CrashPoints;
  yield* at(point);
});
