/**
 * Handlers of the RGS deadlines: the revocation requests waiting more than 24 hours, and a CRL
 * older than 24 hours, each named with its rule and source; and the retention purge on demand.
 */
import { Contract } from "@comedec/http-contract";
import { Monitoring } from "@comedec/pgca";
import { Retention } from "@comedec/rgs";
import { Clock, Effect } from "effect";
import * as Handler from "../Handler.js";

const { Monitoring: Endpoints } = Contract;

const deadlines = Handler.handle(Endpoints.deadlines, ({ grant }) => Monitoring.breaches(grant));

// The purge takes no grant: the contract's permission was checked before it runs.
const purge = Handler.handle(Endpoints.purge, ({ actor }) =>
  Effect.flatMap(Clock.currentTimeMillis, (millis) => Retention.Retention.use((retention) => retention.purge(new Date(millis), actor))),
);

/** The handlers of the group. */
export const handlers = [deadlines, purge];
