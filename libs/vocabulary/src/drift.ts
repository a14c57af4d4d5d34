/**
 * Where a drift stands: `healing` (a heal was or is being instructed), `held` (waiting for
 * approval), `alerted` (only reported), `resolved` (the object matches git again; see
 * {@link DriftResolution} for how).
 */
export const driftStatuses = ['healing', 'held', 'alerted', 'resolved'] as const;
export type DriftStatus = (typeof driftStatuses)[number];
export const openDriftStatuses: readonly DriftStatus[] = ['healing', 'held', 'alerted'];

/**
 * How a drift ended: `healed` (Capstan put the object back: a heal, a sync), `reverted` (someone or
 * something else did), `superseded` (a new revision was applied over it).
 */
export const driftResolutions = ['healed', 'reverted', 'superseded'] as const;
export type DriftResolution = (typeof driftResolutions)[number];

/** The field manager Capstan applies with; fields it owns were put there by Capstan. */
export const capstanFieldManager = 'capstan';
