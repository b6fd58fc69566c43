/**
 * The RGS deadlines over HTTP: the revocation requests waiting more than 24 hours, and a CRL older
 * than 24 hours, each named with its rule and source.
 */
import { Monitoring } from "@comedec/pgca";
import { Access } from "@comedec/rgs";
import { Effect } from "effect";
import * as Endpoint from "../Endpoint.js";

const deadlines = Endpoint.make({
  method: "get",
  path: "/monitoring/deadlines",
  tag: "monitoring",
  summary: "The RGS 3* deadlines missed now: revocations processed within 24 hours, a CRL never older than 24 hours",
  handler: ({ actor }) => Effect.flatMap(Access.authorize(actor, "monitoring.read", Access.nation), Monitoring.breaches),
});

/** The monitoring endpoints. */
export const endpoints = [deadlines];
