// The nonce and PKCE verifier of a provider sign-in in progress, sealed
// (AES-256-GCM) under a key derived from the flow's `state`. The database
// keeps only the state's SHA-256 hash and this sealed box, so a copy of the
// table cannot finish anyone's sign-in; the state alone (it travels in URLs)
// cannot either, without the box. The same pattern as refresh-successor.ts.
import crypto from 'node:crypto';

const KEY_INFO = 'usergraph oidc flow secrets v1';

export interface FlowSecrets {
  nonce: string;
  codeVerifier: string;
}

function keyOf(state: string): Buffer {
  return crypto.createHmac('sha256', state).update(KEY_INFO).digest();
}

export function sealFlowSecrets(state: string, flowId: string, secrets: FlowSecrets): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', keyOf(state), iv).setAAD(Buffer.from(flowId));
  const sealed = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

/** The secrets, or null when `sealed` was not made with this state and flow. */
export function openFlowSecrets(state: string, flowId: string, sealed: string): FlowSecrets | null {
  try {
    const raw = Buffer.from(sealed, 'base64url');
    const decipher = crypto.createDecipheriv('aes-256-gcm', keyOf(state), raw.subarray(0, 12)).setAAD(Buffer.from(flowId));
    decipher.setAuthTag(raw.subarray(12, 28));
    return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as FlowSecrets;
  } catch {
    return null;
  }
}
