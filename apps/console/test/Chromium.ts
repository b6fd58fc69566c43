/**
 * What every browser suite of the console shares: Debian's Chromium (`/usr/bin/chromium`,
 * installed by `.ci/run`; no browser is downloaded), the flags that work on these machines as
 * root with a fresh profile per context, the accessibility check (no serious or critical
 * violation of WCAG 2.1 A and AA, which RGAA follows), the screenshots kept in test-artifacts/,
 * and the result of the last action.
 */
import AxeBuilder from "@axe-core/playwright";
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { expect } from "vitest";

export const chromiumPath = "/usr/bin/chromium";

/** Whether the browser is installed: the suites are skipped, with a warning, when it is not. */
export const present = existsSync(chromiumPath);
if (!present) console.warn(`browser suites skipped: ${chromiumPath} is absent (apt-get install chromium; .ci/run installs it)`);

export const artifacts = fileURLToPath(new URL("../test-artifacts/", import.meta.url));
mkdirSync(artifacts, { recursive: true });

export const launchFlags = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** No serious or critical violation of WCAG 2.1 A and AA on the page as it stands. */
export const expectAccessible = async (page: Page, screen: string) => {
  const { violations } = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const grave = violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => ({ screen, id: violation.id, impact: violation.impact, nodes: violation.nodes.map((node) => node.target.join(" ")) }));
  expect(grave).toEqual([]);
};

/** The page's screenshot, whole, kept as `test-artifacts/<name>.png`. */
export const shoot = (page: Page, name: string) => page.screenshot({ path: `${artifacts}${name}.png`, fullPage: true });

/** The result of the last action. */
export const feedback = (page: Page) => page.getByTestId("feedback");
