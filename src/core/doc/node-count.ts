// Counts the nodes of graph JSON text while it streams in, without building the objects, so an
// oversized file or share link is refused before JSON.parse (or the inflater) has to finish:
// a 60,000-node chain is 7.5 MB of text, and parsing it whole holds the tab for a second or more.
//
// It counts what `countNodes` in parse.ts counts — the keys of the top-level `nodes` record and of
// every group's `graph.nodes` up to the group-depth limit — by tracking, for each open container,
// which of those roles it plays. Text that is not valid JSON is counted as far as it goes; the
// parser reports its syntax afterwards.

/** What an open object or array is, for counting. */
/**
 * `nodes`: a nodes record (each key is a node); `node`: one node record (its `graph` may hold a
 * group's inside); `graph`: a group's graph (its `nodes` is counted).
 */
type Role = 'other' | 'root' | 'nodes' | 'node' | 'graph';

interface Frame {
  readonly role: Role;
  /** Group nesting of the nodes this frame belongs to (0: top level). */
  readonly depth: number;
  readonly isObject: boolean;
}

export class NodeCounter {
  /** Nodes seen so far. */
  count = 0;
  private readonly stack: Frame[] = [];
  private inString = false;
  private escaped = false;
  /** Characters of the string being read, kept only when it may be a key that matters. */
  private text = '';
  private keepText = false;
  /** The last complete string, and whether it was an object key (followed by ':'). */
  private lastString = '';
  private pendingKey: string | undefined;
  /** True when the next string in the current object is a key. */
  private expectKey = false;

  constructor(private readonly maxGroupDepth: number) {}

  /** Reads the next piece of text; returns the count so far. */
  feed(chunk: string): number {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c /* \ */) this.escaped = true;
        else if (c === 0x22 /* " */) {
          this.inString = false;
          this.lastString = this.text;
          this.text = '';
          continue;
        }
        if (this.keepText && this.text.length < 8) this.text += chunk[i];
        continue;
      }
      switch (c) {
        case 0x22: {
          this.inString = true;
          const top = this.stack.at(-1);
          // Only keys are kept, and only short ones ("nodes", "graph") matter.
          this.keepText = this.expectKey;
          this.text = '';
          if (this.expectKey && top?.role === 'nodes') this.count++;
          break;
        }
        case 0x3a /* : */:
          this.pendingKey = this.lastString;
          this.expectKey = false;
          break;
        case 0x2c /* , */:
          this.pendingKey = undefined;
          this.expectKey = this.stack.at(-1)?.isObject ?? false;
          break;
        case 0x7b /* { */:
          this.stack.push({ ...this.childRole(), isObject: true });
          this.pendingKey = undefined;
          this.expectKey = true;
          break;
        case 0x5b /* [ */:
          this.stack.push({ role: 'other', depth: 0, isObject: false });
          this.pendingKey = undefined;
          this.expectKey = false;
          break;
        case 0x7d /* } */:
        case 0x5d /* ] */:
          this.stack.pop();
          this.pendingKey = undefined;
          this.expectKey = false;
          break;
      }
    }
    return this.count;
  }

  /** The role of an object opened as the value of `pendingKey` in the current container. */
  private childRole(): Pick<Frame, 'role' | 'depth'> {
    const parent = this.stack.at(-1);
    const key = this.pendingKey;
    if (!parent) return { role: 'root', depth: 0 };
    if (!parent.isObject) return { role: 'other', depth: 0 };
    switch (parent.role) {
      case 'root':
        return key === 'nodes' ? { role: 'nodes', depth: 0 } : { role: 'other', depth: 0 };
      case 'nodes':
        return { role: 'node', depth: parent.depth };
      case 'node':
        return key === 'graph' && parent.depth < this.maxGroupDepth
          ? { role: 'graph', depth: parent.depth + 1 }
          : { role: 'other', depth: 0 };
      case 'graph':
        return key === 'nodes' ? { role: 'nodes', depth: parent.depth } : { role: 'other', depth: 0 };
      default:
        return { role: 'other', depth: 0 };
    }
  }
}

/** Nodes in graph JSON text, counting no further than past `limit`. */
export function countNodesInText(text: string, limit: number, maxGroupDepth: number): number {
  const counter = new NodeCounter(maxGroupDepth);
  // Slices of 64 KiB, so a huge document stops being read once the limit is passed.
  for (let at = 0; at < text.length && counter.count <= limit; at += 1 << 16)
    counter.feed(text.slice(at, at + (1 << 16)));
  return counter.count;
}
