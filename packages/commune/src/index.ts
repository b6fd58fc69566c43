/**
 * @comedec/commune — communes and their onboarding to COMEDEC.
 */

/** Calendar dates (YYYY-MM-DD). */
export * as CalendarDate from "./CalendarDate.js";
/** The commune model and its reference data. */
export * as Commune from "./Commune.js";
/** INSEE commune codes. */
export * as InseeCode from "./InseeCode.js";
/** The onboarding milestones, their graph, decide/evolve and status. */
export * as Onboarding from "./Onboarding.js";
/** The forecast: communes under the obligation that cannot make the deadline at their département's pace. */
export * as Forecast from "./Forecast.js";
/** Hand-over appointments: the planning request, the confirmed sessions, their refusals. */
export * as HandOver from "./HandOver.js";
/** Compatible civil-status software editors. */
export * as Editor from "./Editor.js";
/** Ports: the commune directory, the onboarding store, the editors list. */
export * from "./Ports.js";
