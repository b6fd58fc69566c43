/**
 * The console's frame: the State's header and footer, who is signed in with the session's expiry
 * and the inactivity deadline, sign-out, and the screens of the signed-in role, chosen by the
 * URL's fragment (`#agents`, `#cartes`…, listed in `Menu`) so the server serves one page.
 */
import { Header } from "@codegouvfr/react-dsfr/Header";
import { useEffect, useState } from "react";
import { screensOf } from "./Menu.js";
import { SelfUnblockScreen } from "./screens/SelfUnblock.js";
import { SignIn } from "./screens/SignIn.js";
import { idleMinutes, type Session, timeOfDay, useSession } from "./Session.js";

const roleNames: Readonly<Record<string, string>> = {
  "national-administrator": "administrateur national",
  "prefecture-operator": "opérateur de préfecture",
  "commune-operator": "responsable carte ou délégué",
  agent: "titulaire de carte",
  editor: "éditeur",
  auditor: "auditeur",
};

const siteName = (session: Session): string => {
  const site = session.actor.site;
  switch (site._tag) {
    case "commune":
      return `commune ${site.commune}`;
    case "prefecture":
      return `préfecture ${site.departement}`;
    case "national":
      return "niveau national";
    default:
      return site._tag;
  }
};

/** The fragment of the self-unblock page, linked from the sign-in page. */
export const selfUnblockFragment = "debloquer-ma-carte";

const fragment = (): string => window.location.hash.replace(/^#\/?/, "");

/** The console. */
export const App = () => {
  const { session, idleUntil, signOut } = useSession();
  const [hash, setHash] = useState(fragment());
  useEffect(() => {
    const changed = () => setHash(fragment());
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  const screens = session === undefined ? [] : screensOf(session.actor);
  const current = screens.find((entry) => entry.id === hash) ?? screens[0];
  const screen = current?.id;

  // Without a session, the one other page is a holder's own unblock at a distance (their card is locked).
  const unblocking = session === undefined && hash === selfUnblockFragment;

  useEffect(() => {
    const label = screens.find((entry) => entry.id === screen)?.label;
    document.title = `${label === undefined ? (unblocking ? "Débloquer ma carte" : "Connexion") : label} — COMEDEC`;
  }, [screen, screens, unblocking]);

  return (
    <>
      <Header
        brandTop={
          <>
            RÉPUBLIQUE
            <br />
            FRANÇAISE
          </>
        }
        serviceTitle="COMEDEC"
        serviceTagline="Raccordement des communes, agents et cartes : mairies, préfectures, ANTS et auditeurs"
        homeLinkProps={{ href: "#", title: "Accueil — COMEDEC" }}
        quickAccessItems={
          session === undefined
            ? []
            : [
                {
                  iconId: "fr-icon-logout-box-r-line",
                  text: "Se déconnecter",
                  buttonProps: { onClick: () => void signOut("Vous êtes déconnecté.") },
                },
              ]
        }
        navigation={
          session === undefined
            ? undefined
            : screens.map((entry) => ({ text: entry.label, linkProps: { href: `#${entry.id}` }, isActive: entry.id === screen }))
        }
      />
      <main id="contenu" className="fr-container fr-py-4w" tabIndex={-1}>
        {session === undefined ? (
          unblocking ? (
            <SelfUnblockScreen />
          ) : (
            <SignIn />
          )
        ) : (
          <>
            <p className="comedec-session fr-mb-3w" data-testid="session">
              Connecté : <strong>{session.actor.name}</strong> ({roleNames[session.actor.role] ?? session.actor.role}, {siteName(session)})
              {session.kind === "card" ? ` avec la carte ${session.card ?? ""}` : " avec un jeton d'amorçage"}.{" "}
              {session.expiresAt === undefined ? null : <>La session expire à {timeOfDay(session.expiresAt)}. </>}
              {idleUntil === undefined ? null : (
                <>
                  Déconnexion automatique après {idleMinutes} minutes d'inactivité (vers {timeOfDay(idleUntil)}).
                </>
              )}
            </p>
            {current === undefined ? (
              <p>Aucun écran de la console n'est ouvert à votre rôle : la politique ne lui accorde aucune de ces opérations.</p>
            ) : (
              current.render()
            )}
          </>
        )}
      </main>
      {/* The DSFR footer, written out: the library's links to the State's sites would name other hosts. */}
      <footer className="fr-footer" id="footer">
        <div className="fr-container">
          <div className="fr-footer__body">
            <div className="fr-footer__brand fr-enlarge-link">
              <p className="fr-logo">
                République
                <br />
                française
              </p>
            </div>
            <div className="fr-footer__content">
              <p className="fr-footer__content-desc">
                COMEDEC : la communication électronique des données de l'état civil entre les mairies, les notaires et les administrations.
              </p>
            </div>
          </div>
          <div className="fr-footer__bottom">
            <ul className="fr-footer__bottom-list">
              <li className="fr-footer__bottom-item">
                <a className="fr-footer__bottom-link" href="/docs">
                  Documentation de l'API
                </a>
              </li>
              <li className="fr-footer__bottom-item">
                <span className="fr-footer__bottom-link">Accessibilité : partiellement conforme</span>
              </li>
            </ul>
          </div>
        </div>
      </footer>
    </>
  );
};
