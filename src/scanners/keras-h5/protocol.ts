/** Messages between the H5 scanner and its isolated reader (worker.ts). */
export interface H5Request {
  id: number;
  /** Absolute path of the file to open (h5wasm's node build reads real paths only). */
  path: string;
  /** Root attributes to read. */
  attributes: string[];
  /** Largest attribute value read, in bytes of its stored form. */
  maxAttrBytes: number;
}

export type H5AttrValue = { kind: 'text'; text: string } | { kind: 'too-large'; bytes: number } | { kind: 'not-text'; type: string };

export type H5Reply =
  | { id: number; ok: true; attributes: Record<string, H5AttrValue>; rootAttributeNames: string[] }
  /** `fatal`: the wasm module aborted; its state cannot be trusted and the worker must be replaced. */
  | { id: number; ok: false; message: string; fatal: boolean };
