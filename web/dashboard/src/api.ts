// The dashboard speaks the server's admin REST API (/admin/v1) with its session cookie; every
// change carries the CSRF token the session gave.

export type Role = "owner" | "admin" | "developer";

export interface Me {
  email: string;
  name: string;
  oid: string;
  installation_owner: boolean;
  csrf_token: string;
}

export interface Teamspace {
  id: number;
  name: string;
  plan: string;
  trial_ends: string | null;
  created: string;
  role?: Role;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken = "";

export async function session(): Promise<Me | null> {
  const r = await fetch("/dashboard/session", { credentials: "same-origin" });
  if (r.status === 401) return null;
  if (!r.ok) throw new ApiError(r.status, "session", `the server answered ${r.status}`);
  const me = (await r.json()) as Me;
  csrfToken = me.csrf_token;
  return me;
}

export async function signOut(): Promise<void> {
  await fetch("/dashboard/logout", { method: "POST", headers: { "X-CSRF-Token": csrfToken } });
}

export function ts(name: string): string {
  return `/admin/v1/teamspaces/${encodeURIComponent(name)}`;
}

export async function call<T>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<T> {
  const headers: Record<string, string> = {};
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken;
  let payload: string | undefined;
  if (body !== undefined) {
    headers["Content-Type"] = contentType;
    payload = typeof body === "string" ? body : JSON.stringify(body);
  }
  const r = await fetch(path, { method, headers, body: payload, credentials: "same-origin" });
  if (r.status === 204) return undefined as T;
  const text = await r.text();
  let parsed: any = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!r.ok) {
    throw new ApiError(r.status, parsed?.error ?? "http_" + r.status, parsed?.message ?? `the server answered ${r.status}`);
  }
  return parsed as T;
}
