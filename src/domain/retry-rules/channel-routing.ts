/**
 * Each merchant has an ordered list of channel accounts; a retry goes to the next one (after the
 * failed attempt's position, wrapping is NOT allowed) that has not failed this payment; null when
 * none is left. Not wrapping keeps the walk finite and in the merchant's order of preference.
 * The current channel counts as failed even if the caller did not list it: it just failed.
 * A current channel missing from the routes (the list changed meanwhile) has no "after": null,
 * rather than a guess that might revisit a channel the payment already tried.
 */
export function nextChannel(
  routes: readonly string[],
  failedChannels: readonly string[],
  current: string,
): string | null {
  const position = routes.indexOf(current);
  if (position < 0) return null;
  for (const candidate of routes.slice(position + 1)) {
    if (candidate !== current && !failedChannels.includes(candidate)) return candidate;
  }
  return null;
}

/**
 * The channel accounts an automatic retry from `current` may move to: those that speak the same protocol
 * (kind) as `current`, and another protocol's only where the matched rule names that account in its own
 * `channels` list (a rule "says so"). An account whose kind is not known is never a target.
 */
export function retryTargets(
  routes: readonly string[],
  current: string,
  kindOf: (channel: string) => string | undefined,
  ruleChannels: readonly string[],
): string[] {
  const kind = kindOf(current);
  return routes.filter((r) => {
    const k = kindOf(r);
    return k !== undefined && (k === kind || ruleChannels.includes(r));
  });
}
