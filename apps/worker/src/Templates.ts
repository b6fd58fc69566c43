/**
 * The notifications' texts, in French: what a holder, a mairie's card operator, the people its
 * conventions name, a prefecture or the national operator reads.
 */
import type { Card, Request } from "@comedec/card";
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

const requestKinds: Readonly<Record<string, string>> = {
  "new-card": "nouvelle carte",
  "card-renewal": "renouvellement de carte",
  "certificate-renewal": "renouvellement des certificats",
  revocation: "révocation",
  unblock: "déblocage",
};

/** A holder's request validated or rejected by the site's operators: the holder is told, with the reason. */
export const requestDecided = (request: Request.State, validated: boolean, reason: string) => ({
  kind: "request-decided" as const,
  subject: `COMEDEC — votre demande de ${requestKinds[request.kind] ?? request.kind} est ${validated ? "validée" : "refusée"}`,
  body: [
    `Votre demande de ${requestKinds[request.kind] ?? request.kind} (n° ${request.id}) a été ${validated ? "validée" : "refusée"} par un opérateur de cartes : ${reason}.`,
    validated && request.kind === "new-card" ? "Votre carte est commandée ; la lettre portant son code d'activation vous sera adressée à la mairie." : "",
  ]
    .filter((line) => line.length > 0)
    .join("\n"),
});

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

/** A hand-over appointment moved: the new invitation, naming the one it replaces. */
export const appointmentMoved = (
  commune: { readonly code: string; readonly name: string },
  appointment: Appointment,
  previous: { readonly appointmentOn: string; readonly venue: string },
  reason: string,
) => {
  const invitation = appointmentInvitation(commune, appointment);
  return {
    kind: "appointment-moved" as const,
    subject: `COMEDEC — rendez-vous déplacé : remise de vos cartes agent le ${appointment.appointmentOn} (${appointment.venue})`,
    body: [`Le rendez-vous du ${previous.appointmentOn} (${previous.venue}) est déplacé (${reason}). Cette convocation le remplace.`, "", invitation.body].join(
      "\n",
    ),
  };
};

/** A hand-over appointment withdrawn: it will not take place; a new one will be sent. */
export const appointmentCancelled = (commune: { readonly code: string; readonly name: string }, appointment: Appointment, reason: string) => ({
  kind: "appointment-moved" as const,
  subject: `COMEDEC — rendez-vous du ${appointment.appointmentOn} annulé (${appointment.venue})`,
  body: [
    `Madame, Monsieur le Maire de ${commune.name} (${commune.code}),`,
    "",
    `Le rendez-vous de remise des cartes agent du ${appointment.appointmentOn}, à ${appointment.venue}, est annulé : ${reason}.`,
    "Une nouvelle convocation vous sera adressée.",
  ].join("\n"),
});

const roleNames = { "responsable-carte": "responsable carte", delegue: "délégué(e)" } as const;

/** A person a convention names, now registered in AGAEC: their record is linked, and what comes next. */
export const namedInConvention = (commune: { readonly code: string; readonly name: string }, role: "responsable-carte" | "delegue") => ({
  kind: "named-in-convention" as const,
  subject: `COMEDEC — vous êtes ${roleNames[role]} de ${commune.name}`,
  body: [
    `Vous êtes désigné(e) ${roleNames[role]} dans les conventions CARTES et COMEDEC de ${commune.name} (${commune.code}).`,
    "Votre fiche de l'annuaire des agents (AGAEC) est désormais liée à cette désignation : les messages qui vous concernent vous sont adressés.",
    role === "responsable-carte"
      ? "Vous recevrez la convocation à la remise de votre carte agent, en personne, avec une pièce d'identité et le code d'activation reçu par courrier."
      : "Votre carte agent sera activée à la mairie par le responsable carte, avec le code d'activation reçu par courrier.",
  ].join("\n"),
});

/** The commune chose its connection date: it is told what was recorded, and what follows. */
export const connectionDateRecorded = (commune: { readonly code: string; readonly name: string }, connectionOn: string) => ({
  kind: "connection-date-recorded" as const,
  subject: `COMEDEC — date de raccordement de ${commune.name} enregistrée : ${connectionOn}`,
  body: [
    `La date de raccordement de ${commune.name} (${commune.code}) à COMEDEC est enregistrée : le ${connectionOn}.`,
    "L'ANTS confirmera le raccordement effectif ; vous en serez informés.",
  ].join("\n"),
});

/** The connection is effective: the commune is told. */
export const communeConnected = (commune: { readonly code: string; readonly name: string }, on: string) => ({
  kind: "commune-connected" as const,
  subject: `COMEDEC — ${commune.name} est raccordée`,
  body: [
    `Le raccordement de ${commune.name} (${commune.code}) à COMEDEC est effectif depuis le ${on}, confirmé par l'ANTS.`,
    "Les demandes de vérification d'état civil vous parviennent désormais par COMEDEC : vos officiers d'état civil y répondent et les signent avec leur carte agent.",
  ].join("\n"),
});

const overdueNames: Readonly<Record<string, string>> = {
  "connection-deadline-missed": "raccordement obligatoire avant le 1er novembre 2018 non effectué",
  "connection-date-passed": "date de raccordement choisie dépassée",
  "specimen-file-overdue": "fichier de demandes spécimens non envoyé 7 jours avant la formation",
};

/** One of the prefecture's communes has just fallen late: when, and why. */
export const communeLate = (commune: Deployment.Deadlines.LateCommune, reason: string | undefined) => ({
  kind: "commune-late" as const,
  subject: `COMEDEC — ${commune.name} (${commune.code}) est en retard dans son raccordement`,
  body: [
    `La commune de ${commune.name} (${commune.code}) est en retard dans son raccordement à COMEDEC depuis le ${commune.lateFrom}${reason === undefined ? "" : ` : ${overdueNames[reason] ?? reason}`}.`,
    `Étape attendue : ${milestoneNames[commune.next ?? ""] ?? commune.next ?? "—"}.`,
  ].join("\n"),
});
