/**
 * The built API refused a bad configuration at start: exit code 78 (EX_CONFIG) and one line on
 * stderr naming the variable, no stack trace, before it opens anything.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));

const started = (extra: NodeJS.ProcessEnv) => {
  const dataDir = mkdtempSync(join(tmpdir(), "comedec-configuration-"));
  try {
    const run = spawnSync(process.execPath, [main], {
      env: { ...process.env, DATABASE_URL: "", COMEDEC_SMTP_URL: "", COMEDEC_DATA_DIR: join(dataDir, "data"), ...extra },
      encoding: "utf8",
      timeout: 30_000,
    });
    return { status: run.status, stderr: run.stderr, opened: existsSync(join(dataDir, "data")) };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
};

describe("the API started with a bad configuration", () => {
  it("exits 78 with one line naming PORT", () => {
    const run = started({ PORT: "abc" });
    expect(run.status).toBe(78);
    expect(run.stderr).toBe("PORT: a port number from 1 to 65535 expected\n");
    expect(run.opened).toBe(false);
  });

  it("on PostgreSQL, refuses to start without the CA custodians rather than generating them", () => {
    const production = { DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test", COMEDEC_SECRET_KEY: "ab".repeat(32) };
    const none = started(production);
    expect(none.status).toBe(78);
    expect(none.stderr).toBe("COMEDEC_CA_CUSTODIAN_1: required with DATABASE_URL: production never generates the CA custodians' secrets\n");
    expect(none.opened).toBe(false);
    const one = started({ ...production, COMEDEC_CA_CUSTODIAN_1: "Premier Gardien:secret-du-premier-gardien" });
    expect(one.status).toBe(78);
    expect(one.stderr).toBe("COMEDEC_CA_CUSTODIAN_2: required with DATABASE_URL: production never generates the CA custodians' secrets\n");
  });

  it("names the secret key, and never repeats it", () => {
    const run = started({ COMEDEC_SECRET_KEY: "0123456789abcdef" });
    expect(run.status).toBe(78);
    expect(run.stderr).toBe("COMEDEC_SECRET_KEY: 64 hexadecimal digits expected\n");
  });
});
