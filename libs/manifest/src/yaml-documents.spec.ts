import { ManifestError } from './manifest-error';
import { parseManifestObjects, parseYamlDocuments } from './yaml-documents';

describe('parseYamlDocuments', () => {
  it('reads every non-empty document with its starting line', () => {
    expect(parseYamlDocuments('---\na: 1\n---\n---\nb: [x]\n', 'f.yaml')).toEqual([
      { value: { a: 1 }, line: 2 },
      { value: { b: ['x'] }, line: 5 },
    ]);
  });

  it('keeps YAML 1.1 words such as yes and on as strings', () => {
    expect(parseYamlDocuments('a: yes\nb: on\n', 'f.yaml')[0].value).toEqual({ a: 'yes', b: 'on' });
  });

  it('reports syntax errors with file and line', () => {
    const parse = () => parseYamlDocuments('a: 1\nb: c: d\n', 'broken.yaml');
    expect(parse).toThrow(ManifestError);
    expect(parse).toThrow(/^broken\.yaml:2: invalid YAML: Nested mappings/);
  });

  it('rejects duplicate keys', () => {
    expect(() => parseYamlDocuments('a: 1\na: 2\n', 'dup.yaml')).toThrow(/^dup\.yaml:2: invalid YAML: Map keys must be unique/);
  });
});

describe('parseManifestObjects', () => {
  it('expands List objects into their items', () => {
    const objects = parseManifestObjects('apiVersion: v1\nkind: List\nitems:\n- kind: A\n- kind: B\n', 'list.yaml');
    expect(objects).toEqual([{ kind: 'A' }, { kind: 'B' }]);
  });

  it('rejects a document that is not a mapping', () => {
    expect(() => parseManifestObjects('a: 1\n---\n- x\n', 'seq.yaml')).toThrow('seq.yaml:3: document is not a mapping (a Kubernetes object)');
  });
});
