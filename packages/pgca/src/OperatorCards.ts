/**
 * Which cards are operators' cards, whose revocation takes two trusted people (RGS rule
 * roles.dual-control, `card.revoke-operator` and `agent.delete-operator` in `Duties.separated`):
 * a prefecture's cards, the national site's (ANTS's administrators), and the cards of a holder who registers agents or operates cards. The
 * holder's status is recorded on the card at its publication and on a revocation request when it
 * is filed, so stripping the holder's rights afterwards hides nothing: the card stays an
 * operator's card whatever the rights say now.
 */
import type { Agent } from "@comedec/agent";
import type { Card } from "@comedec/card";

/** Whether the rights make their holder an operator (a registration authority or a card operator). */
export const operatorRights = (holder: Pick<Agent.State, "rights">): boolean =>
  (holder.rights ?? []).some((right) => right === "operate-cards" || right === "register-agents");

/** Whether a card is an operator's card: as recorded at publication, its site, or its holder's rights now. */
export const isOperatorCard = (card: Card.State, holder: Pick<Agent.State, "rights"> | undefined): boolean =>
  card.site._tag === "prefecture" || card.site._tag === "national" || card.operatorCard === true || (holder !== undefined && operatorRights(holder));
