import { GitSourcesAndBundles1795397145968 } from './1795397145968-git-sources-and-bundles';
import { InitialSchema1795396055555 } from './1795396055555-initial-schema';
import { ClusterRegistration1795399444300 } from './1795399444300-cluster-registration';
import { ClusterApplicationStatuses1795399833994 } from './1795399833994-cluster-application-statuses';
import { Drifts1795400214755 } from './1795400214755-drifts';
import { ApplicationHealth1795401239081 } from './1795401239081-application-health';
import { IgnoreRules1795401583150 } from './1795401583150-ignore-rules';
import { ClusterPause1795402197920 } from './1795402197920-cluster-pause';
import { ResourceStatuses1796034895897 } from './1796034895897-resource-statuses';
import { FleetEvents1796035420357 } from './1796035420357-fleet-events';
import { DesiredStates1796100000000 } from './1796100000000-desired-states';
import { StatusWatchErrors1796120000000 } from './1796120000000-status-watch-errors';
import { Rollouts1796223703507 } from './1796223703507-rollouts';
import { Policies1796281808630 } from './1796281808630-policies';
import { Compliance1796309026002 } from './1796309026002-compliance';
import { PoliciesFromGit1796312129791 } from './1796312129791-policies-from-git';
import { PolicyRollouts1796313398975 } from './1796313398975-policy-rollouts';

/** Every migration, oldest first. */
export const migrations = [InitialSchema1795396055555, GitSourcesAndBundles1795397145968, ClusterRegistration1795399444300, ClusterApplicationStatuses1795399833994, Drifts1795400214755, ApplicationHealth1795401239081, IgnoreRules1795401583150, ClusterPause1795402197920, ResourceStatuses1796034895897, FleetEvents1796035420357, DesiredStates1796100000000, StatusWatchErrors1796120000000, Rollouts1796223703507, Policies1796281808630, Compliance1796309026002, PoliciesFromGit1796312129791, PolicyRollouts1796313398975];
