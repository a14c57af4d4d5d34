import { dns1123LabelError, dns1123SubdomainError, labelKeyError, labelValueError } from './names';

describe('Kubernetes names', () => {
  it.each(['web', 'a', 'web-1', 'x'.repeat(63)])('accepts the DNS-1123 label %j', (name) => expect(dns1123LabelError(name)).toBeNull());
  it.each(['Web', '-web', 'web-', 'a.b', 'x'.repeat(64), ''])('rejects the DNS-1123 label %j', (name) => expect(dns1123LabelError(name)).not.toBeNull());
  it.each(['web.example.com', 'a-b.c'])('accepts the DNS-1123 subdomain %j', (name) => expect(dns1123SubdomainError(name)).toBeNull());
  it.each(['web..com', '.web', 'UPPER.case'])('rejects the DNS-1123 subdomain %j', (name) => expect(dns1123SubdomainError(name)).not.toBeNull());
  it.each(['app', 'app.kubernetes.io/name', 'example.com/My_Key.1'])('accepts the label key %j', (key) => expect(labelKeyError(key)).toBeNull());
  it.each([
    ['/name', 'prefix part must be non-empty'],
    ['example.com/', 'name part must be non-empty'],
    ['Bad_Prefix/x', 'prefix part'],
    ['-x', 'name part must consist'],
  ])('rejects the label key %j', (key, reason) => expect(labelKeyError(key)).toContain(reason));
  it.each(['', 'prod', 'v1.2_3-x'])('accepts the label value %j', (value) => expect(labelValueError(value)).toBeNull());
  it.each(['has space', '-x', 'x'.repeat(64)])('rejects the label value %j', (value) => expect(labelValueError(value)).not.toBeNull());
});
