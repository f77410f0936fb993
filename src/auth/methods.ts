// How a session's holder proved who they are: authentication method
// references in the spirit of RFC 8176, stored on the session (sessions.amr)
// and carried by its access tokens (`amr` and `aal` claims).
//
//   pwd        a password
//   otp        a TOTP code from an authenticator app (RFC 6238)
//   recovery   a single-use recovery code (a look-up secret)
//   webauthn   a passkey or security key (WebAuthn)
//   email      a code or magic link mailed to the account's address
//   oidc       a sign-in at an OpenID Connect provider

export type AuthMethod = 'pwd' | 'otp' | 'recovery' | 'webauthn' | 'email' | 'oidc';

export const AUTH_METHODS: readonly AuthMethod[] = ['pwd', 'otp', 'recovery', 'webauthn', 'email', 'oidc'];

export function isAuthMethod(value: unknown): value is AuthMethod {
  return typeof value === 'string' && (AUTH_METHODS as readonly string[]).includes(value);
}

/**
 * The assurance level of a sign-in (NIST SP 800-63B names). The rule:
 *
 * - `aal2` when the methods include two distinct ones: pwd+otp,
 *   pwd+webauthn, oidc+otp, pwd+recovery, ... Each method counts as one
 *   factor of its own: a recovery code stands in for the factor it recovers,
 *   and an upstream provider's sign-in (oidc) counts once whatever the
 *   provider itself checked. A repeated method (["pwd","pwd"]) is one factor.
 * - `aal2` for a passkey alone (["webauthn"]): a passkey that verified its
 *   user (PIN or biometric) is a multi-factor cryptographic authenticator
 *   (SP 800-63B 5.1.9). Contract for callers: record "webauthn" as the only
 *   method only when the assertion had the user-verified (UV) flag; a passkey
 *   used without user verification must be a second factor after another.
 * - `aal1` for anything else (a password, a mailed code, a provider alone).
 */
export function assuranceLevel(amr: readonly AuthMethod[]): 'aal1' | 'aal2' {
  const methods = new Set(amr);
  return methods.size >= 2 || methods.has('webauthn') ? 'aal2' : 'aal1';
}
