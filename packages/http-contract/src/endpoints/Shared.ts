/**
 * Schemas several endpoint groups share: the commune path parameter, an optional expected
 * version, a commune as the API shows it, pages of a listing.
 */
import { Site } from "@comedec/actor";
import { CalendarDate, Commune, InseeCode, Onboarding } from "@comedec/commune";
import { Schema } from "effect";

/** `{code}` in a path: a commune's INSEE code. */
export const CommuneParams = Schema.Struct({ code: InseeCode.InseeCode });

/** `{id}` in a path. */
export const IdParams = Schema.Struct({ id: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(64)) });

/** An optional expected version, for clients that want to refuse a stale write. */
export const ExpectedVersion = Schema.optionalKey(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)));

/** A département code in a query. */
export const Departement = Site.DepartementCode;

/** A commune with its onboarding progress, as listings and the commune's page show it. */
export const CommuneSummary = Schema.Struct({
  code: InseeCode.InseeCode,
  name: Schema.String,
  departement: Schema.String,
  region: Schema.String,
  population: Schema.Int,
  coordinates: Schema.NullOr(Commune.Coordinates),
  underObligation: Schema.Boolean,
  reached: Schema.Array(Onboarding.Milestone),
  /** The first day the commune is late if nothing changes. */
  lateFrom: Schema.NullOr(CalendarDate.CalendarDate),
  late: Schema.Boolean,
}).annotate({ identifier: "CommuneSummary" });
/** A commune with its onboarding progress. */
export type CommuneSummary = typeof CommuneSummary.Type;

/** A list of items, whole. */
export const Items = <S extends Schema.Top>(item: S) => Schema.Struct({ items: Schema.Array(item) });
