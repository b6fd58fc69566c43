/**
 * @comedec/actor — roles and sites: who may act on the COMEDEC platform, and where.
 */

/** Actors and their roles. */
export * as Actor from "./Actor.js";
/** Changes: versions and concurrency. */
export * as Change from "./Change.js";
/** Sites: nation, prefecture, commune, editor. */
export * as Site from "./Site.js";
/** Problems: the RFC 9457 status and code each tagged error is answered with, as an annotation. */
export * as Problem from "./Problem.js";
/** Availability: the server behind a port away, answered 503 with Retry-After. */
export * as Availability from "./Availability.js";
