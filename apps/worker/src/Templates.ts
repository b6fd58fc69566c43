/**
 * The notifications' texts, in French: what a mairie's card operator reads.
 */
import type { Card } from "@comedec/card";
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
