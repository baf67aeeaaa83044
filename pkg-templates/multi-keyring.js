// MultiKeyring: a generator and children of any kind. When every member is a WebAssembly keyring
// (RawAesKeyring, RawRsaKeyring, an all-WebAssembly MultiKeyring) it is the core's multi-keyring,
// synchronous, used by the core directly. With a JavaScript member (KmsKeyring, a custom keyring)
// it is a JavaScript keyring with the same rules: the generator makes the data key and wraps it,
// every child wraps it too; on decryption the members are tried in order (generator first), the
// first data key wins, and if none is found the members' failures are reported together.

import { requireInit, codedError } from './runtime.js';
import {
  checkKeyring,
  isWasmKeyring,
  keyringName,
  noMatchingKey,
  readOptions,
  runOnDecrypt,
  runOnEncrypt,
  typeError,
  describe,
} from './keyring-protocol.js';
// The WebAssembly core, every call guarded against a trap (runtime.js).
import { core as wasm } from './runtime.js';

/** A keyring of keyrings: the generator makes the data key, and every member can decrypt. */
export class MultiKeyring {
  /** The core's multi-keyring, when every member is a WebAssembly keyring. */
  #core;
  /** Otherwise: `{ keyring, name }` for the generator (or null) and each child. */
  #generator = null;
  #children = [];

  /** @param {{ generator?: object, children?: object[] }} options */
  constructor(options) {
    requireInit('MultiKeyring');
    const o = readOptions(options, 'MultiKeyring', ['generator', 'children'], true);
    const children = o.children ?? [];
    if (!Array.isArray(children)) {
      throw typeError(`MultiKeyring: options.children must be an array of keyrings, got ${describe(children)}`);
    }
    if (o.generator !== undefined) checkKeyring(o.generator, 'MultiKeyring: options.generator');
    children.forEach((child, i) => checkKeyring(child, `MultiKeyring: options.children[${i}]`));
    const members = [...(o.generator === undefined ? [] : [o.generator]), ...children];
    if (members.every(isWasmKeyring)) {
      const core = new wasm.MultiKeyring(options); // the core checks the rest (at least one member)
      this.#core = core;
      // Own property: only an all-WebAssembly multi-keyring is one the core can run itself.
      Object.defineProperty(this, '__keyringHandle', { value: () => core.__keyringHandle() });
      return;
    }
    // WebAssembly members are pinned in a one-member core multi-keyring (a new reference to the
    // same keyring), so that, as with the core's multi-keyring, freeing a member later does not
    // break this one. A generator-less one only wraps an existing key, as a child must.
    const pin = (keyring, asGenerator) => ({
      name: keyringName(keyring),
      keyring: isWasmKeyring(keyring)
        ? new wasm.MultiKeyring(asGenerator ? { generator: keyring } : { children: [keyring] })
        : keyring,
    });
    if (o.generator !== undefined) this.#generator = pin(o.generator, true);
    this.#children = children.map((child) => pin(child, false));
  }

  /** Generates the data key with the generator (unless one is set) and wraps it with every member. */
  async onEncrypt(materials) {
    if (this.#core) {
      materials.wrapWith(this);
      return;
    }
    if (this.#generator) {
      await runOnEncrypt(this.#generator.keyring, materials);
    } else if (!materials.hasDataKey) {
      throw codedError(
        'INVALID_ARGUMENT',
        'invalid argument: a multi-keyring without a generator cannot encrypt unless a data key is already set',
      );
    }
    for (const child of this.#children) await runOnEncrypt(child.keyring, materials);
  }

  /**
   * The data key from the first member that has it, or null if no member has an encrypted data key
   * of the message; NO_MATCHING_KEY (with `errors`) if members failed and none succeeded.
   */
  async onDecrypt(materials, encryptedDataKeys) {
    if (this.#core) return wasm.unwrapDataKey(this, materials, encryptedDataKeys) ?? null;
    const failures = [];
    for (const member of [...(this.#generator ? [this.#generator] : []), ...this.#children]) {
      try {
        const key = await runOnDecrypt(member.keyring, materials, encryptedDataKeys);
        if (key) return key;
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length === 0) return null;
    throw noMatchingKey(failures);
  }

  /** `multi-keyring [member, member, ...]`. */
  toString() {
    if (this.#core) return this.#core.toString();
    const members = [...(this.#generator ? [this.#generator] : []), ...this.#children];
    return `multi-keyring [${members.map((m) => m.name).join(', ')}]`;
  }

  /** Releases its WebAssembly memory now (the garbage collector does it eventually otherwise). */
  free() {
    for (const held of [this.#core, this.#generator?.keyring, ...this.#children.map((c) => c.keyring)]) {
      if (held && held instanceof wasm.MultiKeyring) {
        try {
          held.free();
        } catch {
          // freed already
        }
      }
    }
  }
}

if (Symbol.dispose) MultiKeyring.prototype[Symbol.dispose] = MultiKeyring.prototype.free;
