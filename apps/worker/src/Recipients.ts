/**
 * Who a notification reaches. A notification names the agents it concerns, whether the site's
 * card operators must act, and addresses outside the directory; this module turns that into mail
 * addresses, and finds the people a commune's conventions name — the responsable carte and the
 * délégué — linked to their AGAEC records once they are registered (same e-mail address, or same
 * name, at the commune), so that what concerns them reaches them.
 */
import { type Agent, AgentStore } from "@comedec/agent";
import type { Notification } from "@comedec/card";
import { Commune } from "@comedec/commune";
import { ConventionStore } from "@comedec/convention";
import { Effect } from "effect";

/** The active agents of a site, as the directory returns them (a mairie has a few dozen at most). */
const agentsOf = (site: Agent.AgentSite) =>
  Effect.map(
    AgentStore.use((agents) => agents.search({ site, status: "active", limit: 200 })),
    (page) => page.items.map((item) => item.state),
  );

/** The e-mail addresses of a site's active card operators. */
export const operatorsOf = (site: Agent.AgentSite) =>
  Effect.map(agentsOf(site), (agents) =>
    agents.filter((agent) => agent.rights.includes("operate-cards")).flatMap((agent) => (agent.contact === undefined ? [] : [agent.contact.email])),
  );

/** One person a commune's conventions name, with their AGAEC record once registered. */
export interface Named {
  readonly role: "responsable-carte" | "delegue";
  readonly name: string;
  /** Their address: the directory's once linked, the convention's until then. */
  readonly email: string;
  /** Their AGAEC record, once registered at the commune. */
  readonly agent: string | undefined;
}

const fullNames = (agent: Agent.State): ReadonlyArray<string> => {
  const identity = agent.identity;
  if (identity === undefined) return [];
  const given = identity.givenNames.join(" ");
  const first = identity.givenNames[0] ?? "";
  return [`${given} ${identity.birthName}`, `${identity.birthName} ${given}`, `${first} ${identity.birthName}`, `${identity.birthName} ${first}`].map(
    Commune.foldName,
  );
};

/** Whether an agent is the person a convention names: the same address, or the same name. */
export const matches = (agent: Agent.State, person: { readonly name: string; readonly email: string }): boolean =>
  agent.contact?.email.toLowerCase() === person.email.toLowerCase() || fullNames(agent).includes(Commune.foldName(person.name));

/**
 * The responsable carte and the délégué of a commune, as its latest convention not rejected names
 * them (validated ones first), each linked to the commune's agent that matches them.
 */
export const namedFor = (commune: string) =>
  Effect.gen(function* () {
    const conventions = (yield* ConventionStore.use((store) => store.listByCommune(commune)))
      .map((snapshot) => snapshot.state)
      .filter((convention) => convention.status !== "rejected")
      .sort((a, b) => Number(b.status === "validated") - Number(a.status === "validated"));
    const terms = conventions[0]?.terms;
    if (terms === undefined) return [] as ReadonlyArray<Named>;
    const agents = yield* agentsOf({ _tag: "commune", commune } as Agent.AgentSite);
    return (
      [
        ["responsable-carte", terms.responsableCarte],
        ["delegue", terms.delegue],
      ] as const
    ).map(([role, person]): Named => {
      const agent = agents.find((candidate) => matches(candidate, person));
      return { role, name: person.name, email: agent?.contact?.email ?? person.email, agent: agent?.id };
    });
  });

/** The addresses of the people a commune's conventions name. */
export const namedAddresses = (commune: string) => Effect.map(namedFor(commune), (named) => named.map((person) => person.email));

/** A notification's mail addresses (none: nobody can receive it). */
export const addressesOf = (notification: Notification) =>
  Effect.gen(function* () {
    const recipients = notification.recipients;
    if (recipients === undefined) return yield* operatorsOf(notification.site);
    const addresses = new Set(recipients.addresses ?? []);
    for (const id of recipients.agents ?? []) {
      const agent = yield* AgentStore.use((agents) => agents.load(id)).pipe(Effect.option);
      if (agent._tag === "Some" && agent.value.state.status === "active" && agent.value.state.contact !== undefined) {
        addresses.add(agent.value.state.contact.email);
      }
    }
    if (recipients.operators === true) for (const address of yield* operatorsOf(notification.site)) addresses.add(address);
    return [...addresses];
  });
