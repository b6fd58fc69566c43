/**
 * Starting an agent: it listens on 127.0.0.1 and nowhere else, takes an origin and nothing more
 * for the console, and does not start without the platform's key.
 */
import { Simulator } from "@comedec/smartcard-simulator";
import { describe, expect, it } from "vitest";
import { Agent } from "../src/index.js";

const options = { platform: "http://127.0.0.1:1", consoleOrigin: "https://console.comedec.test", cards: Simulator.layer(), port: 0 };

describe("starting a card agent", () => {
  it.each(["0.0.0.0", "::", "192.168.1.10", "localhost"])("refuses to listen on %s", async (hostname) => {
    await expect(Agent.start({ ...options, hostname })).rejects.toThrow("listens on 127.0.0.1 only");
  });

  it.each(["https://console.comedec.test/console", "https://console.comedec.test/", "*"])("refuses %s as the console's origin", async (consoleOrigin) => {
    await expect(Agent.start({ ...options, consoleOrigin })).rejects.toThrow();
  });

  it("does not start without the platform's key", async () => {
    await expect(Agent.start(options)).rejects.toMatchObject({ _tag: "PlatformUnavailable" });
  });
});
