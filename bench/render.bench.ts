// Renders a realistic application (Deployment, Service, ConfigMap, Ingress, HPA, NetworkPolicy, PDB)
// through base + group overlay for a fleet of clusters: the overlay once per group (kustomize),
// then per cluster only variable substitution and the sha256 digest over JSON.
import { InMemoryRenderFs, renderForCluster, renderOverlay, type ClusterContext, type RenderTemplate } from '@capstan/render';

const clusterCount = Number(process.env.CLUSTERS ?? 10_000);
const groups = [
  { name: 'europe', region: 'eu-west-1', domain: 'eu.shop.example.com', registry: 'eu.registry.example.com' },
  { name: 'north-america', region: 'us-east-1', domain: 'us.shop.example.com', registry: 'us.registry.example.com' },
  { name: 'asia', region: 'ap-southeast-1', domain: 'ap.shop.example.com', registry: 'ap.registry.example.com' },
  { name: 'edge', region: 'eu-central-1', domain: 'edge.shop.example.com', registry: 'eu.registry.example.com' },
];
const tiers = ['bronze', 'silver', 'gold'];

const base: Record<string, string> = {
  'apps/shop/base/kustomization.yaml': `
resources:
- deployment.yaml
- service.yaml
- ingress.yaml
- hpa.yaml
- networkpolicy.yaml
- pdb.yaml
labels:
- pairs:
    app.kubernetes.io/name: shop
    app.kubernetes.io/part-of: commerce
  includeSelectors: true
configMapGenerator:
- name: shop-config
  literals:
  - LOG_LEVEL=info
  - FEATURE_CHECKOUT=true
  - CACHE_TTL=300
`,
  'apps/shop/base/deployment.yaml': `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
  annotations:
    capstan.io/cluster-tier: \${cluster.labels.tier}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: shop
  template:
    metadata:
      labels:
        app: shop
    spec:
      serviceAccountName: shop
      containers:
      - name: shop
        image: ghcr.io/acme/shop:2.4.0
        args: ["--listen=:8080", "--region=\${cluster.labels.region}"]
        ports:
        - containerPort: 8080
          name: http
        env:
        - name: REGION
          value: \${cluster.labels.region}
        - name: TIER
          value: \${cluster.labels.tier}
        - name: PUBLIC_URL
          value: https://\${var.domain}
        envFrom:
        - configMapRef:
            name: shop-config
        readinessProbe:
          httpGet:
            path: /healthz
            port: http
        resources:
          requests:
            cpu: 250m
            memory: 256Mi
          limits:
            memory: 512Mi
`,
  'apps/shop/base/service.yaml': `
apiVersion: v1
kind: Service
metadata:
  name: shop
spec:
  selector:
    app: shop
  ports:
  - name: http
    port: 80
    targetPort: http
`,
  'apps/shop/base/ingress.yaml': `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
spec:
  ingressClassName: nginx
  tls:
  - hosts: ["\${var.domain}"]
    secretName: shop-tls
  rules:
  - host: \${var.domain}
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: shop
            port:
              name: http
`,
  'apps/shop/base/hpa.yaml': `
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: shop
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: shop
  minReplicas: 2
  maxReplicas: 10
  metrics:
  - type: Resource
    resource:
      name: cpu
      target:
        type: Utilization
        averageUtilization: 70
`,
  'apps/shop/base/networkpolicy.yaml': `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: shop
spec:
  podSelector:
    matchLabels:
      app: shop
  policyTypes: [Ingress]
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: ingress-nginx
    ports:
    - port: 8080
      protocol: TCP
`,
  'apps/shop/base/pdb.yaml': `
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: shop
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app: shop
`,
};

const overlays = Object.fromEntries(
  groups.map((group) => [
    `apps/shop/groups/${group.name}/kustomization.yaml`,
    `
resources:
- ../../base
namespace: shop
commonLabels:
  capstan.io/group: ${group.name}
images:
- name: ghcr.io/acme/shop
  newName: ${group.registry}/acme/shop
  newTag: "2.4.1"
configMapGenerator:
- name: shop-config
  behavior: merge
  literals:
  - REGION_GROUP=${group.name}
patches:
- patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: shop
    spec:
      template:
        spec:
          containers:
          - name: shop
            resources:
              limits:
                cpu: "2"
- target:
    kind: HorizontalPodAutoscaler
  patch: |-
    - op: replace
      path: /spec/maxReplicas
      value: 20
`,
  ]),
);

const fs = new InMemoryRenderFs({ ...base, ...overlays });
const clusters: Array<{ group: (typeof groups)[number]; context: ClusterContext }> = Array.from({ length: clusterCount }, (_, index) => {
  const group = groups[index % groups.length];
  const tier = tiers[Math.floor(index / groups.length) % tiers.length];
  return { group, context: { name: `cluster-${String(index).padStart(5, '0')}`, labels: { region: group.region, tier }, vars: { domain: group.domain } } };
});

const milliseconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

const overlayStart = process.hrtime.bigint();
const templates = new Map<string, RenderTemplate>(groups.map((group) => [group.name, renderOverlay(fs, `apps/shop/groups/${group.name}`)]));
const overlayMs = milliseconds(overlayStart);

const clusterStart = process.hrtime.bigint();
const digests = new Set<string>();
let bundleBytes = 0;
for (const cluster of clusters) {
  const bundle = renderForCluster(templates.get(cluster.group.name) as RenderTemplate, cluster.context);
  digests.add(bundle.digest);
  bundleBytes += bundle.json.length;
}
const clusterMs = milliseconds(clusterStart);
const totalMs = overlayMs + clusterMs;

const result = {
  benchmark: 'render',
  clusters: clusterCount,
  groups: groups.length,
  objectsPerBundle: (templates.get(groups[0].name) as RenderTemplate).objects.length,
  averageBundleBytes: Math.round(bundleBytes / clusterCount),
  overlayRenderMs: Number(overlayMs.toFixed(1)),
  clusterRenderMs: Number(clusterMs.toFixed(1)),
  clustersPerSecond: Math.round(clusterCount / (totalMs / 1000)),
  distinctBundles: digests.size,
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
};
console.log(`rendered ${groups.length} group overlays in ${result.overlayRenderMs} ms, then ${clusterCount} clusters in ${result.clusterRenderMs} ms`);
console.log(JSON.stringify(result));
