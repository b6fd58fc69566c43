/**
 * The hand-over appointments of a département, as recorded (DOMAIN.md §3, step 5): each mairie
 * whose `handOverAppointment` milestone is reached, with its date, venue and reference, and
 * whether its first cards were handed over since. The prefecture reads its own département's (the
 * day's desk work), ANTS any. The milestone is the record, so this reads the commune directory's
 * filter on it, then each mairie's onboarding stream: nothing is kept twice.
 */
import { CommuneDirectory, type InseeCode, OnboardingStore } from "@comedec/commune";
import { Access } from "@comedec/rgs";
import { Effect } from "effect";

/** One mairie's appointment. */
export interface Appointment {
  readonly commune: InseeCode.InseeCode;
  readonly name: string;
  readonly appointmentOn: string;
  readonly venue: string;
  readonly reference: string;
  /** The first cards were handed over (the `firstCards` milestone): the appointment took place. */
  readonly handedOver: boolean;
}

/** How many communes are read from the directory at a time. */
const page = 500;

/** The appointments of the département, by date then commune; refused outside the grant's reach. */
export const ofDepartement = Effect.fnUntraced(function* (grant: Access.Grant<"appointment.plan">, departement: string) {
  yield* Access.require(grant, "appointment.plan");
  yield* Access.covers(grant, Access.departementTarget(departement));
  const directory = yield* CommuneDirectory;
  const onboarding = yield* OnboardingStore;
  const found: Array<Appointment> = [];
  let after: string | undefined;
  for (;;) {
    const communes = yield* directory.search({ departement, reached: "handOverAppointment", limit: page, ...(after === undefined ? {} : { after }) });
    for (const summary of communes) {
      const snapshot = yield* Effect.option(onboarding.load(summary.commune.code));
      if (snapshot._tag === "None") continue;
      const evidence = snapshot.value.state.milestones.handOverAppointment?.evidence;
      if (evidence?.milestone !== "handOverAppointment") continue;
      found.push({
        commune: summary.commune.code,
        name: summary.commune.name,
        appointmentOn: evidence.appointmentOn,
        venue: evidence.venue,
        reference: evidence.reference,
        handedOver: snapshot.value.state.milestones.firstCards !== undefined,
      });
    }
    if (communes.length < page) break;
    after = communes.at(-1)?.commune.code;
  }
  return found.sort((a, b) => a.appointmentOn.localeCompare(b.appointmentOn) || a.name.localeCompare(b.name, "fr"));
});
