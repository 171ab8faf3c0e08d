// Undo/redo over an immutable document. Every edit is a named command: an immer recipe run through
// `produceWithPatches`, so history stores only patches (small, and structurally shared documents
// keep the analysis memo warm). Pure: no React, no DOM. Selection and viewport never enter history.

import { applyPatches, type Draft, enablePatches, type Patch, produceWithPatches } from 'immer';

enablePatches();

export interface HistoryEntry {
  /** What the user did ("Add Dense", "Delete 3 nodes"), shown in the undo/redo tooltips. */
  readonly label: string;
  readonly patches: readonly Patch[];
  readonly inverse: readonly Patch[];
  /** Consecutive commits with the same key inside the coalescing window merge into one step. */
  readonly coalesce: string | undefined;
  /** Time of the last commit merged into this entry (ms). */
  readonly at: number;
}

export interface History<T> {
  readonly present: T;
  /** Oldest first. */
  readonly past: readonly HistoryEntry[];
  /** Next redo first. */
  readonly future: readonly HistoryEntry[];
  readonly limit: number;
}

/** A recipe either mutates the draft or returns a whole new document (e.g. "Load template"). */
export type Recipe<T> = (draft: Draft<T>) => T | undefined;

export interface CommitOptions {
  /** Merge with the previous step when it has the same key and is at most `windowMs` old. */
  readonly coalesce?: string;
  readonly now?: number;
  readonly windowMs?: number;
}

export const COALESCE_WINDOW_MS = 1000;

export function createHistory<T>(present: T, limit = 500): History<T> {
  return { present, past: [], future: [], limit };
}

/** Runs `recipe` on the present document and records it as one undoable step. */
export function commit<T>(
  h: History<T>,
  label: string,
  recipe: Recipe<T>,
  opts: CommitOptions = {},
): History<T> {
  const [next, patches, inverse] = produceWithPatches(h.present, recipe as (d: Draft<T>) => void);
  if (patches.length === 0) return h;
  const now = opts.now ?? Date.now();
  const last = h.past[h.past.length - 1];
  if (
    opts.coalesce !== undefined &&
    last?.coalesce === opts.coalesce &&
    h.future.length === 0 &&
    now - last.at <= (opts.windowMs ?? COALESCE_WINDOW_MS)
  ) {
    const merged: HistoryEntry = {
      label: last.label,
      patches: [...last.patches, ...patches],
      inverse: [...inverse, ...last.inverse],
      coalesce: last.coalesce,
      at: now,
    };
    return { ...h, present: next as T, past: [...h.past.slice(0, -1), merged], future: [] };
  }
  const entry: HistoryEntry = { label, patches, inverse, coalesce: opts.coalesce, at: now };
  const past = [...h.past, entry];
  return {
    ...h,
    present: next as T,
    past: past.length > h.limit ? past.slice(past.length - h.limit) : past,
    future: [],
  };
}

/** Ends the current coalescing run, so the next commit starts a new step (e.g. on input blur). */
export function seal<T>(h: History<T>): History<T> {
  const last = h.past[h.past.length - 1];
  if (!last || last.coalesce === undefined) return h;
  return { ...h, past: [...h.past.slice(0, -1), { ...last, coalesce: undefined }] };
}

export const canUndo = (h: History<unknown>): boolean => h.past.length > 0;
export const canRedo = (h: History<unknown>): boolean => h.future.length > 0;

export function undo<T>(h: History<T>): History<T> {
  const last = h.past[h.past.length - 1];
  if (!last) return h;
  return {
    ...h,
    present: applyPatches(h.present as object, last.inverse as Patch[]) as T,
    past: h.past.slice(0, -1),
    future: [{ ...last, coalesce: undefined }, ...h.future],
  };
}

export function redo<T>(h: History<T>): History<T> {
  const next = h.future[0];
  if (!next) return h;
  return {
    ...h,
    present: applyPatches(h.present as object, next.patches as Patch[]) as T,
    past: [...h.past, next],
    future: h.future.slice(1),
  };
}

export const undoLabel = (h: History<unknown>): string | undefined => h.past[h.past.length - 1]?.label;
export const redoLabel = (h: History<unknown>): string | undefined => h.future[0]?.label;
