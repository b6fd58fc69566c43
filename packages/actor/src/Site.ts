/**
 * The site an actor belongs to. Permissions on the platform come from a role *and* a site: an
 * operator of one commune manages that commune only, a prefecture operator the communes of its
 * département, an editor its client communes, the national operator (ANTS) everything.
 */
import { Schema } from "effect";

/** A département code as INSEE writes it: two digits, 2A/2B for Corsica, three digits overseas. */
export const DepartementCode = Schema.String.check(
  Schema.isPattern(/^(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])$/, {
    message: "a département code is two digits (01–95, 2A, 2B) or 971–976 overseas",
  }),
).pipe(Schema.brand("DepartementCode"));
/** A validated département code. */
export type DepartementCode = typeof DepartementCode.Type;

/** The national operator's site (ANTS, for the Ministry of Justice). */
export const NationalSite = Schema.TaggedStruct("national", {});
/** A prefecture: the State's representative in one département. */
export const PrefectureSite = Schema.TaggedStruct("prefecture", { departement: DepartementCode });
/** A commune (mairie), named by its INSEE code. */
export const CommuneSite = Schema.TaggedStruct("commune", { commune: Schema.String });
/** A civil-status software editor, named by its id in the list of compatible editors. */
export const EditorSite = Schema.TaggedStruct("editor", { editor: Schema.String });

/** Any site an actor can belong to. */
export const Site = Schema.Union([NationalSite, PrefectureSite, CommuneSite, EditorSite]);
/** Any site an actor can belong to. */
export type Site = typeof Site.Type;

/** A stable text key for a site, used in the event log and in logs (`commune:75056`). */
export const siteKey = (site: Site): string => {
  switch (site._tag) {
    case "national":
      return "national";
    case "prefecture":
      return `prefecture:${site.departement}`;
    case "commune":
      return `commune:${site.commune}`;
    case "editor":
      return `editor:${site.editor}`;
  }
};
