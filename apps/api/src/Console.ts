/**
 * The web console (`apps/console`, built by Vite), served whole by the API at `/console`, on the
 * platform's own origin: its page and every asset (scripts, the DSFR's styles, Marianne fonts,
 * icons) come from the console's built folder on disk, never from another host, because town
 * halls' and prefectures' networks may have no Internet. The page may connect to the platform and
 * to the card agent on the workstation's loopback, nothing else (ADR 0017).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join, relative, sep } from "node:path";
import type { Hono } from "hono";

/** The console's built folder (`apps/console/dist`). */
export const directory = join(dirname(createRequire(import.meta.url).resolve("@comedec/console/package.json")), "dist");

const types: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
};

/**
 * The one `<style>` react-dsfr writes into the page (the `color-scheme` hint of the light or dark
 * theme), allowed by its hash: nothing else inline.
 */
const colorSchemeStyles = ["'sha256-HzhUjVBe6Oi2wcxUM7bmy2Rp9VdLMHYDdYr9MalNmOY='", "'sha256-xVQ4mcypV0CvOtZpQgVcKpcoNvdUkR9BrwZBrtBbU+w='"];

/**
 * Only the platform itself, and the card agent on the loopback (`connect-src`: it listens on
 * 127.0.0.1, on a port the person may change). Styles from files, but for the theme's hint.
 */
export const contentSecurityPolicy =
  `default-src 'self'; script-src 'self'; style-src 'self' ${colorSchemeStyles.join(" ")}; img-src 'self' data:; font-src 'self'; ` +
  "connect-src 'self' http://127.0.0.1:* http://localhost:*; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

const security = {
  "content-security-policy": contentSecurityPolicy,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
};

let read: ReadonlyMap<string, { readonly body: Uint8Array; readonly type: string }> | undefined;

/** The built files, by their path under /console/ (read once per process: the tests build many apps). */
const builtFiles = (): ReadonlyMap<string, { readonly body: Uint8Array; readonly type: string }> => {
  if (read !== undefined) return read;
  const files = new Map<string, { readonly body: Uint8Array; readonly type: string }>();
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else
        files.set(relative(directory, path).split(sep).join("/"), {
          body: new Uint8Array(readFileSync(path)),
          type: types[extname(name)] ?? "application/octet-stream",
        });
    }
  };
  if (existsSync(directory)) walk(directory);
  read = files;
  return files;
};

/** What `/console` answers when the console was not built (the API built alone). */
const notBuilt = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>COMEDEC — console non construite</title></head>
<body><main><h1>La console n'est pas construite</h1><p>Construisez-la avec <code>pnpm --filter @comedec/console build</code> (ou <code>npm start</code>), puis redémarrez l'API.</p></main></body></html>
`;

/** Registers `/console` and its assets. */
export const register = (app: Hono) => {
  const files = builtFiles();
  const page = files.get("index.html");
  const answerPage = () =>
    page === undefined
      ? new Response(notBuilt, { status: 503, headers: { "content-type": "text/html; charset=utf-8", ...security } })
      : new Response(page.body, { status: 200, headers: { "content-type": page.type, "cache-control": "no-cache", ...security } });
  app.get("/console", answerPage);
  app.get("/console/", answerPage);
  app.get("/console/*", (context) => {
    const path = context.req.path.slice("/console/".length);
    const file = files.get(path);
    if (file === undefined) return path.startsWith("assets/") ? context.notFound() : answerPage();
    // The assets' names carry their content's hash: cached for a year; the page itself is revalidated.
    const cache = path.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-cache";
    return context.body(file.body.slice(), 200, { "content-type": file.type, "cache-control": cache, ...security });
  });
};
