/**
 * The body limit and header reads as they run under @hono/node-server: from Node's parsed headers
 * when a length is declared, counted as it arrives when the body is chunked.
 */
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import type { AddressInfo } from "node:net";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as NodeRequest from "../src/NodeRequest.js";

const limit = 1024;
let port = 0;
let close = () => {};

beforeAll(async () => {
  const app = new Hono();
  app.use(
    "*",
    NodeRequest.bodyLimit(limit, (context) => context.json({ code: "body-too-large" }, 413)),
  );
  app.post("/echo", async (context) =>
    context.json({ length: JSON.stringify(await context.req.json()).length, token: NodeRequest.header(context, "authorization") ?? null }),
  );
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise((resolve) => server.once("listening", resolve));
  port = (server.address() as AddressInfo).port;
  close = () => server.close();
});
afterAll(() => close());

/** Posts `body`, declared with its length or sent chunked. */
const post = (body: string, framing: "length" | "chunked", headers: Record<string, string> = {}) =>
  new Promise<{ status: number; body: { code?: string; length?: number; token?: string | null } }>((resolve, reject) => {
    const outgoing = request(
      { host: "127.0.0.1", port, method: "POST", path: "/echo", headers: { "content-type": "application/json", ...headers } },
      (incoming) => {
        let text = "";
        incoming.on("data", (chunk: Buffer) => {
          text += chunk.toString();
        });
        incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    outgoing.on("error", reject);
    if (framing === "length") outgoing.setHeader("content-length", Buffer.byteLength(body));
    // Without a declared length, Node sends the body chunked, in the pieces written.
    for (let start = 0; start < body.length; start += 300) outgoing.write(body.slice(start, start + 300));
    outgoing.end();
  });

const document = (size: number) => JSON.stringify({ text: "x".repeat(size - 11) });

describe("reading requests from Node", () => {
  it("takes a body within the limit, declared or chunked, and reads it whole", async () => {
    expect(document(limit).length).toBe(limit);
    expect(await post(document(limit), "length")).toEqual({ status: 200, body: { length: limit, token: null } });
    expect(await post(document(limit), "chunked")).toEqual({ status: 200, body: { length: limit, token: null } });
  });

  it("refuses a body over the limit, whether its length is declared or not", async () => {
    expect(await post(document(limit + 1), "length")).toEqual({ status: 413, body: { code: "body-too-large" } });
    expect(await post(document(limit + 1), "chunked")).toEqual({ status: 413, body: { code: "body-too-large" } });
  });

  it("reads a header from Node's parsed headers", async () => {
    expect((await post(document(20), "length", { authorization: "Bearer cmdc_x" })).body.token).toBe("Bearer cmdc_x");
  });
});
