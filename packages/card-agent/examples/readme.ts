import { Agent } from "@comedec/card-agent";
import { Simulator } from "@comedec/smartcard-simulator";

// The platform, and a session's bearer token (the console holds its card session's).
const platform = process.env.COMEDEC_API ?? "http://127.0.0.1:3000";
const token = process.env.COMEDEC_TOKEN ?? "";
const consoleOrigin = new URL(platform).origin; // the console is served by the platform at /console

// The agent on virtual cards, on 127.0.0.1, for the console's origin only.
const agent = await Agent.start({ platform, consoleOrigin, cards: Simulator.layer({ seed: "readme" }), port: 0 });

// What the console page does: a pairing and a ticket from the platform, then the agent.
const fromPlatform = async (path: string, body: unknown) => {
  const response = await fetch(`${platform}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return (await response.json()) as Record<string, string>;
};
const { pairing } = await fromPlatform("/card-agent/pairings", { origin: consoleOrigin });
const { ticket } = await fromPlatform("/card-agent/tickets", { operation: "list-cards" });
const answer = await fetch(`${agent.url}/v1/cards`, {
  method: "POST",
  headers: { origin: consoleOrigin, "comedec-pairing": pairing ?? "", "content-type": "application/json" },
  body: JSON.stringify({ ticket }),
});
console.log(answer.status, await answer.json()); // 200 { cards: [] } — no virtual card made yet
await agent.close();
