/**
 * @comedec/actor — roles and sites: who may act on the COMEDEC platform, and where.
 */

/** Actors and their roles. */
export * as Actor from "./Actor.js";
/** Changes: versions and concurrency. */
export * as Change from "./Change.js";
/** Sites: nation, prefecture, commune, editor. */
export * as Site from "./Site.js";
