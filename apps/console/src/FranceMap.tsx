/**
 * A map of metropolitan France drawn in the page, with no tile server and no other host: France's
 * outline and its neighbours from Natural Earth (`world-atlas`, public domain), projected by
 * `d3-geo` in the Lambert conformal conic that IGN maps use, and the communes as points coloured
 * by stage. No département contours: no package of the field could be had (ADR 0019). The
 * points are drawn as one SVG path per stage, not one element per commune, so 35,000 communes draw
 * in a few milliseconds. The planning adds its sessions: each mairie joined to its venue.
 *
 * The map is an image for sighted readers; its title and description say what it shows, and each
 * screen gives its figures in a table beside it.
 */
import { geoConicConformal, geoPath } from "d3-geo";
import type { Feature, FeatureCollection, Geometry, MultiPolygon, Position } from "geojson";
import { useEffect, useId, useMemo, useRef, useState } from "react";
import { feature } from "topojson-client";

/** A commune drawn. */
export interface MapPoint {
  readonly latitude: number;
  readonly longitude: number;
  /** The class that colours it (its stage, or its session). */
  readonly className: string;
  /** Circled in red: late. */
  readonly late?: boolean;
}

/** A planned session: its venue, the mairies it gathers, the class that colours it. */
export interface MapSession {
  readonly venue: readonly [number, number];
  readonly mairies: ReadonlyArray<readonly [number, number]>;
  readonly className: string;
  readonly label: string;
  /** What the map writes beside the venue. */
  readonly short: string;
}

interface Atlas {
  readonly france: Feature<MultiPolygon>;
  readonly neighbours: FeatureCollection<Geometry>;
}

// France's neighbours and the nearby shores, by ISO 3166 numeric code: the rest of the world is
// never in the frame, and projecting it would cost time for nothing.
const nearby = new Set([
  ...["724", "380", "756", "276", "056", "442", "492", "020", "826", "528", "040", "438", "620"],
  ...["372", "208", "203", "705", "191", "788", "012", "504", "674", "336", "831", "832"],
]);

let atlas: Promise<Atlas> | undefined;

/** Natural Earth's countries at 1:50m, loaded once from the console's own files. */
const loadAtlas = (): Promise<Atlas> => {
  atlas ??= import("world-atlas/countries-50m.json").then((module) => {
    const topology = module.default as unknown as Parameters<typeof feature>[0];
    const countries = feature(
      topology,
      (topology.objects as Record<string, Parameters<typeof feature>[1]>).countries as never,
    ) as unknown as FeatureCollection<Geometry>;
    const franceEntire = countries.features.find((country) => country.id === "250") as Feature<MultiPolygon>;
    // Metropolitan France and Corsica: the overseas départements' communes have no coordinates in the gazetteer.
    const metropolitan = franceEntire.geometry.coordinates.filter((polygon) => {
      const [longitude, latitude] = (polygon[0]?.[0] ?? [0, 0]) as Position as [number, number];
      return longitude > -6 && longitude < 10 && latitude > 41 && latitude < 52;
    });
    return {
      france: { type: "Feature", properties: {}, geometry: { type: "MultiPolygon", coordinates: metropolitan } },
      neighbours: { type: "FeatureCollection", features: countries.features.filter((country) => nearby.has(String(country.id))) },
    };
  });
  return atlas;
};

/** Starts loading the outline, for a screen that will draw a map once its data are in. */
export const preloadAtlas = (): void => {
  void loadAtlas();
};

const width = 600;
const height = 560;

/** Small circles, all in one path: `M` to the left edge, two half-arcs round. */
const circles = (positions: ReadonlyArray<readonly [number, number]>, radius: number): string => {
  const parts: Array<string> = [];
  const diameter = (radius * 2).toFixed(1);
  const r = radius.toFixed(1);
  for (const [x, y] of positions) parts.push(`M${(x - radius).toFixed(1)} ${y.toFixed(1)}a${r} ${r} 0 1 0 ${diameter} 0a${r} ${r} 0 1 0 -${diameter} 0`);
  return parts.join("");
};

/** The map. `focus` frames it on these places (longitude, latitude); France whole otherwise. */
export const FranceMap = ({
  title,
  description,
  points,
  sessions = [],
  focus,
  radius = 2,
  testId,
}: {
  readonly title: string;
  readonly description: string;
  readonly points: ReadonlyArray<MapPoint>;
  readonly sessions?: ReadonlyArray<MapSession>;
  readonly focus?: ReadonlyArray<readonly [number, number]>;
  readonly radius?: number;
  readonly testId?: string;
}) => {
  const [loaded, setLoaded] = useState<Atlas | undefined>(undefined);
  const svg = useRef<SVGSVGElement>(null);
  const id = useId();
  useEffect(() => {
    let live = true;
    void loadAtlas().then((value) => {
      if (live) setLoaded(value);
    });
    return () => {
      live = false;
    };
  }, []);

  const drawing = useMemo(() => {
    if (loaded === undefined) return undefined;
    const projection = geoConicConformal().parallels([44, 49]).rotate([-3, 0]);
    const frame: Feature<Geometry> | Feature<MultiPolygon> =
      focus === undefined || focus.length === 0
        ? loaded.france
        : (() => {
            // The focus's bounds, widened a little so that a lone commune is not a point at infinite scale.
            const longitudes = focus.map(([longitude]) => longitude);
            const latitudes = focus.map(([, latitude]) => latitude);
            const margin = 0.15;
            const west = Math.min(...longitudes) - margin;
            const east = Math.max(...longitudes) + margin;
            const south = Math.min(...latitudes) - margin;
            const north = Math.max(...latitudes) + margin;
            return {
              type: "Feature",
              properties: {},
              geometry: {
                type: "MultiPoint",
                coordinates: [
                  [west, south],
                  [east, north],
                  [west, north],
                  [east, south],
                ],
              },
            };
          })();
    projection.fitExtent(
      [
        [12, 12],
        [width - 12, height - 12],
      ],
      frame,
    );
    const path = geoPath(projection);
    // Framed on a part of France, a small map of the whole in the corner shows where that part is.
    const inset = (() => {
      if (frame === loaded.france) return undefined;
      const whole = geoConicConformal().parallels([44, 49]).rotate([-3, 0]);
      whole.fitExtent(
        [
          [width - 118, 8],
          [width - 8, 118],
        ],
        loaded.france,
      );
      const [x0, y0] = projection.invert?.([0, 0]) ?? [0, 0];
      const [x1, y1] = projection.invert?.([width, height]) ?? [0, 0];
      const corners = [whole([x0, y0]), whole([x1, y0]), whole([x1, y1]), whole([x0, y1])].filter((corner) => corner !== null) as Array<[number, number]>;
      return {
        france: geoPath(whole)(loaded.france) ?? "",
        frame: `M${corners.map(([x, y]) => `${x.toFixed(1)} ${y.toFixed(1)}`).join("L")}Z`,
      };
    })();
    const project = (longitude: number, latitude: number) => projection([longitude, latitude]) as [number, number];
    const byClass = new Map<string, Array<readonly [number, number]>>();
    const late: Array<readonly [number, number]> = [];
    for (const point of points) {
      const at = project(point.longitude, point.latitude);
      const group = byClass.get(point.className);
      if (group === undefined) byClass.set(point.className, [at]);
      else group.push(at);
      if (point.late === true) late.push(at);
    }
    return {
      inset,
      neighbours: path(loaded.neighbours) ?? "",
      france: path(loaded.france) ?? "",
      points: [...byClass.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([className, at]) => ({ className, d: circles(at, radius) })),
      late: circles(late, radius + 1.5),
      sessions: sessions.map((session) => {
        const venue = project(session.venue[0], session.venue[1]);
        const mairies = session.mairies.map(([longitude, latitude]) => project(longitude, latitude));
        return {
          className: session.className,
          label: session.label,
          short: session.short,
          venue,
          lines: mairies.map(([x, y]) => `M${venue[0].toFixed(1)} ${venue[1].toFixed(1)}L${x.toFixed(1)} ${y.toFixed(1)}`).join(""),
          mairies: circles(mairies, radius + 1),
        };
      }),
    };
  }, [loaded, points, sessions, focus, radius]);

  // Marked once the points are in the page, for the dashboard's timing (docs/benchmarks.md).
  useEffect(() => {
    if (drawing === undefined || svg.current === null) return;
    const element = svg.current;
    const frame = requestAnimationFrame(() => {
      performance.mark("comedec-map-drawn");
      element.dataset.drawn = String(points.length);
    });
    return () => cancelAnimationFrame(frame);
  }, [drawing, points.length]);

  return (
    <svg
      ref={svg}
      className="comedec-map"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-labelledby={`${id}-title ${id}-description`}
      data-testid={testId}
      data-points={points.length}
    >
      <title id={`${id}-title`}>{title}</title>
      <desc id={`${id}-description`}>{description}</desc>
      <rect className="comedec-map-sea" x="0" y="0" width={width} height={height} />
      {drawing === undefined ? null : (
        <>
          <path className="comedec-map-neighbour" d={drawing.neighbours} />
          <path className="comedec-map-france" d={drawing.france} />
          {drawing.points.map((group) => (
            <path key={group.className} className={`comedec-map-point ${group.className}`} d={group.d} />
          ))}
          {drawing.late.length === 0 ? null : <path className="comedec-map-late" d={drawing.late} />}
          {drawing.sessions.map((session) => (
            <g key={session.label} className={session.className}>
              <title>{session.label}</title>
              <path className="comedec-map-line" d={session.lines} />
              <path className="comedec-map-point" d={session.mairies} />
              <rect className="comedec-map-venue" x={session.venue[0] - 6} y={session.venue[1] - 6} width="12" height="12" />
              <text className="comedec-map-label" x={session.venue[0] + 9} y={session.venue[1] + 4}>
                {session.short}
              </text>
            </g>
          ))}
          {drawing.inset === undefined ? null : (
            <g className="comedec-map-inset">
              <rect className="comedec-map-inset-box" x={width - 124} y="2" width="122" height="122" />
              <path className="comedec-map-france" d={drawing.inset.france} />
              <path className="comedec-map-inset-frame" d={drawing.inset.frame} />
            </g>
          )}
        </>
      )}
    </svg>
  );
};
