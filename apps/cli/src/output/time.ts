/** How long ago (or, for a future time, in how long) `iso` is, in the largest whole unit: `42s`, `5m`, `3h`, `4d`, `in 59m`; `-` for none. */
export function formatAge(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const milliseconds = now - Date.parse(iso);
  if (Number.isNaN(milliseconds)) return iso;
  const seconds = Math.floor(Math.abs(milliseconds) / 1000);
  const span = seconds < 60 ? `${seconds}s` : seconds < 3600 ? `${Math.floor(seconds / 60)}m` : seconds < 86_400 ? `${Math.floor(seconds / 3600)}h` : `${Math.floor(seconds / 86_400)}d`;
  return milliseconds < 0 ? `in ${span}` : span;
}

/** An ISO time with how long ago it is, for descriptions: `2025-01-02T03:04:05.000Z (5m ago)`. */
export function formatTime(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const age = formatAge(iso, now);
  return `${iso} (${age.startsWith('in ') ? age : `${age} ago`})`;
}

/** A commit sha as people read it: its first 7 characters. */
export const shortSha = (sha: string | null | undefined): string => (sha ? sha.slice(0, 7) : '-');
