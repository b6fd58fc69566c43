/**
 * @comedec/deployment — use cases of the COMEDEC deployment, each behind a grant of the policy.
 */

/** Conventions: submit, receipt, validation, rejection. */
export * as Conventions from "./Conventions.js";
/** The commune directory, the dashboard and the editors list. */
export * as Directory from "./Directory.js";
/** Commune onboarding: status, timeline, milestones. */
export * as Onboarding from "./Onboarding.js";
/** Deadline monitoring: the late communes, by département, for the prefectures' weekly digest. */
export * as Deadlines from "./Deadlines.js";
/** Hand-over appointment planning: mairies grouped into sessions at venues, with a lower bound. */
export * as Planning from "./Planning.js";
/** Hand-over appointments: confirmed sessions recorded as each mairie's milestone (and invitation). */
export * as Appointments from "./Appointments.js";
/** The hand-over appointments of a département, as recorded, for the prefecture's desk and ANTS. */
export * as HandOverAppointments from "./HandOverAppointments.js";
