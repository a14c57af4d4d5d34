import { CapstanErrorCode } from '../common/capstan.exception';
import { type AccessRequest, AccessScope, type ClusterFacts, decideAccess, type GroupFacts } from './access-policy';

const groups: GroupFacts[] = [
  { name: 'prod-eu', selector: 'env=prod,region=eu', members: ['lab-1'] },
  { name: 'staging', selector: 'env=staging', members: [] },
  { name: 'prod-us', selector: 'env=prod,region=us', members: [] },
];
const cluster = (name: string, labels: Record<string, string>): ClusterFacts => ({ name, labels });
const eu1 = cluster('eu-1', { env: 'prod', region: 'eu' });
const us1 = cluster('us-1', { env: 'prod', region: 'us' });
const lab1 = cluster('lab-1', { env: 'dev' });
const lab2 = cluster('lab-2', { env: 'dev' });

const fleet = AccessScope.unrestricted('token/admin');
const euOnly = AccessScope.ofGroups('token/eu', ['prod-eu'], groups);
// A name in scope that no group has yet reaches no cluster.
const euAndFuture = AccessScope.ofGroups('token/eu', ['prod-eu', 'future'], groups);

type Outcome = 'allowed' | CapstanErrorCode.NotFound | CapstanErrorCode.PermissionDenied;
const { NotFound, PermissionDenied } = CapstanErrorCode;

describe('the access policy', () => {
  const table: Array<[string, AccessScope, AccessRequest, Outcome]> = [
    ['lets an unscoped caller do anything', fleet, { kind: 'fleet', what: 'sources' }, 'allowed'],
    ['lets an unscoped caller reach any cluster', fleet, { kind: 'cluster', name: 'us-1', cluster: us1 }, 'allowed'],
    ['shows a scoped caller a cluster its group selects', euOnly, { kind: 'cluster', name: 'eu-1', cluster: eu1 }, 'allowed'],
    ['shows a scoped caller a cluster its group lists by name', euOnly, { kind: 'cluster', name: 'lab-1', cluster: lab1 }, 'allowed'],
    ['hides a cluster outside the scope as not found', euOnly, { kind: 'cluster', name: 'us-1', cluster: us1 }, NotFound],
    ['answers a missing cluster as not found', euOnly, { kind: 'cluster', name: 'ghost', cluster: null }, NotFound],
    ['lets a scoped caller create a cluster its groups would hold', euOnly, { kind: 'new-cluster', name: 'eu-9', labels: { env: 'prod', region: 'eu' }, existing: null }, 'allowed'],
    ['lets a scoped caller create a cluster its groups list by name', euOnly, { kind: 'new-cluster', name: 'lab-1', labels: {}, existing: null }, 'allowed'],
    ['refuses a new cluster whose labels put it outside the scope', euOnly, { kind: 'new-cluster', name: 'us-9', labels: { env: 'prod', region: 'us' }, existing: null }, PermissionDenied],
    ['refuses a new cluster in no group at all', euOnly, { kind: 'new-cluster', name: 'loose', labels: {}, existing: null }, PermissionDenied],
    ['refuses registering an existing cluster outside the scope, whatever labels are asked for', euOnly, { kind: 'new-cluster', name: 'us-1', labels: { env: 'prod', region: 'eu' }, existing: us1 }, PermissionDenied],
    ['lets a scoped caller register an existing cluster in its scope again', euOnly, { kind: 'new-cluster', name: 'eu-1', labels: { env: 'prod', region: 'eu' }, existing: eu1 }, 'allowed'],
    ['lets a scoped caller relabel a cluster within its scope', euOnly, { kind: 'relabelled-cluster', name: 'eu-1', cluster: eu1, labels: { env: 'prod', region: 'eu', owner: 'a' } }, 'allowed'],
    ['refuses relabelling a cluster out of the scope', euOnly, { kind: 'relabelled-cluster', name: 'eu-1', cluster: eu1, labels: { env: 'staging' } }, PermissionDenied],
    ['hides a cluster outside the scope from relabelling', euOnly, { kind: 'relabelled-cluster', name: 'us-1', cluster: us1, labels: { env: 'prod', region: 'eu' } }, NotFound],
    ['lets a scoped caller narrow its group', euOnly, { kind: 'group', name: 'prod-eu', creating: false, membersAfter: [eu1] }, 'allowed'],
    ['lets a scoped caller change a group without touching membership', euOnly, { kind: 'group', name: 'prod-eu', creating: false, membersAfter: null }, 'allowed'],
    ['refuses widening a group past the scope', euOnly, { kind: 'group', name: 'prod-eu', creating: false, membersAfter: [eu1, us1] }, PermissionDenied],
    ['refuses adding an outside cluster as an explicit member', euOnly, { kind: 'group', name: 'prod-eu', creating: false, membersAfter: [eu1, lab1, lab2] }, PermissionDenied],
    ['hides a group outside the scope as not found', euOnly, { kind: 'group', name: 'prod-us', creating: false, membersAfter: null }, NotFound],
    ['answers a group outside the scope that does not exist as not found too', euOnly, { kind: 'group', name: 'ghost', creating: false, membersAfter: [] }, NotFound],
    ['refuses creating a group not named in the scope', euOnly, { kind: 'group', name: 'mine', creating: true, membersAfter: [] }, PermissionDenied],
    ['refuses creating a group outside the scope whose name is taken alike', euOnly, { kind: 'group', name: 'prod-us', creating: true, membersAfter: [] }, PermissionDenied],
    ['lets a scoped caller create a group named in its scope holding clusters already in it', euAndFuture, { kind: 'group', name: 'future', creating: true, membersAfter: [eu1] }, 'allowed'],
    ['refuses a new group in scope that would hold clusters from outside', euAndFuture, { kind: 'group', name: 'future', creating: true, membersAfter: [us1] }, PermissionDenied],
    ['lets a scoped caller create an application targeting its groups', euOnly, { kind: 'application', name: 'web', current: null, targets: ['prod-eu'] }, 'allowed'],
    ['refuses an application targeting a group outside the scope', euOnly, { kind: 'application', name: 'web', current: null, targets: ['prod-eu', 'prod-us'] }, PermissionDenied],
    ['refuses an application targeting nothing', euOnly, { kind: 'application', name: 'web', current: null, targets: [] }, PermissionDenied],
    ['refuses changing an application that targets groups outside the scope', euOnly, { kind: 'application', name: 'web', current: ['prod-us'], targets: undefined }, PermissionDenied],
    ['refuses retargeting an application from outside into the scope', euOnly, { kind: 'application', name: 'web', current: ['prod-us'], targets: ['prod-eu'] }, PermissionDenied],
    ['lets a scoped caller change its own application', euOnly, { kind: 'application', name: 'web', current: ['prod-eu'], targets: undefined }, 'allowed'],
    ['leaves a missing application to the operation, which says it is not found', euOnly, { kind: 'application', name: 'ghost', current: null, targets: undefined }, 'allowed'],
    ['refuses a scoped caller what concerns the whole fleet', euOnly, { kind: 'fleet', what: 'sources' }, PermissionDenied],
    ['lets a scoped caller make a token within its scope', euOnly, { kind: 'token', name: 't', groupScope: ['prod-eu'] }, 'allowed'],
    ['refuses a scoped caller a token for the whole fleet', euOnly, { kind: 'token', name: 't', groupScope: null }, PermissionDenied],
    ['refuses a scoped caller a token beyond its scope', euOnly, { kind: 'token', name: 't', groupScope: ['prod-eu', 'prod-us'] }, PermissionDenied],
    ['refuses a scoped caller a mutation that declares no scope', euOnly, { kind: 'undeclared', operation: 'doSomething', mutation: true }, PermissionDenied],
    ['lets a scoped caller run a query that declares no scope (it filters its own results)', euOnly, { kind: 'undeclared', operation: 'clusters', mutation: false }, 'allowed'],
    ['lets an unscoped caller run a mutation that declares no scope', fleet, { kind: 'undeclared', operation: 'doSomething', mutation: true }, 'allowed'],
  ];

  it.each(table)('%s', (_title, scope, request, expected) => {
    const decision = decideAccess(scope, request);
    expect(decision.allowed ? 'allowed' : decision.code).toBe(expected);
  });

  it('answers a cluster outside the scope exactly as a missing one, so names cannot be probed', () => {
    expect(decideAccess(euOnly, { kind: 'cluster', name: 'us-1', cluster: us1 })).toEqual(decideAccess(euOnly, { kind: 'cluster', name: 'us-1', cluster: null }));
    expect(decideAccess(euOnly, { kind: 'cluster', name: 'us-1', cluster: null })).toEqual({ allowed: false, code: NotFound, message: 'cluster "us-1" not found' });
  });

  it('never names the clusters outside the scope that a group change would take in', () => {
    const decision = decideAccess(euOnly, { kind: 'group', name: 'prod-eu', creating: false, membersAfter: [eu1, us1, lab2] });
    expect(decision).toEqual({ allowed: false, code: PermissionDenied, message: expect.stringContaining('would then hold 2 cluster(s) outside them') });
    expect(JSON.stringify(decision)).not.toMatch(/us-1|lab-2/);
  });

  it('names the caller and its groups in a refusal', () => {
    expect(decideAccess(euOnly, { kind: 'new-cluster', name: 'us-9', labels: { env: 'prod', region: 'us' }, existing: null })).toMatchObject({
      message: 'token/eu may change only cluster groups [prod-eu]; cluster "us-9" with labels {"env":"prod","region":"us"} would be in none of them',
    });
  });
});

describe('an access scope', () => {
  it.each([
    [eu1, true],
    [lab1, true],
    [us1, false],
    [lab2, false],
  ])('holds %j: %s', (facts, inScope) => {
    expect(euOnly.includesCluster(facts)).toBe(inScope);
    expect(fleet.includesCluster(facts)).toBe(true);
  });

  it('is a SQL condition that holds for no cluster when none of its groups exists', () => {
    expect(AccessScope.ofGroups('token/x', ['future'], groups).clusterCondition('cluster').sql).toBe('FALSE');
    expect(fleet.clusterCondition('cluster').sql).toBe('TRUE');
  });
});
