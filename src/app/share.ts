// Share links: the graph JSON, deflate-raw compressed (the browser's CompressionStream) and
// base64url-encoded into the URL hash (`#g=…`), so the graph never reaches a server.
// Decoding is bounded: a hostile link cannot inflate past MAX_GRAPH_BYTES.

import { NodeCounter } from '../core/doc/node-count.ts';
import { MAX_FILE_GROUP_DEPTH, MAX_GRAPH_NODES, tooManyNodesMessage } from '../core/doc/parse.ts';
import { MAX_GRAPH_BYTES } from './actions.ts';

export const SHARE_PREFIX = '#g=';

export function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('the link holds characters that are not base64url');
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Reads a stream whole, up to `limit` bytes; `onChunk` sees each chunk and may throw to stop early. */
async function readAll(
  stream: ReadableStream<Uint8Array>,
  limit: number,
  onChunk?: (chunk: Uint8Array) => void,
): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new Error(`the graph inflates past ${Math.round(limit / 1024 / 1024)} MB`);
    }
    try {
      onChunk?.(value);
    } catch (e) {
      await reader.cancel();
      throw e;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function pipe(
  bytes: Uint8Array,
  transform: CompressionStream | DecompressionStream,
): ReadableStream<Uint8Array> {
  const source = new Blob([bytes as BlobPart]).stream();
  return source.pipeThrough(transform as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
}

/** Graph JSON → the hash part of a share link (`#g=…`). */
export async function encodeShareHash(json: string): Promise<string> {
  const packed = await readAll(
    pipe(new TextEncoder().encode(json), new CompressionStream('deflate-raw')),
    Infinity,
  );
  return SHARE_PREFIX + toBase64Url(packed);
}

/**
 * The hash of a share link → graph JSON text. Throws an Error that says what is wrong. The text is
 * decoded and its nodes counted while it inflates, so a link past MAX_GRAPH_NODES is refused
 * without inflating or parsing the rest.
 */
export async function decodeShareHash(hash: string): Promise<string> {
  if (!hash.startsWith(SHARE_PREFIX)) throw new Error('the link has no graph in it (#g=…)');
  const body = hash.slice(SHARE_PREFIX.length);
  if (body.length > MAX_GRAPH_BYTES) throw new Error('the link is too long');
  const bytes = fromBase64Url(body);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const counter = new NodeCounter(MAX_FILE_GROUP_DEPTH);
  const parts: string[] = [];
  const readText = (chunk: Uint8Array | undefined) => {
    let text: string;
    try {
      text = chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch {
      throw new LinkError('the link is damaged (its text is not UTF-8)');
    }
    parts.push(text);
    if (counter.feed(text) > MAX_GRAPH_NODES) throw new LinkError(lowerFirst(tooManyNodesMessage()));
  };
  try {
    await readAll(pipe(bytes, new DecompressionStream('deflate-raw')), MAX_GRAPH_BYTES, readText);
    readText(undefined);
  } catch (e) {
    if (e instanceof LinkError) throw new Error(e.message.replace(/\.$/, ''));
    const msg = (e as Error)?.message ?? String(e);
    throw new Error(
      msg.startsWith('the graph inflates') ? msg : 'the link is damaged (it does not decompress)',
    );
  }
  return parts.join('');
}

/** A problem found in the link's text (not in its compression), reported as it is. */
class LinkError extends Error {}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
