// Builds envseal keyrings in the Worker from the page's description of the chosen master keys.
// Keyrings hold WebAssembly memory, so they cannot be posted between threads: the page sends
// what they are made of and the Worker makes them.
//
// member = { kind: 'kms', keyId }                               a demo key service key (ARN)
//        | { kind: 'kms-discovery' }                            any key of it (decrypt only)
//        | { kind: 'aes', namespace, name, key: Uint8Array }    a raw AES wrapping key
//        | { kind: 'rsa', namespace, name, publicKey?, privateKey? }   PEM; OAEP-SHA256
//
// KMS keys are reached through the page, which runs the demo key service: the KmsKeyring's
// transport posts each KMS JSON request over a MessagePort (see js/kms-client.js for why).

// A namespace import: a keyring class this build of the package lacks fails only when used.
import * as envseal from '../pkg/index.js';

export const RSA_PADDING = 'oaep-sha256';

/** A KMS transport `(operation, input) => Promise<output>` that asks the page over `port`. */
export function portTransport(port) {
  let next = 0;
  const pending = new Map();
  port.onmessage = ({ data }) => {
    const call = pending.get(data.id);
    if (!call) return;
    pending.delete(data.id);
    if (data.ok) call.resolve(data.output);
    else call.reject(Object.assign(new Error(data.error.message), data.error));
  };
  return (operation, input) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      port.postMessage({ id, operation, input });
    });
}

function memberKeyring(member, kms) {
  switch (member.kind) {
    case 'kms':
      return new envseal.KmsKeyring({ keyId: member.keyId, transport: kms.transport });
    case 'kms-discovery':
      return new envseal.KmsKeyring({ discovery: true, transport: kms.transport });
    case 'aes':
      return new envseal.RawAesKeyring({ keyNamespace: member.namespace, keyName: member.name, wrappingKey: member.key });
    case 'rsa':
      return new envseal.RawRsaKeyring({
        keyNamespace: member.namespace,
        keyName: member.name,
        ...(member.publicKey ? { publicKey: member.publicKey } : {}),
        ...(member.privateKey ? { privateKey: member.privateKey } : {}),
        padding: RSA_PADDING,
      });
    default:
      throw new TypeError(`unknown master key kind ${JSON.stringify(member.kind)}`);
  }
}

/**
 * The keyring for `members`: one member alone, or a MultiKeyring. To encrypt, the first member
 * generates the data key and every other one wraps it too; to decrypt, any member that holds one
 * of the message's wrapping keys can unwrap it.
 * @param {{ members: object[], purpose: 'encrypt' | 'decrypt' }} spec
 * @param {{ transport: (operation: string, input: object) => Promise<object> }} kms
 */
export function buildKeyring({ members, purpose }, kms) {
  if (members.length === 0) {
    const error = new Error(
      purpose === 'encrypt'
        ? 'choose at least one master key to encrypt with (section 1)'
        : 'there are no master keys to decrypt with: create or generate one in section 1',
    );
    error.code = 'NO_KEYS';
    throw error;
  }
  const keyrings = members.map((m) => memberKeyring(m, kms));
  if (keyrings.length === 1) return keyrings[0];
  return purpose === 'encrypt'
    ? new envseal.MultiKeyring({ generator: keyrings[0], children: keyrings.slice(1) })
    : new envseal.MultiKeyring({ children: keyrings });
}
