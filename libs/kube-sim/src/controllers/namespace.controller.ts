/** Every namespace gets its `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap, as on a real cluster. */
import { controllerManager } from '../cluster';
import { nameOf } from '../object-meta';
import type { Controller } from './controller-manager';

const rootCertificate = '-----BEGIN CERTIFICATE-----\nkube-sim simulated cluster CA\n-----END CERTIFICATE-----\n';

export const namespaceController: Controller = {
  groupResource: 'namespaces',
  reconcile(namespace, context) {
    const name = nameOf(namespace);
    const { cluster } = context;
    const serviceAccounts = cluster.requireType('v1', 'ServiceAccount');
    const configMaps = cluster.requireType('v1', 'ConfigMap');
    if (!cluster.store.get('serviceaccounts', name, 'default')) cluster.create(serviceAccounts, name, { metadata: { name: 'default' } }, { fieldManager: controllerManager });
    if (!cluster.store.get('configmaps', name, 'kube-root-ca.crt')) {
      cluster.create(configMaps, name, { metadata: { name: 'kube-root-ca.crt', annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } }, data: { 'ca.crt': rootCertificate } }, { fieldManager: controllerManager });
    }
    return {};
  },
};
