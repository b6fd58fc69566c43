/**
 * The API's documentation page, served whole by the API: Swagger UI's files come from the
 * `swagger-ui-dist` package on disk, never from a CDN, because prefectures' and town halls'
 * networks may have no Internet. The page names no host but the platform's own.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Hono } from "hono";

const directory = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));

/** The files the page loads, by the name it loads them under. */
const assets: Readonly<Record<string, { readonly file: string; readonly type: string }>> = {
  "swagger-ui.css": { file: "swagger-ui.css", type: "text/css; charset=utf-8" },
  "swagger-ui-bundle.js": { file: "swagger-ui-bundle.js", type: "text/javascript; charset=utf-8" },
  "favicon-32x32.png": { file: "favicon-32x32.png", type: "image/png" },
};

// Started by a file of its own rather than inline, so a strict Content-Security-Policy holds.
// The validator badge is off: it would call validator.swagger.io.
const initializer = `window.addEventListener("load", () => {
  window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#documentation", validatorUrl: null, deepLinking: true, tryItOutEnabled: false });
});
`;

/** The page. */
export const page = `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>COMEDEC — documentation de l'API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<main id="documentation"><p>Chargement de la documentation de l'API…</p></main>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/initializer.js"></script>
</body>
</html>
`;

const security = {
  "content-security-policy":
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
};

/** Registers `/docs` and its assets. */
export const register = (app: Hono) => {
  const files = new Map(Object.entries(assets).map(([name, asset]) => [name, { body: readFileSync(join(directory, asset.file)), type: asset.type }] as const));
  files.set("initializer.js", { body: Buffer.from(initializer), type: "text/javascript; charset=utf-8" });
  app.get("/docs", (context) => context.html(page, 200, security));
  app.get("/docs/assets/:name", (context) => {
    const file = files.get(context.req.param("name"));
    if (file === undefined) return context.notFound();
    return context.body(new Uint8Array(file.body), 200, { "content-type": file.type, "cache-control": "public, max-age=86400", ...security });
  });
};
