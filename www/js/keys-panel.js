// The demo key service console: create keys and aliases, rotate, disable and enable, schedule
// and cancel deletion. Every action is a KMS JSON call, so each shows up in the audit log.

import { $, announce, el, timeCell } from './dom.js';
import { errorSummary } from './header-view.js';
import { changed, kmsId, kmsLabel, onChange, pruneSelection, state } from './state.js';

const PENDING_WINDOW_DAYS = 7;

/** @type {{ call: (op: string, input?: object) => Promise<any> }} */
let kms;

/** Reads one key's metadata, aliases, rotation status and material versions from the service. */
async function readKey(keyId, aliasesByKey) {
  const { KeyMetadata: m } = await kms.call('DescribeKey', { KeyId: keyId });
  const [rotation, rotations] = await Promise.all([
    kms.call('GetKeyRotationStatus', { KeyId: m.KeyId }),
    kms.call('ListKeyRotations', { KeyId: m.KeyId }),
  ]);
  return {
    keyId: m.KeyId,
    arn: m.Arn,
    keyState: m.KeyState,
    description: m.Description ?? '',
    created: m.CreationDate,
    deletionDate: m.DeletionDate,
    aliases: aliasesByKey.get(m.KeyId) ?? [],
    rotation: Boolean(rotation.KeyRotationEnabled),
    versions: 1 + (rotations.Rotations?.length ?? 0),
  };
}

async function aliasesByKey() {
  const map = new Map();
  let marker;
  do {
    const page = await kms.call('ListAliases', marker ? { Marker: marker } : {});
    for (const alias of page.Aliases ?? []) {
      if (!alias.TargetKeyId) continue;
      map.set(alias.TargetKeyId, [...(map.get(alias.TargetKeyId) ?? []), alias.AliasName]);
    }
    marker = page.Truncated ? page.NextMarker : undefined;
  } while (marker);
  return map;
}

/** Reads every key again. */
export async function refreshKeys() {
  const ids = [];
  let marker;
  do {
    const page = await kms.call('ListKeys', marker ? { Marker: marker } : {});
    ids.push(...(page.Keys ?? []).map((k) => k.KeyId));
    marker = page.Truncated ? page.NextMarker : undefined;
  } while (marker);
  const aliases = await aliasesByKey();
  const keys = [];
  for (const id of ids) keys.push(await readKey(id, aliases));
  keys.sort((a, b) => a.created - b.created);
  state.kmsKeys = keys;
  pruneSelection();
  changed();
}

/** Reads one key again (after an action on it); `withAliases` re-reads the aliases too. */
async function refreshKey(keyId, withAliases = false) {
  const current = state.kmsKeys.find((k) => k.keyId === keyId);
  const aliases = withAliases || !current ? await aliasesByKey() : new Map([[keyId, current.aliases]]);
  const fresh = await readKey(keyId, aliases);
  const index = state.kmsKeys.findIndex((k) => k.keyId === keyId);
  if (index >= 0) state.kmsKeys[index] = fresh;
  else state.kmsKeys.push(fresh);
  changed();
}

function actionButton(text, action, key, label) {
  return el('button', { type: 'button', className: 'small', dataset: { action, key: key.keyId }, 'aria-label': `${label} ${kmsLabel(key)}` }, text);
}

function stateBadge(key) {
  const text = key.keyState === 'PendingDeletion'
    ? `PendingDeletion (until ${new Date(key.deletionDate * 1000).toLocaleDateString()})`
    : key.keyState;
  return el('span', { className: `badge state-${key.keyState}` }, text);
}

function keyRow(key) {
  const enabled = key.keyState === 'Enabled';
  const pending = key.keyState === 'PendingDeletion';
  const aliases = key.aliases.length
    ? el('ul', { className: 'aliases' }, key.aliases.map((alias) => el('li', {},
        el('code', {}, alias),
        el('button', { type: 'button', className: 'link', dataset: { action: 'delete-alias', alias, key: key.keyId }, 'aria-label': `Delete alias ${alias}`, title: 'Delete alias' }, '×'))))
    : el('span', { className: 'muted' }, 'no alias');
  return el('tr', { dataset: { keyId: key.keyId, state: key.keyState } },
    el('td', {}, aliases, el('code', { className: 'key-id', title: key.arn }, key.keyId), key.description ? el('div', { className: 'muted' }, key.description) : null),
    el('td', {}, stateBadge(key)),
    el('td', {}, `${key.versions}`, el('div', { className: 'muted' }, key.rotation ? 'auto-rotation on' : 'auto-rotation off')),
    el('td', {}, timeCell(new Date(key.created * 1000).toISOString())),
    el('td', { className: 'actions' },
      pending ? null : enabled ? actionButton('Disable', 'disable', key, 'Disable') : actionButton('Enable', 'enable', key, 'Enable'),
      enabled ? actionButton('Rotate now', 'rotate', key, 'Rotate key material of') : null,
      enabled ? actionButton(key.rotation ? 'Auto-rotation off' : 'Auto-rotation on', key.rotation ? 'rotation-off' : 'rotation-on', key, key.rotation ? 'Turn off automatic rotation of' : 'Turn on automatic rotation of') : null,
      pending
        ? actionButton('Cancel deletion', 'cancel-deletion', key, 'Cancel the deletion of')
        : actionButton(`Schedule deletion`, 'schedule-deletion', key, `Schedule deletion in ${PENDING_WINDOW_DAYS} days of`)));
}

/** Where keyboard focus is in the table (row key and button index), to put it back after a render. */
function focusedButton(table) {
  const active = document.activeElement;
  if (!table.contains(active) || active.tagName !== 'BUTTON') return null;
  const row = active.closest('tr');
  return { keyId: row.dataset.keyId, index: [...row.querySelectorAll('button')].indexOf(active) };
}

function render() {
  const table = $('kms-keys');
  const focus = focusedButton(table);
  table.tBodies[0].replaceChildren(...state.kmsKeys.map(keyRow));
  if (focus) {
    const buttons = [...(table.querySelector(`tr[data-key-id="${CSS.escape(focus.keyId)}"]`)?.querySelectorAll('button') ?? [])];
    buttons[Math.min(focus.index, buttons.length - 1)]?.focus();
  }
  $('kms-empty').hidden = state.kmsKeys.length > 0;
  const select = $('alias-key');
  const chosen = select.value;
  select.replaceChildren(...state.kmsKeys.map((k) => el('option', { value: k.keyId, selected: k.keyId === chosen }, `${kmsLabel(k)}${k.aliases.length ? ` (${k.keyId.slice(0, 8)}…)` : ''}`)));
  $('alias-form').querySelector('button').disabled = state.kmsKeys.length === 0;
}

/** Runs a console action, with its outcome in the status line. */
async function act(text, step) {
  const busy = $('kms-section');
  busy.setAttribute('aria-busy', 'true');
  try {
    await step();
    announce(text);
  } catch (e) {
    announce(errorSummary(e), 'error');
  } finally {
    busy.removeAttribute('aria-busy');
  }
}

const ACTIONS = {
  disable: (id) => kms.call('DisableKey', { KeyId: id }),
  enable: (id) => kms.call('EnableKey', { KeyId: id }),
  rotate: (id) => kms.call('RotateKeyOnDemand', { KeyId: id }),
  'rotation-on': (id) => kms.call('EnableKeyRotation', { KeyId: id }),
  'rotation-off': (id) => kms.call('DisableKeyRotation', { KeyId: id }),
  'schedule-deletion': (id) => kms.call('ScheduleKeyDeletion', { KeyId: id, PendingWindowInDays: PENDING_WINDOW_DAYS }),
  'cancel-deletion': (id) => kms.call('CancelKeyDeletion', { KeyId: id }),
};
const DONE = {
  disable: 'disabled',
  enable: 'enabled',
  rotate: 'rotated: new key material; old ciphertexts still decrypt',
  'rotation-on': 'will rotate automatically every 365 days',
  'rotation-off': 'will no longer rotate automatically',
  'schedule-deletion': `scheduled for deletion in ${PENDING_WINDOW_DAYS} days (unusable until then; cancel to keep it)`,
  'cancel-deletion': 'kept: deletion cancelled (the key is Disabled until enabled)',
};

export function setupKeysPanel(client) {
  kms = client;

  $('create-key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const description = $('key-description').value.trim();
    const aliasName = $('key-alias').value.trim();
    act('Key created.', async () => {
      const alias = aliasName ? (aliasName.startsWith('alias/') ? aliasName : `alias/${aliasName}`) : null;
      const { KeyMetadata } = await kms.call('CreateKey', description ? { Description: description } : {});
      let note = '';
      if (alias) {
        try {
          await kms.call('CreateAlias', { AliasName: alias, TargetKeyId: KeyMetadata.KeyId });
        } catch (e) {
          note = ` (alias not created: ${errorSummary(e)})`;
        }
      }
      await refreshKey(KeyMetadata.KeyId, Boolean(alias));
      // A first key is chosen for encryption at once.
      if (state.selected.length === 0) {
        state.selected.push(kmsId(state.kmsKeys.find((k) => k.keyId === KeyMetadata.KeyId)));
        changed();
      }
      $('key-description').value = '';
      $('key-alias').value = '';
      announce(`Key ${alias ?? KeyMetadata.KeyId} created${note}.`, note ? 'error' : 'info');
    });
  });

  $('alias-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const keyId = $('alias-key').value;
    const name = $('alias-name').value.trim();
    if (!keyId || !name) return;
    const alias = name.startsWith('alias/') ? name : `alias/${name}`;
    act(`Alias ${alias} created.`, async () => {
      await kms.call('CreateAlias', { AliasName: alias, TargetKeyId: keyId });
      $('alias-name').value = '';
      await refreshKey(keyId, true);
    });
  });

  $('kms-keys').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const { action, key, alias } = button.dataset;
    const label = kmsLabel(state.kmsKeys.find((k) => k.keyId === key) ?? { aliases: [], keyId: key });
    if (action === 'delete-alias') {
      act(`Alias ${alias} deleted.`, async () => {
        await kms.call('DeleteAlias', { AliasName: alias });
        await refreshKey(key, true);
      });
      return;
    }
    act(`Key ${label} ${DONE[action]}.`, async () => {
      await ACTIONS[action](key);
      await refreshKey(key);
    });
  });

  $('refresh-keys').addEventListener('click', () => act('Keys reloaded from the key service.', refreshKeys));

  onChange(render);
  render();
}
