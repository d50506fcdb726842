// The playground's last model, handed to the model view: checkpoint bytes in IndexedDB (a model of
// a few megabytes does not fit sessionStorage), under one key, with the time it was stored.

const DB = "rnnlab";
const STORE = "checkpoints";
export const PLAYGROUND_KEY = "playground";

export interface StoredCheckpoint {
  bytes: Uint8Array;
  /** Date.now() when stored. */
  saved: number;
  /** What it was trained on, for the page to say. */
  label: string;
}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () =>
      reject(new Error(`the browser's storage cannot be opened: ${request.error?.message}`));
  });
}

async function transact<T>(
  mode: IDBTransactionMode,
  act: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const request = act(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(new Error(`the browser's storage failed: ${request.error?.message}`));
    });
  } finally {
    db.close();
  }
}

export function storeCheckpoint(key: string, checkpoint: StoredCheckpoint): Promise<IDBValidKey> {
  return transact("readwrite", (store) => store.put(checkpoint, key));
}

/** The checkpoint stored under `key`, or null (none stored, or no storage in this browser). */
export async function storedCheckpoint(key: string): Promise<StoredCheckpoint | null> {
  if (typeof indexedDB === "undefined") return null;
  const found = await transact<StoredCheckpoint | undefined>("readonly", (store) => store.get(key));
  return found ?? null;
}

/** Stores the playground's model (`bytes`, from TrainingClient.checkpoint()) and opens the model
 *  view on it. */
export async function openInModelView(bytes: Promise<Uint8Array>, label: string): Promise<void> {
  await storeCheckpoint(PLAYGROUND_KEY, { bytes: await bytes, saved: Date.now(), label });
  location.assign(`./?view=model&checkpoint=${PLAYGROUND_KEY}`);
}
