/**
 * @comedec/commune-reference — the reference list of French communes, ready to import.
 */

/** Reading and joining the reference sources. */
export * as ReferenceList from "./ReferenceList.js";
