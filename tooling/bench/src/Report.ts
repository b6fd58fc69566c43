/**
 * The figures `pnpm bench` prints: each beside its goal and the raw figure measured in the same run,
 * with their ratio, since absolute figures drift by ±15% between runs on shared machines; for HTTP
 * loads, the ratio's own goal and the server's CPU time per request on both routes.
 */

/** Issue 25: every figure through the API reaches this share of its raw route, measured in the same run. */
export const httpRatioGoal = 0.8;

/** One measured figure. */
export interface Figure {
  readonly name: string;
  readonly unit: string;
  readonly platform: number;
  readonly raw: number;
  readonly rawName: string;
  /** The goal, and whether a larger figure is better (throughput) or a smaller one (duration). */
  readonly goal: { readonly value: number; readonly better: "higher" | "lower" };
  readonly note?: string;
  /** For a throughput through the API: the least share of its raw route's figure it must reach (issue 25: 0.80). */
  readonly ratioGoal?: number;
  /** For an HTTP load: the server process's CPU time per request, in µs, on the platform's route and on the raw one. */
  readonly cpu?: { readonly platform: number; readonly raw: number };
}

const format = (value: number) => (value >= 100 ? Math.round(value).toLocaleString("en-US") : value.toFixed(value >= 10 ? 1 : 2));

/** Whether a figure meets its goal. */
export const meets = (figure: Figure) =>
  (figure.goal.better === "higher" ? figure.platform >= figure.goal.value : figure.platform <= figure.goal.value) &&
  (figure.ratioGoal === undefined || figure.platform / figure.raw >= figure.ratioGoal);

const microseconds = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "?");

/** The figures as a Markdown table (printed, and pasted into docs/benchmarks.md). */
export const table = (figures: ReadonlyArray<Figure>): string => {
  const lines = [
    "| figure | platform | goal | raw baseline (same run) | platform / raw | ratio goal | server CPU µs/req, platform / raw | goal met |",
    "| --- | ---: | ---: | --- | ---: | ---: | ---: | :---: |",
  ];
  for (const figure of figures) {
    const ratio = figure.platform / figure.raw;
    lines.push(
      `| ${figure.name} | ${format(figure.platform)} ${figure.unit} | ${figure.goal.better === "higher" ? "≥" : "<"} ${format(figure.goal.value)} ${figure.unit} | ${figure.rawName}: ${format(figure.raw)} ${figure.unit} | ${ratio.toFixed(2)} | ${figure.ratioGoal === undefined ? "" : `≥ ${figure.ratioGoal.toFixed(2)}`} | ${figure.cpu === undefined ? "" : `${microseconds(figure.cpu.platform)} / ${microseconds(figure.cpu.raw)}`} | ${meets(figure) ? "yes" : "**no**"} |`,
    );
  }
  return lines.join("\n");
};
