// IndexedDB: the autosave (the current graph JSON, one record, written after every change and
// read back on start, so a reload restores the exact graph) and "My blocks" (published groups).

const DB_NAME = 'netwright';
const STORE = 'autosave';
const BLOCKS = 'blocks';
const KEY = 'current';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 2);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
      if (!req.result.objectStoreNames.contains(BLOCKS)) req.result.createObjectStore(BLOCKS);
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

/** One read request in its own transaction. */
async function read(store: string, get: (s: IDBObjectStore) => IDBRequest): Promise<unknown> {
  const d = await db();
  return new Promise((resolve, reject) => {
    const req = get(d.transaction(store, 'readonly').objectStore(store));
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB read failed'));
  });
}

/** One write transaction; resolves when it has committed. */
async function write(store: string, put: (s: IDBObjectStore) => void): Promise<void> {
  const d = await db();
  await new Promise<void>((resolve, reject) => {
    const tx = d.transaction(store, 'readwrite');
    put(tx.objectStore(store));
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB write failed'));
  });
}

export async function loadAutosave(): Promise<Saved | undefined> {
  if (typeof indexedDB === 'undefined') return undefined;
  const v = (await read(STORE, (s) => s.get(KEY))) as { json?: unknown; savedAt?: unknown } | undefined;
  const json = v?.json instanceof Blob ? await v.json.text() : v?.json;
  return typeof json === 'string' ? { json, savedAt: Number(v?.savedAt) || 0 } : undefined;
}

/**
 * Past this many characters the JSON is stored as a Blob: IndexedDB copies a string value in the
 * put() call itself, ~0.1 s of main-thread work for a 10,000-node document (issue #19).
 */
const BLOB_PAST = 256 * 1024;

export async function saveAutosave(json: string): Promise<void> {
  if (typeof indexedDB === 'undefined') return;
  const stored = json.length > BLOB_PAST ? new Blob([json], { type: 'application/json' }) : json;
  await write(STORE, (s) => s.put({ json: stored, savedAt: Date.now() }, KEY));
}

/** A published group as stored: its inner graph as JSON (validated again when read). */
export interface StoredBlock {
  readonly id: string;
  readonly title: string;
  readonly json: string;
  readonly savedAt: number;
}

export async function loadBlocks(): Promise<StoredBlock[]> {
  if (typeof indexedDB === 'undefined') return [];
  const rows = ((await read(BLOCKS, (s) => s.getAll())) as Partial<StoredBlock>[]).filter(
    (r): r is StoredBlock => typeof r?.id === 'string' && typeof r.json === 'string',
  );
  return rows.map((r) => ({ ...r, title: String(r.title ?? 'Block'), savedAt: Number(r.savedAt) || 0 }));
}

export async function saveBlock(block: StoredBlock): Promise<void> {
  if (typeof indexedDB === 'undefined') throw new Error('this browser has no IndexedDB');
  await write(BLOCKS, (s) => s.put(block, block.id));
}

export async function deleteBlock(id: string): Promise<void> {
  if (typeof indexedDB === 'undefined') return;
  await write(BLOCKS, (s) => s.delete(id));
}
