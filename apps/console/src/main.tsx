/**
 * The console's entry point: the DSFR's styles, Marianne fonts and icons bundled from
 * `@codegouvfr/react-dsfr` (served by the API with the page, from no other host), the DSFR's
 * script started, then the app.
 */
import "@codegouvfr/react-dsfr/main.css";
import "./console.css";
import { startReactDsfr } from "@codegouvfr/react-dsfr/spa";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.js";
import { SessionProvider } from "./Session.js";

startReactDsfr({ defaultColorScheme: "light" });

const root = document.getElementById("root");
if (root !== null)
  createRoot(root).render(
    <StrictMode>
      <SessionProvider>
        <App />
      </SessionProvider>
    </StrictMode>,
  );
