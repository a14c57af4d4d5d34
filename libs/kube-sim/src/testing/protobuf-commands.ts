/** The kubectl commands whose protobuf writes are the decoder's fixtures (src/__fixtures__/protobuf/NAME.pb). */
export const protobufCommands: Readonly<Record<string, readonly string[]>> = {
  'create-namespace': ['create', 'namespace', 'shop'],
  'create-configmap': ['create', 'configmap', 'settings', '--from-literal=mode=fast', '--from-literal=retries=3'],
  'create-secret-generic': ['create', 'secret', 'generic', 'credentials', '--from-literal=user=admin', '--from-literal=password=s3cr3t'],
  'create-deployment': ['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=3', '--port=80'],
  'create-deployment-zero-replicas': ['create', 'deployment', 'idle', '--image=nginx:1.27', '--replicas=0'],
  'create-service-clusterip': ['create', 'service', 'clusterip', 'web', '--tcp=80:8080', '--tcp=443'],
  'create-serviceaccount': ['create', 'serviceaccount', 'builder'],
  'create-job': ['create', 'job', 'migrate', '--image=busybox:1.36', '--', 'sh', '-c', 'echo done'],
  'create-cronjob': ['create', 'cronjob', 'nightly', '--image=busybox:1.36', '--schedule=0 3 * * *', '--', 'date'],
  'create-quota': ['create', 'quota', 'compute', '--hard=cpu=1500m,memory=1Gi,pods=10', '--scopes=NotTerminating'],
  'create-rolebinding': ['create', 'rolebinding', 'readers', '--clusterrole=view', '--user=alice', '--serviceaccount=default:builder'],
  'create-ingress': ['create', 'ingress', 'shop', '--class=nginx', '--rule=shop.example.com/api*=web:8080,tls=shop-tls'],
  'create-poddisruptionbudget': ['create', 'poddisruptionbudget', 'web', '--selector=app=web', '--min-available=50%'],
};
