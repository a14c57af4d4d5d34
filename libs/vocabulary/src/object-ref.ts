/** What names an object in a cluster: group/version/kind plus namespace and name (`''` for the core group and for cluster-scoped objects). */
export interface ObjectRef {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
}
