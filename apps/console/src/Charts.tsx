/**
 * The dashboard's charts, drawn in SVG with the DSFR's colour tokens (classes of `console.css`)
 * rather than with DSFR Chart, whose components are Vue custom elements (ADR 0019). Each chart
 * carries its figures as text: the bars are cells of a table, the trend has its table of values.
 */
import { Onboarding as Graph } from "@comedec/commune";

const number = new Intl.NumberFormat("fr-FR");

/** A count in French (34 877). */
export const count = (value: number): string => number.format(value);

/** The communes that reached each milestone, as a table whose cells hold their bars. */
export const MilestoneBars = ({ caption, reached, total }: { readonly caption: string; readonly reached: ReadonlyArray<number>; readonly total: number }) => {
  const widest = Math.max(1, ...reached);
  return (
    <div className="fr-table fr-table--sm fr-mb-2w">
      <table data-testid="milestone-counts">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Étape</th>
            <th scope="col">Communes</th>
            <th scope="col">Part</th>
          </tr>
        </thead>
        <tbody>
          {Graph.machine.milestones.map((definition, index) => {
            const value = reached[index] ?? 0;
            return (
              <tr key={definition.milestone}>
                <th scope="row" className="comedec-bar-label">
                  {definition.step}. {definition.title}
                </th>
                <td className="comedec-bar-value">{count(value)}</td>
                <td>
                  <svg className="comedec-bar" viewBox="0 0 120 10" aria-hidden="true" focusable="false">
                    <rect className="comedec-bar-track" x="0" y="1" width="120" height="8" />
                    <rect className="comedec-bar-fill" x="0" y="1" width={(120 * value) / widest} height="8" />
                  </svg>
                  <span className="fr-sr-only">{total === 0 ? "" : `${Math.round((100 * value) / total)} %`}</span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
};

/** A series of the trend: its name and the class that colours it. */
export interface Series {
  readonly label: string;
  readonly className: string;
}

const monthName = (month: string): string =>
  new Date(`${month}-15T12:00:00`).toLocaleDateString("fr-FR", {
    month: "short",
    year: "2-digit",
  });

/** Bars per month, one per series, with the legend and the table of values. */
export const TrendChart = ({
  title,
  series,
  months,
}: {
  readonly title: string;
  readonly series: ReadonlyArray<Series>;
  /** Each month (YYYY-MM) with one value per series. */
  readonly months: ReadonlyArray<{ readonly month: string; readonly values: ReadonlyArray<number> }>;
}) => {
  const width = 640;
  const height = 220;
  const left = 44;
  const bottom = 28;
  const top = 10;
  const highest = Math.max(1, ...months.flatMap((month) => month.values));
  // A round top for the axis: 1, 2 or 5 times a power of ten.
  const magnitude = 10 ** Math.floor(Math.log10(highest));
  const ceiling = [1, 2, 5, 10].map((factor) => factor * magnitude).find((value) => value >= highest) ?? highest;
  const plotHeight = height - top - bottom;
  const slot = (width - left - 8) / Math.max(1, months.length);
  const barWidth = Math.max(2, (slot * 0.8) / Math.max(1, series.length));
  const y = (value: number) => top + plotHeight - (plotHeight * value) / ceiling;
  const ticks = [0, ceiling / 2, ceiling];
  return (
    <figure className="fr-m-0" data-testid="trend">
      <svg className="comedec-trend" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${title} : graphique, valeurs dans le tableau qui suit`}>
        {ticks.map((tick) => (
          <g key={tick}>
            <line className="comedec-trend-grid" x1={left} x2={width - 4} y1={y(tick)} y2={y(tick)} />
            <text className="comedec-trend-text" x={left - 6} y={y(tick) + 4} textAnchor="end">
              {count(tick)}
            </text>
          </g>
        ))}
        {months.map((month, m) => (
          <g key={month.month}>
            {month.values.map((value, s) => (
              <rect
                key={series[s]?.label ?? s}
                className={series[s]?.className}
                x={left + m * slot + slot * 0.1 + s * barWidth}
                y={y(value)}
                width={barWidth}
                height={top + plotHeight - y(value)}
              />
            ))}
            {months.length <= 12 || m % 2 === 0 ? (
              <text className="comedec-trend-text" x={left + m * slot + slot / 2} y={height - 8} textAnchor="middle">
                {monthName(month.month)}
              </text>
            ) : null}
          </g>
        ))}
      </svg>
      <figcaption>
        <ul className="comedec-legend">
          {series.map((entry) => (
            <li key={entry.label}>
              <svg className="comedec-swatch" viewBox="0 0 10 10" aria-hidden="true" focusable="false">
                <rect className={entry.className} x="0" y="0" width="10" height="10" />
              </svg>
              {entry.label}
            </li>
          ))}
        </ul>
      </figcaption>
      <details className="fr-mt-1w">
        <summary>Valeurs du graphique</summary>
        <div className="fr-table fr-table--sm">
          <table>
            <caption>{title}</caption>
            <thead>
              <tr>
                <th scope="col">Mois</th>
                {series.map((entry) => (
                  <th key={entry.label} scope="col">
                    {entry.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {months.map((month) => (
                <tr key={month.month}>
                  <th scope="row">{monthName(month.month)}</th>
                  {month.values.map((value, s) => (
                    <td key={series[s]?.label ?? s}>{count(value)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
};
