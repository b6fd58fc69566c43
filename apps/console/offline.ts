/**
 * The build's guard that the console names no host but the platform's own: the few URLs that the
 * libraries only print in messages (React's error decoder, the DSFR inspector's and tsafe's
 * documentation links) are rewritten to plain words, and the build fails on any other
 * `http(s)://` host left in a script, a style sheet or the page, but XML namespaces and the card
 * agent on the loopback. `test/Offline.test.ts` checks the built folder the same way.
 */
import type { Plugin } from "vite";

/** The URLs a library only prints, and what they become. */
const printedOnly: ReadonlyArray<readonly [string, string]> = [
  ["https://react.dev/errors/", "react-error:"],
  ["https://www.systeme-de-design.gouv.fr/version-courante/fr/composants/en-tete", "dsfr:en-tete"],
  ["https://docs.tsafe.dev/", "tsafe:"],
];

/** What may stay: XML namespaces (names, never fetched) and the workstation's loopback (the card agent). */
export const allowed = /^https?:\/\/(www\.w3\.org\/(2000\/svg|1999\/xlink|1999\/xhtml|XML\/1998\/namespace|1998\/Math\/MathML)|127\.0\.0\.1[:/]|localhost[:/])/;

/** Every `http(s)://host` in a text that is not allowed. */
export const foreignHosts = (text: string): ReadonlyArray<string> =>
  [...text.matchAll(/https?:\/\/[A-Za-z0-9.-]+(:\d+)?[^\s"'`)<>]*/g)].map((match) => match[0]).filter((url) => !allowed.test(url));

/** The plugin. */
export const offline = (): Plugin => ({
  name: "comedec-offline",
  enforce: "post",
  renderChunk(code) {
    let rewritten = code;
    for (const [url, word] of printedOnly) rewritten = rewritten.replaceAll(url, word);
    return rewritten === code ? null : { code: rewritten, map: null };
  },
  generateBundle(_, bundle) {
    const found = Object.values(bundle).flatMap((output) => {
      const text = output.type === "chunk" ? output.code : typeof output.source === "string" ? output.source : new TextDecoder().decode(output.source);
      return /\.(js|css|html|svg)$/.test(output.fileName) ? foreignHosts(text).map((url) => `${output.fileName}: ${url}`) : [];
    });
    if (found.length > 0) this.error(`the console would name hosts other than the platform's own:\n${found.join("\n")}`);
  },
});
