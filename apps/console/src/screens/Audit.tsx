/**
 * The auditor's screens, read only (RGS role separation: the auditor administers nothing): the
 * trail verified — the whole hash chain recomputed by the platform against the checkpoints it
 * published outside its database, and, when the auditor brings the copy of the published
 * checkpoints they keep, that copy compared with what the platform publishes now —; a site's trail
 * exported with each entry's inclusion proof against the signed checkpoint, as a JSON file to check
 * offline; and the RGS deadlines (revocations within 24 hours, a CRL never older than 24 hours),
 * each with its state said plainly. Nothing here writes: the auditor's grants change nothing, and
 * signing a checkpoint is the platform's hourly task (or ANTS's, on demand).
 */
import { Alert } from "@codegouvfr/react-dsfr/Alert";
import { Badge } from "@codegouvfr/react-dsfr/Badge";
import { Button } from "@codegouvfr/react-dsfr/Button";
import { Input } from "@codegouvfr/react-dsfr/Input";
import { Contract } from "@comedec/http-contract";
import { Schema } from "effect";
import { useCallback, useEffect, useState } from "react";
import { type Feedback, FeedbackAlert } from "../Feedback.js";
import { useCall } from "../Session.js";
import { frenchDate } from "../Validation.js";

type Checkpoint = (typeof Contract.Audit.Checkpoint)["Type"];
type Report = (typeof Contract.Audit.VerifyReport)["Type"];

/** A moment in French: 3 décembre 2026 à 14:05. */
export const frenchInstant = (iso: string): string =>
  `${frenchDate(new Date(iso))} à ${new Date(iso).toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit" })}`;

/** The first checkpoint of a kept copy that the platform's publication lacks or names otherwise. */
export const firstDifference = (
  kept: ReadonlyArray<Checkpoint>,
  published: ReadonlyArray<Checkpoint>,
): { readonly position: number; readonly why: string } | undefined => {
  const byPosition = new Map(published.map((checkpoint) => [checkpoint.position, checkpoint]));
  for (const copy of [...kept].sort((a, b) => a.position - b.position)) {
    const now = byPosition.get(copy.position);
    if (now === undefined) return { position: copy.position, why: "ce point de contrôle n'est plus publié par la plateforme" };
    if (now.hash !== copy.hash || now.signature !== copy.signature || now.rootHash !== copy.rootHash)
      return { position: copy.position, why: "la plateforme publie à cette position un autre point de contrôle que celui de votre copie" };
  }
  return undefined;
};

const KeptCopy = Schema.Struct({ items: Schema.Array(Contract.Audit.Checkpoint) });

/** The verification of the trail. */
export const AuditVerification = () => {
  const call = useCall();
  const [report, setReport] = useState<Report | undefined>(undefined);
  const [published, setPublished] = useState<ReadonlyArray<Checkpoint>>([]);
  const [feedback, setFeedback] = useState<Feedback>(undefined);
  const [comparison, setComparison] = useState<{ readonly ok: boolean; readonly text: string } | undefined>(undefined);

  const verify = useCallback(async () => {
    setReport(undefined);
    const [verified, publication] = await Promise.all([call(Contract.Audit.verification, {}), call(Contract.Audit.published, {})]);
    if (!verified.ok) return setFeedback(verified);
    if (!publication.ok) return setFeedback(publication);
    setFeedback(undefined);
    setPublished(publication.value.items);
    setReport(verified.value);
  }, [call]);

  useEffect(() => {
    void verify();
  }, [verify]);

  const compare = async (file: File | undefined) => {
    if (file === undefined) return;
    let copy: (typeof KeptCopy)["Type"];
    try {
      copy = Schema.decodeUnknownSync(KeptCopy)(JSON.parse(await file.text()));
    } catch {
      return setComparison({ ok: false, text: "Ce fichier n'est pas une copie des points de contrôle publiés (le JSON de /audit/published-checkpoints)." });
    }
    const difference = firstDifference(copy.items, published);
    setComparison(
      difference === undefined
        ? { ok: true, text: `Votre copie concorde : ses ${copy.items.length} points de contrôle sont publiés à l'identique par la plateforme.` }
        : { ok: false, text: `Votre copie ne concorde pas à la position ${difference.position} : ${difference.why}.` },
    );
  };

  const latest = published.at(-1);
  return (
    <section aria-labelledby="verification-title">
      <h1 id="verification-title">Vérification du journal</h1>
      <p>
        La plateforme recalcule toute la chaîne d'empreintes du journal et la confronte aux points de contrôle signés qu'elle publie hors de sa base : une ligne
        modifiée, supprimée ou réordonnée, ou un journal réécrit puis rechaîné, y est trouvé à la première position qui ne concorde pas.
      </p>
      <FeedbackAlert feedback={feedback} />
      <div aria-live="polite" data-testid="verification">
        {report === undefined ? (
          <p>Vérification en cours…</p>
        ) : report.valid ? (
          <Alert
            severity="success"
            title="Journal intègre"
            description={`Journal intègre : ${report.events} événements, la chaîne passant par ${report.checkpoints} ${report.checkpoints > 1 ? "points de contrôle signés" : "point de contrôle signé"}${
              latest === undefined
                ? " (aucun point de contrôle n'est encore publié)"
                : ` ; dernier point de contrôle publié à la position ${latest.position}, signé le ${frenchInstant(latest.signedAt)}`
            }.`}
          />
        ) : (
          <Alert
            severity="error"
            title="Journal altéré"
            description={`Le journal ne concorde pas à partir de la position ${report.firstBreak?.position ?? "?"} : ${report.firstBreak?.reason ?? "raison inconnue"} (${report.events} événements lus).`}
          />
        )}
      </div>
      <Button className="fr-mt-2w" priority="secondary" onClick={() => void verify()}>
        Vérifier de nouveau
      </Button>

      <h2 className="fr-mt-4w">Comparer avec votre copie des points de contrôle</h2>
      <div className="fr-upload-group">
        <label className="fr-label" htmlFor="kept-copy">
          Copie conservée des points de contrôle publiés
          <span className="fr-hint-text">Le fichier JSON de /audit/published-checkpoints que vous avez gardé hors de la plateforme</span>
        </label>
        <input id="kept-copy" className="fr-upload" type="file" accept="application/json,.json" onChange={(event) => void compare(event.target.files?.[0])} />
      </div>
      <div aria-live="polite" data-testid="comparison">
        {comparison === undefined ? null : <Alert className="fr-mt-2w" small severity={comparison.ok ? "success" : "error"} description={comparison.text} />}
      </div>

      <h2 className="fr-mt-4w">Points de contrôle publiés</h2>
      {published.length === 0 ? (
        <p className="fr-callout">Aucun point de contrôle n'est encore publié : la plateforme en signe un chaque heure.</p>
      ) : (
        <div className="fr-table fr-table--no-caption">
          <table>
            <caption>Points de contrôle publiés</caption>
            <thead>
              <tr>
                <th scope="col">Position</th>
                <th scope="col">Signé le</th>
                <th scope="col">Empreinte de la chaîne</th>
                <th scope="col">Racine de l'arbre</th>
              </tr>
            </thead>
            <tbody>
              {[...published]
                .reverse()
                .slice(0, 20)
                .map((checkpoint) => (
                  <tr key={checkpoint.position}>
                    <td>{checkpoint.position}</td>
                    <td>{frenchInstant(checkpoint.signedAt)}</td>
                    <td>
                      <code>{checkpoint.hash.slice(0, 16)}…</code>
                    </td>
                    <td>{checkpoint.rootHash === undefined ? "—" : <code>{checkpoint.rootHash.slice(0, 16)}…</code>}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
};

/** A site of the trail, as the export names it. */
const siteKeyOf = (kind: "national" | "prefecture" | "commune", code: string): string =>
  kind === "national" ? "national" : `${kind}:${code.trim().toUpperCase()}`;

/** A site's trail, exported with its proofs as a JSON file. */
export const AuditExport = () => {
  const call = useCall();
  const [kind, setKind] = useState<"national" | "prefecture" | "commune">("commune");
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | undefined>(undefined);
  const [feedback, setFeedback] = useState<Feedback>(undefined);

  const exportTrail = async () => {
    const site = siteKeyOf(kind, code);
    if (!Schema.is(Contract.Audit.SiteKey)(site))
      return setError(kind === "commune" ? "Code INSEE : cinq caractères, par exemple 69123." : "Numéro de département : 01 à 95, 2A, 2B ou 971 à 976.");
    setError(undefined);
    const outcome = await call(Contract.Audit.provenTrail, { query: { site } });
    if (!outcome.ok) return setFeedback(outcome);
    const proven = outcome.value;
    const file = new Blob([`${JSON.stringify({ site, exportedAt: new Date().toISOString(), ...proven }, null, 2)}\n`], { type: "application/json" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(file);
    link.download = `journal-${site.replace(":", "-")}.json`;
    link.click();
    URL.revokeObjectURL(link.href);
    setFeedback({
      ok: true,
      message:
        proven.checkpoint === null
          ? `Aucun point de contrôle n'est encore publié : le fichier ${link.download} ne contient aucune entrée prouvée.`
          : `Fichier ${link.download} téléchargé : ${proven.entries.length} entrées du site ${site}, chacune avec sa preuve d'inclusion dans le point de contrôle signé de la position ${proven.checkpoint.position}.`,
    });
  };

  return (
    <section aria-labelledby="export-title">
      <h1 id="export-title">Export du journal d'un site</h1>
      <p>
        Les entrées enregistrées par les acteurs d'un site, jusqu'au dernier point de contrôle publié, chacune avec sa preuve d'inclusion (RFC 9162) et la clé
        d'audit : le fichier se vérifie seul, sans les entrées des autres sites.
      </p>
      <FeedbackAlert feedback={feedback} />
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void exportTrail();
        }}
      >
        <div className="fr-select-group">
          <label className="fr-label" htmlFor="export-site-kind">
            Site
          </label>
          <select id="export-site-kind" className="fr-select" value={kind} onChange={(event) => setKind(event.target.value as typeof kind)}>
            <option value="commune">commune</option>
            <option value="prefecture">préfecture</option>
            <option value="national">niveau national (ANTS)</option>
          </select>
        </div>
        {kind === "national" ? null : (
          <Input
            label={kind === "commune" ? "Code INSEE de la commune" : "Numéro du département"}
            state={error === undefined ? "default" : "error"}
            stateRelatedMessage={error}
            nativeInputProps={{ value: code, onChange: (event) => setCode(event.target.value), name: "export-site-code" }}
          />
        )}
        <Button type="submit" iconId="fr-icon-download-line">
          Exporter le journal avec ses preuves
        </Button>
      </form>
    </section>
  );
};

const hour = 3_600_000;

/** What each rule watched means, in French (the platform's detail follows, as it is written in the log). */
const ruleNames: Readonly<Record<string, string>> = {
  "revocation.24-hours": "Révocation non traitée ou non publiée dans les 24 heures",
  "crl.24-hours": "Liste de révocation absente ou publiée il y a plus de 24 heures",
};

/** The RGS deadlines, each with its state. */
export const Deadlines = () => {
  const call = useCall();
  const [report, setReport] = useState<(typeof Contract.Monitoring.BreachReport)["Type"] | undefined>(undefined);
  const [feedback, setFeedback] = useState<Feedback>(undefined);

  const load = useCallback(async () => {
    const outcome = await call(Contract.Monitoring.deadlines, {});
    if (!outcome.ok) return setFeedback(outcome);
    setFeedback(undefined);
    setReport(outcome.value);
  }, [call]);

  useEffect(() => {
    void load();
  }, [load]);

  if (report === undefined)
    return (
      <section aria-labelledby="deadlines-title">
        <h1 id="deadlines-title">Délais RGS</h1>
        <FeedbackAlert feedback={feedback} />
        <p>Chargement…</p>
      </section>
    );

  const lateRevocations = report.breaches.filter((breach) => breach.rule === "revocation.24-hours");
  const staleCrl = report.breaches.some((breach) => breach.rule === "crl.24-hours");
  const crlAgeHours = report.crl === null ? undefined : Math.floor((Date.parse(report.checkedAt) - Date.parse(report.crl.thisUpdate)) / hour);
  const state = (late: boolean) => (
    <Badge severity={late ? "error" : "success"} small>
      {late ? "En retard" : "Dans le délai"}
    </Badge>
  );

  return (
    <section aria-labelledby="deadlines-title">
      <h1 id="deadlines-title">Délais RGS</h1>
      <p>État relevé le {frenchInstant(report.checkedAt)}. Les délais du RGS 3 étoiles que la plateforme surveille :</p>
      <FeedbackAlert feedback={feedback} />
      <div className="fr-table fr-table--no-caption">
        <table data-testid="deadlines">
          <caption>Délais RGS</caption>
          <thead>
            <tr>
              <th scope="col">Délai</th>
              <th scope="col">État</th>
              <th scope="col">Constat</th>
            </tr>
          </thead>
          <tbody>
            <tr data-testid="deadline-revocations">
              <th scope="row">Révocations traitées et publiées sous 24 heures</th>
              <td>{state(lateRevocations.length > 0)}</td>
              <td>
                {report.revocationsWaiting === 0
                  ? "Aucune demande de révocation n'attend."
                  : `${report.revocationsWaiting} demande(s) de révocation en attente de validation.`}{" "}
                {lateRevocations.length === 0
                  ? "Aucune n'attend depuis plus de 24 heures."
                  : `${lateRevocations.length} révocation(s) en retard (voir ci-dessous).`}
              </td>
            </tr>
            <tr data-testid="deadline-crl">
              <th scope="row">Liste de révocation (LCR) publiée il y a moins de 24 heures</th>
              <td>{state(staleCrl)}</td>
              <td>
                {report.crl === null
                  ? "Aucune LCR n'a encore été publiée."
                  : `LCR n° ${report.crl.number} publiée le ${frenchInstant(report.crl.thisUpdate)}, il y a ${crlAgeHours} heure(s) ; la suivante au plus tard le ${frenchInstant(report.crl.nextUpdate)} ; ${report.crl.entries} certificat(s) révoqué(s).`}
              </td>
            </tr>
          </tbody>
        </table>
      </div>
      <h2>Manquements constatés</h2>
      {report.breaches.length === 0 ? (
        <p className="fr-callout" data-testid="no-breaches">
          Aucun délai n'est dépassé.
        </p>
      ) : (
        <ul data-testid="breaches">
          {report.breaches.map((breach) => (
            <li key={`${breach.rule}-${breach.subject}`}>
              <strong>{ruleNames[breach.rule] ?? breach.rule}</strong> ({breach.source}) — {breach.subject}, site {breach.site}, depuis le{" "}
              {frenchInstant(breach.since)}. Détail technique : <span lang="en">{breach.detail}</span>
            </li>
          ))}
        </ul>
      )}
      <Button priority="secondary" onClick={() => void load()}>
        Actualiser
      </Button>
    </section>
  );
};
