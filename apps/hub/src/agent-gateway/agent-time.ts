/** A time an agent reports (Unix milliseconds); one no date can hold, or none, counts as now. */
export function agentTime(unixMs: bigint): Date {
  const time = new Date(Number(unixMs));
  return unixMs > 0n && !Number.isNaN(time.getTime()) ? time : new Date();
}
