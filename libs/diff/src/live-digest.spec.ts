import { detectDrift } from './drift';
import { liveDigest } from './live-digest';

const desired = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' }, data: { mode: 'fast' } };
const live = (mode: string) => ({ ...desired, metadata: { ...desired.metadata, resourceVersion: '7', uid: 'u-1' }, data: { mode } });
const bundleDigest = 'sha256:0b1c';

describe('liveDigest', () => {
  it('is the bundle digest when nothing drifts', () => {
    expect(detectDrift(desired, live('fast'))).toBeNull();
    expect(liveDigest(bundleDigest, [])).toBe(bundleDigest);
  });

  it('differs from the bundle digest, and by live value, when something drifts', () => {
    const edited = detectDrift(desired, live('slow'));
    const editedOtherwise = detectDrift(desired, live('slower'));
    const deleted = detectDrift(desired, null);
    if (!edited || !editedOtherwise || !deleted) throw new Error('expected drift');
    const digests = [liveDigest(bundleDigest, [edited]), liveDigest(bundleDigest, [editedOtherwise]), liveDigest(bundleDigest, [deleted])];
    expect(new Set([bundleDigest, ...digests]).size).toBe(4);
    expect(digests[0]).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(liveDigest(bundleDigest, [edited])).toBe(digests[0]);
  });
});
