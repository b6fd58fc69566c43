/**
 * The card agent of the embedded platform: on a single machine with virtual cards, `npm start`
 * runs the agent a workstation would run (`comedec-card-agent --simulator`), in this process, on
 * the very smart-card service the API's process holds — one simulator, not two copies of each
 * card's state that would disagree after the first PIN try. It listens on 127.0.0.1 for the
 * console's origin only, like any agent; the API never personalises a card itself (ADR 0016).
 * With a PKCS#11 module configured, or in production, no agent runs here: it runs at the desks.
 */
import { SmartCards } from "@comedec/card";
import { Agent } from "@comedec/card-agent";
import { Effect, Layer, type ManagedRuntime } from "effect";

/** Starts the embedded agent; `undefined`, with the reason on stderr, when its port is taken (another agent on this machine). */
export const start = async (
  runtime: ManagedRuntime.ManagedRuntime<SmartCards, unknown>,
  options: { readonly platformUrl: string; readonly consoleOrigin: string; readonly port: number },
): Promise<Agent.Running | undefined> => {
  const cards = await runtime.runPromise(Effect.service(SmartCards));
  try {
    return await Agent.start({
      platform: options.platformUrl,
      consoleOrigin: options.consoleOrigin,
      cards: Layer.succeed(SmartCards, cards),
      port: options.port,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.error(`card agent not started on 127.0.0.1:${options.port} (${reason}): run comedec-card-agent yourself, or set COMEDEC_CARD_AGENT_PORT`);
    return undefined;
  }
};
