// Autosave: the current graph JSON in IndexedDB (one record), written after every change and
// read back on start, so a reload restores the exact graph.

const DB_NAME = 'netwright';
const STORE = 'autosave';
const KEY = 'current';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB failed to open'));
  });
}

let dbPromise: Promise<IDBDatabase> | undefined;
const db = () => {
  dbPromise ??= open();
  dbPromise.catch(() => {
    dbPromise = undefined;
  });
  return dbPromise;
};

export interface Saved {
  readonly json: string;
  readonly savedAt: number;
}

export async function loadAutosave(): Promise<Saved | undefined> {
  if (typeof indexedDB === 'undefined') return undefined;
  const d = await db();
  return new Promise((resolve, reject) => {
    const req = d.transaction(STORE, 'readonly').objectStore(STORE).get(KEY);
    req.onsuccess = () => {
      const v = req.result as Partial<Saved> | undefined;
      resolve(
        v && typeof v.json === 'string' ? { json: v.json, savedAt: Number(v.savedAt) || 0 } : undefined,
      );
    };
    req.onerror = () => reject(req.error ?? new Error('IndexedDB read failed'));
  });
}

export async function saveAutosave(json: string): Promise<void> {
  if (typeof indexedDB === 'undefined') return;
  const d = await db();
  await new Promise<void>((resolve, reject) => {
    const tx = d.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).put({ json, savedAt: Date.now() } satisfies Saved, KEY);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB write failed'));
  });
}
