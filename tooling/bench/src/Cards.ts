/**
 * Issue 4's figure: card state transitions through the API (a site operator receiving shipped
 * cards: authentication, authorisation on the card's site, `Card.decide`, a version-guarded write
 * and its hash-chained event), against a raw transaction doing the same reads and writes by hand
 * in a Hono route on the same pool.
 */
import type { Persistence } from "@comedec/persistence";
import type { ManagedRuntime } from "effect";
import { randomUUID } from "node:crypto";
import { rawSql } from "./Communes.js";
import { load } from "./Load.js";
import { type Figure, httpRatioGoal } from "./Report.js";

const site = { _tag: "commune", commune: "69123" } as const;

/** Writes `count` cards already shipped to Lyon, straight into the card table (their earlier events are not needed). */
export const seedShipped = async (
  runtime: ManagedRuntime.ManagedRuntime<Persistence.Ports, never>,
  count: number,
): Promise<ReadonlyArray<{ id: string; serial: string }>> => {
  const raw = await runtime.runPromise(rawSql);
  const cards = Array.from({ length: count }, (_, index) => ({ id: randomUUID(), serial: `BENCH-${index.toString(16).padStart(8, "0")}` }));
  for (let start = 0; start < cards.length; start += 5_000) {
    const rows = cards.slice(start, start + 5_000).map(({ id, serial }) => {
      const holder = randomUUID();
      return { id, holder, state: JSON.stringify({ id, holder, site, status: "shipped", serial, lastReason: "envoi" }) };
    });
    await raw.query(
      `INSERT INTO card (id, holder, site_key, departement, status, version, state)
       SELECT id::uuid, holder::uuid, 'commune:69123', '69', 'shipped', 3, state::jsonb FROM jsonb_to_recordset($1::jsonb) AS r(id text, holder text, state text)`,
      [JSON.stringify(rows)],
    );
  }
  return cards;
};

/** Card receipts through the API against the raw transaction, each on cards of their own. */
export const transitionFigure = async (
  runtime: ManagedRuntime.ManagedRuntime<Persistence.Ports, never>,
  options: { readonly port: number; readonly token: string; readonly seconds: number; readonly connections: number },
): Promise<Figure> => {
  const platformCards = await seedShipped(runtime, 30_000);
  const rawCards = await seedShipped(runtime, 5_000);
  const receipts = (cards: ReadonlyArray<{ id: string; serial: string }>, prefix: string) =>
    cards.map((card) => ({ method: "POST" as const, path: `${prefix}/${card.id}/receipt`, body: { serial: card.serial, reason: "colis reçu" } }));
  // Each card is received once: the warm-up and the measure take cards of their own.
  const warmUp = 3_000;
  const common = { port: options.port, token: options.token, connections: options.connections, seconds: options.seconds };
  await load({ ...common, seconds: 1, requests: receipts(platformCards.slice(0, warmUp), "/cards"), cycle: false, label: "warm-up receipts" });
  await load({ ...common, seconds: 1, requests: receipts(rawCards, "/raw/cards"), cycle: true, label: "warm-up raw receipts" });
  const rawResult = await load({ ...common, requests: receipts(rawCards, "/raw/cards"), cycle: true, label: "raw receipts" });
  const platform = await load({ ...common, requests: receipts(platformCards.slice(warmUp), "/cards"), cycle: false, label: "receipts" });
  if (rawResult.failures + platform.failures > 0) throw new Error(`card transitions failed: ${platform.failures} through the API, ${rawResult.failures} raw`);
  return {
    name: `card state transitions (receipt) through the API, each in the hash-chained log (${options.connections} connections, ${options.seconds} s; p99 ${platform.p99Ms.toFixed(1)} ms vs ${rawResult.p99Ms.toFixed(1)} ms)`,
    unit: "req/s",
    platform: platform.perSecond,
    raw: rawResult.perSecond,
    rawName: "Hono route doing the same two statements by hand (SELECT the card; UPDATE it guarded, its event chained by append_events)",
    goal: { value: 1000, better: "higher" },
    ratioGoal: httpRatioGoal,
    cpu: { platform: platform.serverCpuUs, raw: rawResult.serverCpuUs },
  };
};
