/**
 * DocumentBytes on a local folder (or a Kubernetes volume): a key is a relative path under the root.
 * Keys that would leave the root are refused.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import type { DocumentBytes } from './ports';

export class FsDocumentBytes implements DocumentBytes {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async get(key: string): Promise<Uint8Array> {
    const path = resolve(this.root, key);
    const rel = relative(this.root, path);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel))
      throw new RangeError(`document key outside the store: ${JSON.stringify(key)}`);
    return new Uint8Array(await readFile(path));
  }
}
