/**
 * A person's civil status as written on their identity document, and the record of the document
 * check a registration authority performs face to face (RGS 3*). The directory refuses an identity
 * that differs from the document it was checked against.
 */
import { CalendarDate, Commune, InseeCode } from "@comedec/commune";
import { Schema } from "effect";

const Name = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(100), Schema.isPattern(/^[\p{L}][\p{L}' -]*$/u, { message: "not a name" }));

// Intl knows every assigned region code and answers undefined for the others.
const regionNames = new Intl.DisplayNames(["fr"], { type: "region", fallback: "none" });

/** ISO 3166-1 alpha-2 country codes, except France (born in France means born in a commune). */
const isCountry = (code: string): boolean => /^[A-Z]{2}$/.test(code) && code !== "FR" && regionNames.of(code) !== undefined;

/** A country other than France, by its ISO 3166-1 alpha-2 code. */
export const Country = Schema.String.check(
  Schema.makeFilter(isCountry, { expected: "an ISO 3166-1 alpha-2 country code other than FR", message: "unknown country" }),
);

/** Where a person was born: a French commune by INSEE code, or a city abroad. */
export const PlaceOfBirth = Schema.Union([
  Schema.TaggedStruct("commune", { commune: InseeCode.InseeCode }),
  Schema.TaggedStruct("abroad", { country: Country, city: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(100)) }),
]);
/** Where a person was born. */
export type PlaceOfBirth = typeof PlaceOfBirth.Type;

/** Civil status as on the identity document. */
export const Identity = Schema.Struct({
  birthName: Name,
  usedName: Schema.optionalKey(Name),
  /** In the order of the civil-status record. */
  givenNames: Schema.Array(Name).check(Schema.isMinLength(1), Schema.isMaxLength(10)),
  sex: Schema.Literals(["F", "M"]),
  birthDate: CalendarDate.CalendarDate,
  placeOfBirth: PlaceOfBirth,
});
/** Civil status as on the identity document. */
export type Identity = typeof Identity.Type;

/** The identity document shown to the registration authority, and how it was checked. */
export const IdentityDocument = Schema.Struct({
  type: Schema.Literals(["carte-nationale-identite", "passeport", "titre-de-sejour"]),
  number: Schema.String.check(Schema.isPattern(/^[A-Z0-9]{6,20}$/, { message: "not a document number (6–20 capitals or digits)" })),
  issuingAuthority: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(100)),
  expiresOn: CalendarDate.CalendarDate,
  /** The civil status printed on the document, which the identity must match. */
  holder: Schema.Struct({ birthName: Name, givenNames: Schema.Array(Name).check(Schema.isMinLength(1)), birthDate: CalendarDate.CalendarDate }),
  check: Schema.Struct({
    /** Who checked it: the registration authority's actor id. */
    by: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(64)),
    on: CalendarDate.CalendarDate,
    faceToFace: Schema.Boolean,
  }),
});
/** The identity document shown to the registration authority, and how it was checked. */
export type IdentityDocument = typeof IdentityDocument.Type;

const fold = (names: ReadonlyArray<string>) => names.map(Commune.foldName).join(" ");

/** Whether the identity is the one printed on the document (case and accents aside). */
export const matchesDocument = (identity: Identity, document: IdentityDocument): boolean =>
  Commune.foldName(identity.birthName) === Commune.foldName(document.holder.birthName) &&
  fold(identity.givenNames) === fold(document.holder.givenNames) &&
  identity.birthDate === document.holder.birthDate;

/** One key per person, for "no two active records for the same person at the same site". */
export const personKey = (identity: Identity): string => `${Commune.foldName(identity.birthName)}|${fold(identity.givenNames)}|${identity.birthDate}`;

/** The names a search matches: birth name, used name, given names, folded. */
export const searchText = (identity: Identity): string =>
  [identity.usedName, identity.birthName, ...identity.givenNames]
    .filter((name): name is string => name !== undefined)
    .map(Commune.foldName)
    .join(" ");
