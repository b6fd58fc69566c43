/**
 * The DSFR pagination of a long list read by the platform's cursor: previous, the page's number,
 * next. A screen keeps the cursors of the pages it went through (`useCursorPages`), so "previous"
 * reads the page again rather than relying on a cursor the platform does not give backwards.
 */
import { useState } from "react";

/** The cursors of the pages gone through: the first page's is `undefined`. */
export const useCursorPages = () => {
  const [cursors, setCursors] = useState<ReadonlyArray<string | undefined>>([undefined]);
  return {
    /** The current page's cursor. */
    current: cursors[cursors.length - 1],
    number: cursors.length,
    /** Back to the first page (a new search). */
    reset: () => setCursors([undefined]),
    /** Goes forward to the page of `cursor`; answers it. */
    forward: (cursor: string) => {
      setCursors([...cursors, cursor]);
      return cursor;
    },
    /** Goes back one page; answers that page's cursor. */
    back: () => {
      const previous = cursors.slice(0, -1);
      setCursors(previous);
      return previous[previous.length - 1];
    },
  };
};

/** Previous page, the page's number, next page. */
export const Pagination = ({
  label,
  number,
  hasPrevious,
  hasNext,
  onPrevious,
  onNext,
}: {
  /** What is paged, for the navigation's name ("Pagination des conventions"). */
  readonly label: string;
  readonly number: number;
  readonly hasPrevious: boolean;
  readonly hasNext: boolean;
  readonly onPrevious: () => void;
  readonly onNext: () => void;
}) => (
  <nav className="fr-pagination" aria-label={label}>
    <ul className="fr-pagination__list">
      <li>
        <button
          type="button"
          className="fr-pagination__link fr-pagination__link--prev fr-pagination__link--lg-label"
          disabled={!hasPrevious}
          onClick={onPrevious}
        >
          Page précédente
        </button>
      </li>
      <li>
        <span className="fr-pagination__link" aria-current="page">
          Page {number}
        </span>
      </li>
      <li>
        <button type="button" className="fr-pagination__link fr-pagination__link--next fr-pagination__link--lg-label" disabled={!hasNext} onClick={onNext}>
          Page suivante
        </button>
      </li>
    </ul>
  </nav>
);
