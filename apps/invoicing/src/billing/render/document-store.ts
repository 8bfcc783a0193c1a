/**
 * Where rendered documents are kept, behind a port: a folder here (a local directory, or a volume
 * on Kubernetes: the ratel-documents PersistentVolumeClaim). An S3-compatible store implements the
 * same three calls (PutObject, GetObject, HeadObject on `<bucket>/<key>`); README "Document store".
 *
 * Keys are relative paths of safe segments ([A-Za-z0-9._-], no "..", at most
 * DOCUMENT_KEY_MAX_LENGTH): legal entity / year / number.kind.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export const DOCUMENT_KEY_MAX_LENGTH = 256;
const KEY_PATTERN = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

export interface DocumentStore {
  put(key: string, bytes: Buffer): Promise<void>;
  get(key: string): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
}

export function assertDocumentKey(key: string): void {
  if (key.length > DOCUMENT_KEY_MAX_LENGTH || !KEY_PATTERN.test(key) || key.split('/').some((s) => s === '.' || s === '..'))
    throw new RangeError(`document key ${JSON.stringify(key.slice(0, 80))}: relative path of [A-Za-z0-9._-] segments`);
}

/** A folder: each write goes to a temporary file renamed into place, so a reader never sees half a file. */
export class FsDocumentStore implements DocumentStore {
  constructor(private readonly root: string) {}

  async put(key: string, bytes: Buffer): Promise<void> {
    assertDocumentKey(key);
    const path = join(this.root, key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  }

  async get(key: string): Promise<Buffer> {
    assertDocumentKey(key);
    return readFile(join(this.root, key));
  }

  async exists(key: string): Promise<boolean> {
    assertDocumentKey(key);
    return stat(join(this.root, key)).then(
      () => true,
      () => false,
    );
  }
}

/** The key of a rendition: legal entity / issue year / number with the kind's extension. */
export function renditionKey(p: { legalEntityId: string; issueDate: string; number: string; kind: 'PDF' | 'UBL' }): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return `${safe(p.legalEntityId)}/${p.issueDate.slice(0, 4)}/${safe(p.number)}.${p.kind === 'PDF' ? 'pdf' : 'xml'}`;
}
