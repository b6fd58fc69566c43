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
