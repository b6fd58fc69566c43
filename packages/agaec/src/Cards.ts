/**
 * The `AgentCards` port until the card platform (PGCA) exists: no card has been issued yet, so
 * deactivating or deleting an agent has none to suspend or revoke, and it says so (`suspended: 0`). Editors' tests of the directory alone use it. The PGCA adapter
 * replaces this layer; nothing else changes.
 */
import { AgentCards } from "@comedec/agent";
import { Effect, Layer } from "effect";

/** No card platform yet: an agent has no card to suspend. */
export const layerWithoutCardPlatform = Layer.succeed(
  AgentCards,
  AgentCards.of({
    suspendAll: () => Effect.succeed({ suspended: 0 }),
    resumeAll: () => Effect.succeed({ resumed: 0 }),
    revokeAll: () => Effect.succeed({ revoked: 0 }),
    operatorCards: () => Effect.succeed([]),
  }),
);
