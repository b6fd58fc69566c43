/**
 * The notifications' texts, in French: what a mairie's card operator reads.
 */
import type { Card } from "@comedec/card";
import type * as Deployment from "@comedec/deployment";
import type { Audit } from "@comedec/rgs";

const reasons: Readonly<Record<string, string>> = {
  unspecified: "sans motif précisé",
  keyCompromise: "clé compromise, perdue ou volée",
  affiliationChanged: "changement d'affectation",
  superseded: "remplacée",
  cessationOfOperation: "fin d'activité",
  certificateHold: "suspendue",
  privilegeWithdrawn: "droits retirés",
};

/** A card was revoked: its site is told, with the reason and the date. */
export const cardRevoked = (card: Card.State, event: Audit.FedEvent) => {
  const payload = event.payload as { readonly revocationReason?: string; readonly reason?: string; readonly on?: string };
  return {
    kind: "card-revoked" as const,
    subject: `COMEDEC — carte ${card.serial ?? card.id} révoquée`,
    body: [
      `La carte ${card.serial ?? card.id} a été révoquée le ${payload.on ?? event.recordedAt.slice(0, 10)}`,
      `(${reasons[payload.revocationReason ?? "unspecified"] ?? payload.revocationReason}) : ${payload.reason ?? ""}.`,
      "Ses certificats figurent sur la liste de révocation publiée ; elle ne permet plus de signer ni de s'authentifier.",
    ].join("\n"),
  };
};

const milestoneNames: Readonly<Record<string, string>> = {
  census: "recensement",
  adhesion: "adhésion",
  conventionsReceived: "réception des conventions",
  connectionTriggered: "déclenchement du raccordement",
  handOverAppointment: "rendez-vous de remise des cartes",
  firstCards: "premières cartes",
  autonomy: "autonomie",
  editorContract: "contrat avec l'éditeur",
  installation: "installation",
  specimenRequests: "demandes de spécimen",
  trainingAndTest: "formation et test",
  connectionDate: "date de raccordement",
  connected: "raccordement effectif",
};

/** What the hand-over appointment's evidence carries (an onboarding `MilestoneRecorded` event). */
export interface Appointment {
  readonly appointmentOn: string;
  readonly venue: string;
  readonly reference: string;
}

/**
 * A mairie invited to the hand-over of its first two cards: where, when, and what the responsable
 * carte brings (RGS 3*: the holder in person, an identity document, the activation code).
 */
export const appointmentInvitation = (commune: { readonly code: string; readonly name: string }, appointment: Appointment) => ({
  kind: "appointment-invitation" as const,
  subject: `COMEDEC — remise de vos cartes agent le ${appointment.appointmentOn} (${appointment.venue})`,
  body: [
    `Madame, Monsieur le Maire de ${commune.name} (${commune.code}),`,
    "",
    `Les deux premières cartes agent de votre commune seront remises le ${appointment.appointmentOn}, à ${appointment.venue}.`,
    "Le responsable carte désigné dans la convention CARTES s'y présente en personne, muni :",
    "- d'une pièce d'identité en cours de validité (carte nationale d'identité ou passeport) ;",
    "- du code d'activation de sa carte, reçu à la mairie lors du déclenchement du raccordement.",
    "Sa carte lui est remise, activée et paraphée sur place ; celle du délégué lui est confiée et sera activée à la mairie.",
    "",
    `Référence : ${appointment.reference}. Pour changer de date, répondez à la préfecture, qui replanifiera la session.`,
  ].join("\n"),
});

/** A late commune's own reminder: the step it lacks, since when. */
export const deadlineReminder = (commune: Deployment.Deadlines.LateCommune, today: string) => ({
  kind: "deadline-reminder" as const,
  subject: `COMEDEC — rappel : étape « ${milestoneNames[commune.next ?? ""] ?? commune.next ?? "—"} » en retard`,
  body: [
    `Au ${today}, le raccordement de ${commune.name} (${commune.code}) à COMEDEC est en retard depuis le ${commune.lateFrom}.`,
    `Étape attendue : ${milestoneNames[commune.next ?? ""] ?? commune.next ?? "—"}.`,
    "Les communes disposant ou ayant disposé d'une maternité sont tenues de se raccorder ; votre préfecture et l'ANTS peuvent vous accompagner.",
  ].join("\n"),
});

/** The weekly digest of a prefecture: its late communes and the step each one lacks. */
export const deadlineDigest = (digest: Deployment.Deadlines.Digest, today: string) => {
  const shown = digest.late.slice(0, 100);
  return {
    kind: "deadline-digest" as const,
    subject: `COMEDEC — point hebdomadaire du ${today} : ${digest.late.length} commune${digest.late.length > 1 ? "s" : ""} en retard (${digest.departement})`,
    body: [
      `Communes du département ${digest.departement} en retard dans leur raccordement à COMEDEC au ${today} :`,
      "",
      ...shown.map(
        (commune) =>
          `- ${commune.name} (${commune.code}), en retard depuis le ${commune.lateFrom} — étape attendue : ${milestoneNames[commune.next ?? ""] ?? commune.next ?? "—"}`,
      ),
      ...(digest.late.length > shown.length ? [`… et ${digest.late.length - shown.length} autres (tableau de bord : GET /dashboard).`] : []),
    ].join("\n"),
  };
};
