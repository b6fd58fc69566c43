/**
 * The RGS deadlines over HTTP: the revocation requests waiting more than 24 hours, and a CRL older
 * than 24 hours, each named with its rule and source; and the retention purge on demand.
 */
import { Monitoring } from "@comedec/pgca";
import { Access, Retention } from "@comedec/rgs";
import { Clock, Effect } from "effect";
import * as Endpoint from "../Endpoint.js";

const deadlines = Endpoint.make({
  method: "get",
  path: "/monitoring/deadlines",
  tag: "monitoring",
  summary: "The RGS 3* deadlines missed now: revocations processed within 24 hours, a CRL never older than 24 hours",
  handler: ({ actor }) => Effect.flatMap(Access.authorize(actor, "monitoring.read", Access.nation), Monitoring.breaches),
});

const purge = Endpoint.make({
  method: "post",
  path: "/retention/purge",
  tag: "monitoring",
  summary: "Delete now what has outlived its RGS retention period (the platform also does it daily)",
  handler: ({ actor }) =>
    Effect.flatMap(Access.authorize(actor, "retention.purge", Access.nation), () =>
      Effect.flatMap(Clock.currentTimeMillis, (millis) => Retention.Retention.use((retention) => retention.purge(new Date(millis), actor))),
    ),
});

/** The monitoring endpoints. */
export const endpoints = [deadlines, purge];
