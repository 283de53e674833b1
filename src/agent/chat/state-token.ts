import { InputError } from "../../core/errors.ts";
import { type PreferenceState, PreferenceState as StateSchema } from "./state.ts";

/*
 * The preference state as an opaque token the client echoes back: "v1.<base64url JSON>" and, when the
 * server has a key, ".<base64url HMAC-SHA256>" over everything before it. Web Crypto only, so it runs in
 * workerd. Signing stops a client from forging a state the server would act on (e.g. crafted ids); without
 * a key the state is the client's own business and is only validated.
 */

const PREFIX = "v1";
const RESTART = "start a new conversation by sending no state";

export interface StateCodec {
  encode(state: PreferenceState): Promise<string>;
  /** Throws InputError (400) on a malformed, unsigned or tampered token. */
  decode(token: string): Promise<PreferenceState>;
}

export function stateCodec(secret: string | undefined): StateCodec {
  const key = secret ? hmacKey(secret) : undefined;
  return {
    async encode(state) {
      const body = `${PREFIX}.${base64url(new TextEncoder().encode(JSON.stringify(state)))}`;
      if (!key) return body;
      const signature = await crypto.subtle.sign("HMAC", await key, new TextEncoder().encode(body));
      return `${body}.${base64url(new Uint8Array(signature))}`;
    },
    async decode(token) {
      const parts = token.split(".");
      if (parts.length < 2 || parts.length > 3 || parts[0] !== PREFIX) throw new InputError(`state is not a chat state token; ${RESTART}`);
      if (key) {
        const signature = parts[2] === undefined ? undefined : fromBase64url(parts[2]);
        if (!signature) throw new InputError(`state is not signed; this server signs its chat states, ${RESTART}`);
        const valid = await crypto.subtle.verify("HMAC", await key, signature, new TextEncoder().encode(`${parts[0]}.${parts[1]}`));
        if (!valid) throw new InputError(`state signature does not match: the state was altered or signed with another key; ${RESTART}`);
      }
      const bytes = fromBase64url(parts[1]);
      let json: unknown;
      try {
        json = bytes && JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
      } catch {
        json = undefined;
      }
      const parsed = StateSchema.safeParse(json);
      if (!parsed.success) throw new InputError(`state is not a valid chat state; ${RESTART}`, parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })));
      return parsed.data;
    },
  };
}

function hmacKey(secret: string) {
  return crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    return Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}
