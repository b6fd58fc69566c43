/**
 * Where a commune's onboarding stands, as every screen that shows a commune's file draws it (the
 * mairie's own file, ANTS's file of any commune): connected or not, late or not, the deadlines
 * missed, the next milestones and who acts for each, what blocks, the milestones done with when
 * and by whom; and the timeline of its events with who acted, when, and on what evidence. The
 * milestones' French titles are the onboarding graph's own (`@comedec/commune`).
 */
import { Onboarding as Graph } from "@comedec/commune";
import type { Contract, Endpoint } from "@comedec/http-contract";
import { frenchDate } from "./Validation.js";

/** Who acts, as a person at a town hall would name them. */
export const parties: Readonly<Record<string, string>> = {
  commune: "la commune",
  "ministry-of-justice": "le ministère de la Justice",
  "national-operator": "l'opérateur national (ANTS)",
  prefecture: "la préfecture",
  editor: "l'éditeur du logiciel d'état civil",
};

const overdueNames: Readonly<Record<string, string>> = {
  "connection-deadline-missed": "échéance de raccordement dépassée",
  "connection-date-passed": "date de raccordement passée",
  "specimen-file-overdue": "fichier de spécimens en retard",
};

/** A convention's status in French. */
export const conventionStatusNames: Readonly<Record<string, string>> = {
  incomplete: "incomplète",
  received: "reçue",
  validated: "validée",
  rejected: "rejetée",
};

/** The French title of a milestone, from the onboarding graph. */
export const milestoneTitle = (milestone: Graph.Milestone): string => Graph.definitionOf(milestone).title;

/** A commune's onboarding status, as the contract answers it. */
export type Status = (typeof Contract.Onboarding.OnboardingStatus)["Type"];

/** The commune's timeline, as the contract answers it. */
export type TimelineEntry = Endpoint.SuccessOf<typeof Contract.Onboarding.timeline>["events"][number];

/** Date and time in French (3 février 2027 à 14:05). */
const frenchInstant = (instant: string): string =>
  `${frenchDate(instant)} à ${new Date(instant).toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit" })}`;

/** What proves a milestone, in a sentence: its reference, and the facts it fixes. */
export const evidenceText = (evidence: Graph.Evidence): string => {
  const facts: Array<string> = [`Référence : ${evidence.reference}`];
  switch (evidence.milestone) {
    case "conventionsReceived":
      facts.push(`${evidence.conventions.length} conventions validées`);
      break;
    case "handOverAppointment":
      facts.push(`rendez-vous le ${frenchDate(evidence.appointmentOn)}, ${evidence.venue}`);
      break;
    case "editorContract":
      facts.push(`éditeur ${evidence.editor}`);
      break;
    case "trainingAndTest":
      facts.push(evidence.trainedBy === "editor" ? "formation par l'éditeur" : "test mené par la commune");
      break;
    case "connectionDate":
      facts.push(`raccordement le ${frenchDate(evidence.connectionOn)}`);
      break;
    default:
      break;
  }
  if (evidence.note !== undefined && evidence.note !== "") facts.push(evidence.note);
  return facts.join(" — ");
};

const roleNames: Readonly<Record<string, string>> = {
  "national-administrator": "administrateur national",
  "prefecture-operator": "opérateur de préfecture",
  "commune-operator": "responsable carte ou délégué",
  editor: "éditeur",
  agent: "titulaire de carte",
  auditor: "auditeur",
};

/** Who appended an event with no record of its own (a maternity declared, a training scheduled): their role and site. */
const appendedBy = (by: TimelineEntry["by"]): string => {
  // The platform's own actor (the event log's `system`), acting on its own.
  if (by.id === "system") return "la plateforme COMEDEC";
  const [kind, code] = by.site.split(":");
  const site = kind === "national" ? "ANTS" : kind === "prefecture" ? `préfecture ${code}` : kind === "commune" ? `mairie ${code}` : by.site;
  return `${roleNames[by.role] ?? by.role} (${site})`;
};

/** One event of the timeline: what happened, by whom, on what evidence. */
const describe = (entry: TimelineEntry): { readonly what: string; readonly by: string; readonly evidence: string } => {
  const { event } = entry;
  const person = (by: { readonly name: string; readonly role: string }) => by.name;
  switch (event._tag) {
    case "MilestoneRecorded":
      return {
        what: `Étape franchie : ${milestoneTitle(event.record.evidence.milestone)}`,
        by: person(event.record.by),
        evidence: evidenceText(event.record.evidence),
      };
    case "MilestoneWithdrawn":
      return { what: `Étape retirée : ${milestoneTitle(event.milestone)}`, by: person(event.by), evidence: `Motif : ${event.reason}` };
    case "AppointmentMoved":
      return {
        what: "Rendez-vous de remise déplacé",
        by: person(event.record.by),
        evidence: `${evidenceText(event.record.evidence)} (au lieu du ${frenchDate(event.previous.appointmentOn)}, ${event.previous.venue}) — motif : ${event.reason}`,
      };
    case "ConnectionTestPassed":
      return {
        what: "Test de raccordement réussi (en attente des étapes préalables)",
        by: person(event.record.by),
        evidence: evidenceText(event.record.evidence),
      };
    case "MaternityDeclared":
      return {
        what: event.hasMaternity ? "Maternité déclarée : commune soumise à l'obligation" : "Absence de maternité déclarée",
        by: appendedBy(entry.by),
        evidence: `Référence : ${event.reference}`,
      };
    case "TrainingScheduled":
      return { what: `Formation programmée le ${frenchDate(event.trainingOn)}`, by: appendedBy(entry.by), evidence: "—" };
    case "ConnectionTestReset":
      return { what: "Test de raccordement repris (nouveau fichier de spécimens)", by: appendedBy(entry.by), evidence: "—" };
  }
};

/** Where the commune stands: summary, deadlines missed, next steps and who acts, what blocks, steps done. */
export const StatusView = ({ status, heading = "h2" }: { readonly status: Status; readonly heading?: "h2" | "h3" }) => {
  const Heading = heading;
  return (
    <>
      <p data-testid="file-summary">
        {status.connected ? "La commune est raccordée." : "La commune n'est pas encore raccordée."}{" "}
        {status.underObligation ? "Elle est soumise à l'obligation de raccordement." : ""}{" "}
        {status.late ? "Le dossier est en retard." : "Le dossier est dans les délais."}
        {status.trainingOn === undefined ? "" : ` Formation prévue le ${frenchDate(status.trainingOn)}.`}
      </p>
      {status.overdue.length === 0 ? null : (
        <ul>
          {status.overdue.map((entry) => (
            <li key={entry.reason}>
              {overdueNames[entry.reason] ?? entry.reason} (échéance du {frenchDate(entry.dueOn)})
            </li>
          ))}
        </ul>
      )}
      <Heading>Prochaines étapes</Heading>
      {status.next.length === 0 ? (
        <p>Aucune étape n'attend.</p>
      ) : (
        <ul data-testid="file-next">
          {status.next.map((entry) => (
            <li key={entry.milestone}>
              {milestoneTitle(entry.milestone)} — à faire par {parties[entry.party] ?? entry.party}
            </li>
          ))}
        </ul>
      )}
      {status.blocked.length === 0 ? null : (
        <>
          <Heading>Ce qui bloque</Heading>
          <ul data-testid="file-blocked">
            {status.blocked.map((entry) => (
              <li key={entry.milestone}>
                {milestoneTitle(entry.milestone)} attend : {entry.missing.map(milestoneTitle).join(", ")}
              </li>
            ))}
          </ul>
        </>
      )}
      <Heading>Étapes franchies</Heading>
      {status.done.length === 0 ? (
        <p>Aucune étape n'est encore franchie.</p>
      ) : (
        <div className="fr-table fr-table--no-caption">
          <table data-testid="file-done">
            <caption>Étapes franchies</caption>
            <thead>
              <tr>
                <th scope="col">Étape</th>
                <th scope="col">Date</th>
                <th scope="col">Par</th>
              </tr>
            </thead>
            <tbody>
              {status.done.map((entry) => (
                <tr key={entry.milestone}>
                  <td>{milestoneTitle(entry.milestone)}</td>
                  <td>{frenchDate(entry.at)}</td>
                  <td>{entry.by.name}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
};

/** The commune's events, newest first: when, what, by whom, on what evidence. */
export const Timeline = ({ events, heading = "h2" }: { readonly events: ReadonlyArray<TimelineEntry>; readonly heading?: "h2" | "h3" }) => {
  const Heading = heading;
  return (
    <>
      <Heading>Historique du dossier</Heading>
      {events.length === 0 ? (
        <p>Aucun événement n'est encore enregistré.</p>
      ) : (
        <div className="fr-table fr-table--no-caption">
          <table data-testid="file-timeline">
            <caption>Historique du dossier</caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Événement</th>
                <th scope="col">Par</th>
                <th scope="col">Pièce justificative</th>
              </tr>
            </thead>
            <tbody>
              {[...events].reverse().map((entry) => {
                const described = describe(entry);
                return (
                  <tr key={entry.version}>
                    <td>{frenchInstant(entry.at)}</td>
                    <td>{described.what}</td>
                    <td>{described.by}</td>
                    <td>{described.evidence}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
};
