// envseal/node: files and Node streams, on top of envseal's Web Streams. Node 20+ only.

import type { Transform } from 'node:stream';

import type {
  DecryptStreamOptions,
  EncryptStreamOptions,
  Keyring,
  MessageHeader,
  MessageStream,
  decryptStream,
  encryptStream,
} from './index.js';

/** A file's path: a string or a `file:` URL. */
export type FilePath = string | URL;

/** What {@link encryptFile} and {@link decryptFile} resolve with. */
export interface FileResult {
  /** The message header (as `encryptStream`/`decryptStream`'s `header`). */
  header: MessageHeader;
  /** Bytes read from the input file. */
  bytesRead: number;
  /** Bytes written to the output file. */
  bytesWritten: number;
}

/** How a file is written, besides the stream's own options. */
export interface FileOptions {
  /** Replace `output` if it exists (atomically, by a rename). Default `false`: `OUTPUT_EXISTS`. */
  overwrite?: boolean;
}

/**
 * Encrypts the file at `input` into one message at `output`, streaming (memory bounded by a few
 * frames whatever the file's size):
 *
 * ```ts
 * import { init, RawAesKeyring } from 'envseal';
 * import { encryptFile } from 'envseal/node';
 * await init();
 * const { header } = await encryptFile(keyring, 'report.pdf', 'report.pdf.enc', {
 *   encryptionContext: { file: 'report.pdf' },
 * });
 * ```
 *
 * The message is written to a temporary file next to `output` (`.<name>.<random>.envseal-partial`,
 * mode 0600), synced, and moved to `output` only when complete; on any failure it is deleted and
 * the error rethrown. File errors are Node's (`code` `ENOENT`, `EACCES`, `EISDIR`, ...).
 *
 * @throws `OUTPUT_EXISTS` if `output` exists and `overwrite` is not set; for bad arguments, as
 *   {@link encryptStream} does (naming `encryptFile`), before any file is opened.
 */
export function encryptFile(
  keyring: Keyring,
  input: FilePath,
  output: FilePath,
  options?: EncryptStreamOptions & FileOptions,
): Promise<FileResult>;

/**
 * Decrypts the message in the file at `input` into `output`, streaming. Unlike {@link decryptStream},
 * nothing is released early: `output` appears only once every frame and the end of the message
 * verified (for signed suites, the signature too); before that the plaintext exists only in a
 * temporary file next to `output` (mode 0600), deleted on any failure.
 *
 * ```ts
 * const { header } = await decryptFile(keyring, 'report.pdf.enc', 'report.pdf', {
 *   encryptionContext: { file: 'report.pdf' },
 * });
 * ```
 *
 * @throws as {@link decryptStream}'s stream errors (`DECRYPT_FAILED`, `TRUNCATED`, ...), Node's
 *   file errors, or `OUTPUT_EXISTS`.
 */
export function decryptFile(
  keyring: Keyring,
  input: FilePath,
  output: FilePath,
  options?: DecryptStreamOptions & FileOptions,
): Promise<FileResult>;

/** A Node `Transform` stream with the message header as a promise (as {@link MessageStream}'s). */
export interface MessageTransform extends Transform {
  readonly header: Promise<MessageHeader>;
}

/**
 * {@link encryptStream} as a Node stream, for `pipeline`:
 *
 * ```ts
 * import { pipeline } from 'node:stream/promises';
 * await pipeline(request, createEncryptStream(keyring), createWriteStream('upload.enc'));
 * ```
 */
export function createEncryptStream(keyring: Keyring, options?: EncryptStreamOptions): MessageTransform;

/**
 * {@link decryptStream} as a Node stream, for `pipeline`. Like `decryptStream`, it passes on each
 * frame once that frame's tag verified, before the end of the message (and a signature) is
 * checked: a consumer that must not act on unverified data writes to a temporary place and uses
 * the result only when `pipeline` resolves (or uses {@link decryptFile}).
 */
export function createDecryptStream(keyring: Keyring, options?: DecryptStreamOptions): MessageTransform;
