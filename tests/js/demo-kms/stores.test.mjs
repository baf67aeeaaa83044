// Key stores: the in-memory store, a store shared by two service instances (what a reload does
// with IndexedDB), custom stores, and non-extractable key material. IndexedDB itself is exercised
// in Chromium (browser tests); here only its Node behaviour.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { DemoKeyService, IndexedDbKeyStore, MemoryKeyStore } from '../../../pkg-templates/demo-kms/index.js';

import { rejectsKms } from './helpers.mjs';

describe('MemoryKeyStore', () => {
  test('records go in and come out by value', async () => {
    const store = new MemoryKeyStore();
    const alias = { aliasName: 'alias/a', targetKeyId: 'k', createdAt: 1, updatedAt: 1 };
    await store.putAlias(alias);
    alias.targetKeyId = 'changed';
    const got = await store.getAlias('alias/a');
    assert.equal(got.targetKeyId, 'k');
    got.targetKeyId = 'changed again';
    assert.equal((await store.getAlias('alias/a')).targetKeyId, 'k');
    assert.equal(await store.getAlias('alias/none'), undefined);
  });

  test('keys survive a new service over the same store (a reload); key material stays non-extractable', async () => {
    const store = new MemoryKeyStore();
    const first = new DemoKeyService({ store });
    const { KeyMetadata } = await first.request('CreateKey', {});
    await first.request('CreateAlias', { AliasName: 'alias/persist', TargetKeyId: KeyMetadata.KeyId });
    await first.request('RotateKeyOnDemand', { KeyId: KeyMetadata.KeyId });
    const { CiphertextBlob } = await first.request('Encrypt', { KeyId: 'alias/persist', Plaintext: 'AQID', EncryptionContext: { a: 'b' } });

    const second = new DemoKeyService({ store });
    assert.equal((await second.request('Decrypt', { CiphertextBlob, EncryptionContext: { a: 'b' } })).Plaintext, 'AQID');
    assert.equal((await second.auditLog()).length, 5, 'the audit log is in the store too');

    const record = await store.getKey(KeyMetadata.KeyId);
    assert.equal(record.materials.length, 2);
    for (const { key } of record.materials) {
      assert.ok(key instanceof CryptoKey);
      assert.equal(key.extractable, false);
      assert.deepEqual([...key.usages].sort(), ['decrypt', 'encrypt']);
      assert.equal(key.algorithm.name, 'AES-GCM');
      assert.equal(key.algorithm.length, 256);
      await assert.rejects(crypto.subtle.exportKey('raw', key));
    }
  });

  test('DescribeKey and ListKeys never return key material', async () => {
    const service = new DemoKeyService();
    const { KeyMetadata } = await service.request('CreateKey', {});
    const everything = JSON.stringify([
      KeyMetadata,
      await service.request('DescribeKey', { KeyId: KeyMetadata.KeyId }),
      await service.request('ListKeys', {}),
      await service.request('ListKeyRotations', { KeyId: KeyMetadata.KeyId, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' }),
    ]);
    assert.ok(!/materials|CryptoKey|"key"/.test(everything));
  });
});

describe('custom stores', () => {
  test('any object with the KeyStore methods will do', async () => {
    const maps = { keys: new Map(), aliases: new Map(), audit: [] };
    const calls = [];
    const store = {
      async getKey(id) { calls.push('getKey'); return maps.keys.get(id); },
      async putKey(r) { calls.push('putKey'); maps.keys.set(r.keyId, structuredClone(r)); },
      async deleteKey(id) { maps.keys.delete(id); },
      async listKeys() { return [...maps.keys.values()].map((r) => structuredClone(r)); },
      async getAlias(n) { return maps.aliases.get(n); },
      async putAlias(r) { maps.aliases.set(r.aliasName, { ...r }); },
      async deleteAlias(n) { maps.aliases.delete(n); },
      async listAliases() { return [...maps.aliases.values()]; },
      async appendAudit(e) { maps.audit.push(e); },
      async listAudit() { return [...maps.audit]; },
      async clearAudit() { maps.audit.length = 0; },
    };
    const service = new DemoKeyService({ store });
    const { KeyMetadata } = await service.request('CreateKey', {});
    const { CiphertextBlob } = await service.request('Encrypt', { KeyId: KeyMetadata.KeyId, Plaintext: 'AQID' });
    assert.equal((await service.request('Decrypt', { CiphertextBlob })).Plaintext, 'AQID');
    assert.ok(calls.includes('putKey') && calls.includes('getKey'));
    assert.equal(maps.audit.length, 3);
  });
});

describe('IndexedDbKeyStore in Node', () => {
  test('without IndexedDB it fails loudly, as a KMSInternalException from the service', async () => {
    assert.throws(() => new IndexedDbKeyStore(''), TypeError);
    const store = new IndexedDbKeyStore('test-db', { indexedDB: undefined });
    assert.equal(store.name, 'test-db');
    if (globalThis.indexedDB) return; // a runtime with IndexedDB: covered by the browser tests
    await assert.rejects(store.listKeys(), /IndexedDB is not available/);
    const service = new DemoKeyService({ store });
    await rejectsKms(service.request('CreateKey', {}), 'KMSInternalException', /IndexedDB is not available/);
    await assert.rejects(IndexedDbKeyStore.delete('test-db'), TypeError);
  });
});
