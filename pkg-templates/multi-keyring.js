// MultiKeyring: a generator and children of any kind, always the core's multi-keyring. Members the
// core cannot run itself (an application's own keyring) are in it as ForeignKeyrings: when a step
// reaches one, keyring-protocol.js finds it here (MEMBERS) and calls it.

// `core as wasm`: the WebAssembly core, every call guarded against a trap.
import { core as wasm, requireInit } from './runtime.js';
import { MEMBERS, checkKeyring, coreKeyringOf, describe, readOptions, typeError, withKeyringInterface } from './keyring-protocol.js';

/** A keyring of keyrings: the generator makes the data key, and every member can decrypt. */
export class MultiKeyring extends withKeyringInterface() {
  /** The core's multi-keyring. */
  #core;
  /** The members as given: the generator (if any), then the children. */
  #members;

  /** @param {{ generator?: object, children?: object[] }} options */
  constructor(options) {
    requireInit('MultiKeyring');
    super();
    const o = readOptions(options, 'MultiKeyring', ['generator', 'children'], true);
    const children = o.children ?? [];
    if (!Array.isArray(children)) {
      throw typeError(`MultiKeyring: options.children must be an array of keyrings, got ${describe(children)}`);
    }
    if (o.generator !== undefined) checkKeyring(o.generator, 'MultiKeyring: options.generator');
    children.forEach((child, i) => checkKeyring(child, `MultiKeyring: options.children[${i}]`));
    const generator = o.generator === undefined ? undefined : coreKeyringOf(o.generator);
    const cores = children.map(coreKeyringOf);
    try {
      this.#core = new wasm.MultiKeyring({ generator, children: cores }); // the core checks the rest
    } finally {
      // The core holds its own references: the foreign stand-ins can go.
      for (const [core, given] of [[generator, o.generator], ...cores.map((c, i) => [c, children[i]])]) {
        if (core !== given) core?.free();
      }
    }
    this.#members = [...(o.generator === undefined ? [] : [o.generator]), ...children];
  }

  /** @internal The core's handle to this keyring. */
  __keyringHandle() {
    return this.#core.__keyringHandle();
  }

  /** @internal The members, as the core numbers them. */
  get [MEMBERS]() {
    return this.#members;
  }

  /** `multi-keyring [member, member, ...]`. */
  toString() {
    return this.#core.toString();
  }

  /** Releases its WebAssembly memory now (the garbage collector does it eventually otherwise). */
  free() {
    try {
      this.#core.free();
    } catch {
      // freed already
    }
  }
}

if (Symbol.dispose) MultiKeyring.prototype[Symbol.dispose] = MultiKeyring.prototype.free;
