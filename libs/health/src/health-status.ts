/** How healthy a live object is, from best to worst as the ordering of `worseHealth` says. */
export enum HealthStatus {
  Healthy = 'Healthy',
  Suspended = 'Suspended',
  Progressing = 'Progressing',
  Missing = 'Missing',
  Degraded = 'Degraded',
  Unknown = 'Unknown',
}

/** A verdict and the reason for it, in words an operator can act on. */
export interface Health {
  status: HealthStatus;
  message: string;
}

const severity: readonly HealthStatus[] = [
  HealthStatus.Healthy,
  HealthStatus.Suspended,
  HealthStatus.Progressing,
  HealthStatus.Missing,
  HealthStatus.Degraded,
  HealthStatus.Unknown,
];

/** Whether `a` is worse than `b`: an application is as healthy as its least healthy object. */
export function isWorseHealth(a: HealthStatus, b: HealthStatus): boolean {
  return severity.indexOf(a) > severity.indexOf(b);
}

/** The worst of several verdicts; Healthy when there are none. */
export function worstHealth(healths: readonly Health[]): Health {
  return healths.reduce<Health>((worst, health) => (isWorseHealth(health.status, worst.status) ? health : worst), { status: HealthStatus.Healthy, message: '' });
}

export const healthy = (message = ''): Health => ({ status: HealthStatus.Healthy, message });
export const progressing = (message: string): Health => ({ status: HealthStatus.Progressing, message });
export const degraded = (message: string): Health => ({ status: HealthStatus.Degraded, message });
export const suspended = (message: string): Health => ({ status: HealthStatus.Suspended, message });
export const unknown = (message: string): Health => ({ status: HealthStatus.Unknown, message });
