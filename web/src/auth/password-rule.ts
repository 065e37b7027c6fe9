/** The password rule the server checks first (contracts `password`), said next to the field before sending. */
export const MIN_PASSWORD = 8;

/** The hint under a new-password field: the rule, or once a send was tried, how far off it is. */
export function passwordHint(password: string, tried: boolean): { text: string; bad: boolean } {
  const short = password.length < MIN_PASSWORD;
  if (tried && short) {
    return {
      text: `Use at least ${MIN_PASSWORD} characters (${MIN_PASSWORD - password.length} more).`,
      bad: true,
    };
  }
  return { text: `At least ${MIN_PASSWORD} characters.`, bad: false };
}
