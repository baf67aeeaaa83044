// The page's shared state: the master keys it knows and which ones encrypt.
//
// KMS keys come from the demo key service (they live there; the page only knows their ids).
// Raw keys are generated in this page and kept in its memory only: a reload forgets them (save
// the RSA private key PEM to decrypt later), as an application holding its own keys would have
// to store them somewhere safe.

const listeners = new Set();

export const state = {
  /** @type {Array<{ keyId: string, arn: string, keyState: string, description: string, created: number, deletionDate?: number, aliases: string[], rotation: boolean, versions: number }>} */
  kmsKeys: [],
  /** @type {Array<{ id: string, kind: 'aes' | 'rsa', namespace: string, name: string, key?: Uint8Array, publicKey?: string, privateKey?: string, bits?: number }>} */
  rawKeys: [],
  /** Ids (`kms:ARN`, `raw:ID`) of the master keys chosen for encryption, in the order chosen. */
  selected: [],
};

export const onChange = (fn) => listeners.add(fn);
export const changed = () => listeners.forEach((fn) => fn());

export const kmsId = (key) => `kms:${key.arn}`;
export const rawId = (key) => `raw:${key.id}`;

/** A master key's short label: its first alias, or its id. */
export function kmsLabel(key) {
  return key.aliases[0] ?? key.keyId;
}

export function rawLabel(key) {
  if (key.kind === 'aes') return `AES-256 ${key.namespace}/${key.name}`;
  return `RSA-${key.bits ?? '?'} ${key.namespace}/${key.name}${key.privateKey ? '' : ' (public key only)'}`;
}

function member(id, purpose) {
  if (id.startsWith('kms:')) {
    const key = state.kmsKeys.find((k) => kmsId(k) === id);
    return key ? { kind: 'kms', keyId: key.arn, label: kmsLabel(key) } : null;
  }
  const key = state.rawKeys.find((k) => rawId(k) === id);
  if (!key) return null;
  if (key.kind === 'aes') return { kind: 'aes', namespace: key.namespace, name: key.name, key: key.key, label: rawLabel(key) };
  if (purpose === 'decrypt' && !key.privateKey) return null;
  return {
    kind: 'rsa',
    namespace: key.namespace,
    name: key.name,
    label: rawLabel(key),
    ...(purpose === 'encrypt' ? { publicKey: key.publicKey } : { privateKey: key.privateKey }),
  };
}

/** The chosen master keys, the first being the generator. */
export function encryptMembers() {
  return state.selected.map((id) => member(id, 'encrypt')).filter(Boolean);
}

/** Every master key that can decrypt: a KMS discovery keyring (it asks the key service to
 * decrypt each KMS-wrapped data key of the message, whatever the key: the service says why it
 * refuses), the AES keys and the RSA keys with a private key. */
export function decryptMembers() {
  return [{ kind: 'kms-discovery', label: 'KMS discovery' }, ...state.rawKeys.map((k) => member(rawId(k), 'decrypt')).filter(Boolean)];
}

/** Removes selections whose key is gone. */
export function pruneSelection() {
  const known = new Set([...state.kmsKeys.map(kmsId), ...state.rawKeys.map(rawId)]);
  state.selected = state.selected.filter((id) => known.has(id));
}
