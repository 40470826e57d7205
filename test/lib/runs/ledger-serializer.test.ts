import { describe, expect, it } from 'vitest';
import { Redactor } from '../../../src/lib/output/redactor.js';
import { LedgerSerializer } from '../../../src/lib/runs/ledger-serializer.js';
import type { RunLedgerDocument, TargetRecord } from '../../../src/lib/runs/run-ledger-schema.js';
import { testEnvironment } from '../../helpers/environment.js';

/**
 * The serializer reuses the bytes of unchanged blocks of targets between writes. What it writes
 * must be exactly what a serializer with nothing cached writes for the same document, whatever
 * changed since the last write and however many targets there are.
 */

function ledgerDocument(targetCount: number): RunLedgerDocument {
  const targets: Record<string, TargetRecord> = {};
  for (let i = 0; i < targetCount; i++) targets[`org-${i}`] = target(`org-${i}`);
  return {
    schemaVersion: 1,
    kind: 'molectl-run-ledger',
    id: '20261122T203000Z-migrate-cp-secret-apply-abcd',
    command: 'migrate cp-secret apply',
    environment: { ...testEnvironment({ name: 'staging', awsRegion: 'us-east-2' }) },
    status: 'running',
    startedAt: '2026-11-22T20:30:00.000Z',
    updatedAt: '2026-11-22T20:30:00.000Z',
    owner: { pid: 1, hostname: 'h', user: 'u', since: '2026-11-22T20:30:00.000Z' },
    inputs: {},
    pinned: {},
    targets,
    events: [],
    eventsDropped: 0,
  };
}

function target(key: string): TargetRecord {
  return { key, state: 'pending', remoteIds: {}, detail: {}, attempts: 0, updatedAt: '2026-11-22T20:30:00.000Z' };
}

/** What a serializer that has never seen the document writes. */
const cold = (doc: RunLedgerDocument): string => new LedgerSerializer(new Redactor()).serialize(doc);

describe('LedgerSerializer', () => {
  for (const count of [0, 1, 63, 64, 65, 200]) {
    it(`writes ${count} targets one per line, as a fresh serializer would, after changes anywhere`, () => {
      const doc = ledgerDocument(count);
      const warm = new LedgerSerializer(new Redactor());
      expect(warm.serialize(doc)).toBe(cold(doc));
      const text = warm.serialize(doc);
      expect(JSON.parse(text)).toMatchObject({ id: doc.id, events: [] });
      expect(Object.keys(JSON.parse(text).targets)).toHaveLength(count);
      for (const key of Object.keys(doc.targets)) expect(text).toContain(`\n    "${key}": {"key":"${key}",`);

      // Change a few targets (first, last, one in the middle), as the ledger does: forget, then mutate.
      for (const key of [`org-0`, `org-${count - 1}`, `org-${Math.floor(count / 2)}`]) {
        const record = doc.targets[key];
        if (!record) continue;
        warm.forget(record);
        record.state = 'succeeded';
        record.detail.fingerprint = 'sha256:0123456789ab';
      }
      doc.events.push({ at: '2026-11-22T20:30:01.000Z', level: 'info', message: 'wave 1/1: dispatching' });
      doc.updatedAt = '2026-11-22T20:30:01.000Z';
      expect(warm.serialize(doc)).toBe(cold(doc));

      // Targets added later (a resume adding pending ones) land in new or partly filled blocks.
      for (let i = count; i < count + 3; i++) doc.targets[`org-${i}`] = target(`org-${i}`);
      expect(warm.serialize(doc)).toBe(cold(doc));
      expect(Object.keys(JSON.parse(warm.serialize(doc)).targets)).toHaveLength(count + 3);
    });
  }

  it('scrubs a secret registered after it was written from the very next write, cached blocks and events included', () => {
    const redactor = new Redactor();
    const doc = ledgerDocument(100);
    doc.targets['org-70']!.detail.note = 'host printed sentinel-Zq7xW2pLk9Vb4Nc8';
    doc.events.push({ at: doc.updatedAt, level: 'error', message: 'org-70: sentinel-Zq7xW2pLk9Vb4Nc8' });
    const warm = new LedgerSerializer(redactor);
    expect(warm.serialize(doc)).toContain('sentinel-Zq7xW2pLk9Vb4Nc8');
    expect(warm.serialize(doc)).toContain('sentinel-Zq7xW2pLk9Vb4Nc8');
    redactor.register('sentinel-Zq7xW2pLk9Vb4Nc8');
    const text = warm.serialize(doc);
    expect(text).not.toContain('sentinel-Zq7xW2pLk9Vb4Nc8');
    expect(text).toBe(cold(doc).replaceAll('sentinel-Zq7xW2pLk9Vb4Nc8', '[REDACTED:secret]'));
  });
});
