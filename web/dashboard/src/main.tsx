import { render } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { ComponentChildren } from "preact";
import { ApiError, Me, Role, Teamspace, call, session, signOut, ts } from "./api";
import { drawDailyCalls } from "./chart";
import "./styles.css";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PAGE = 50;

function message(e: unknown): string {
  return e instanceof ApiError ? e.message : e instanceof Error ? e.message : String(e);
}

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return hash;
}

type Note = { kind: "ok" | "error"; text: string } | null;

// Runs a change; a refusal shows as the server's own message where the card shows its notes.
async function attempt(setNote: (note: Note) => void, change: () => Promise<void>): Promise<void> {
  try {
    await change();
  } catch (err) {
    setNote({ kind: "error", text: message(err) });
  }
}

function Notice({ kind, children }: { kind: "error" | "ok" | "info"; children: ComponentChildren }) {
  return (
    <p class={`notice ${kind}`} role={kind === "error" ? "alert" : "status"}>
      {children}
    </p>
  );
}

function Field(props: { id: string; label: string; value: string; onInput: (v: string) => void; hint?: string; type?: string }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={props.id}
        type={props.type ?? "text"}
        value={props.value}
        aria-describedby={props.hint ? `${props.id}-hint` : undefined}
        onInput={(e) => props.onInput((e.target as HTMLInputElement).value)}
      />
      {props.hint && (
        <small id={`${props.id}-hint`} class="hint">
          {props.hint}
        </small>
      )}
    </div>
  );
}

// --- Teamspaces ----------------------------------------------------------------------------

function TeamspaceList({ me }: { me: Me }) {
  const [list, setList] = useState<Teamspace[] | null>(null);
  const [error, setError] = useState("");
  const [name, setName] = useState("");
  const [plan, setPlan] = useState("enterprise");
  const [trialEnds, setTrialEnds] = useState("");
  const [created, setCreated] = useState("");

  const load = () =>
    call<{ teamspaces: Teamspace[] }>("GET", "/admin/v1/me")
      .then((r) => setList(r.teamspaces))
      .catch((e) => setError(message(e)));
  useEffect(() => {
    load();
  }, []);

  const create = async (e: Event) => {
    e.preventDefault();
    setError("");
    setCreated("");
    try {
      const body: Record<string, string> = { name, plan };
      if (plan === "enterprise-trial") body.trial_ends = trialEnds;
      const t = await call<Teamspace>("POST", "/admin/v1/teamspaces", body);
      await call("POST", `${ts(t.name)}/members`, { email: me.email, role: "owner" });
      setCreated(`Created teamspace ${t.name}; you are its owner.`);
      setName("");
      load();
    } catch (err) {
      setError(message(err));
    }
  };

  return (
    <section aria-labelledby="teamspaces-title">
      <h2 id="teamspaces-title">Teamspaces</h2>
      {error && <Notice kind="error">{error}</Notice>}
      {created && <Notice kind="ok">{created}</Notice>}
      {list === null ? (
        <p>Loading…</p>
      ) : list.length === 0 ? (
        <p>You are not a member of any teamspace yet. Ask a teamspace owner to add you.</p>
      ) : (
        <table>
          <caption class="visually-hidden">Your teamspaces</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Plan</th>
              <th scope="col">Your role</th>
            </tr>
          </thead>
          <tbody>
            {list.map((t) => (
              <tr key={t.id}>
                <td>
                  <a href={`#/t/${encodeURIComponent(t.name)}/overview`}>{t.name}</a>
                </td>
                <td>{planLabel(t)}</td>
                <td>{t.role}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {me.installation_owner && (
        <form class="card" onSubmit={create} aria-labelledby="create-title">
          <h3 id="create-title">Create a teamspace</h3>
          <Field id="new-name" label="Name" value={name} onInput={setName} hint="Letters, digits, - and _; not all digits." />
          <div class="field">
            <label for="new-plan">Plan</label>
            <select id="new-plan" value={plan} onChange={(e) => setPlan((e.target as HTMLSelectElement).value)}>
              <option value="free">Free</option>
              <option value="pro">Pro</option>
              <option value="enterprise">Enterprise</option>
              <option value="enterprise-trial">Enterprise trial</option>
            </select>
          </div>
          {plan === "enterprise-trial" && (
            <Field id="new-trial-ends" label="Trial ends" type="date" value={trialEnds} onInput={setTrialEnds} />
          )}
          <button type="submit">Create teamspace</button>
        </form>
      )}
    </section>
  );
}

function planLabel(t: Teamspace): string {
  const names: Record<string, string> = {
    free: "Free",
    pro: "Pro",
    enterprise: "Enterprise",
    "enterprise-trial": "Enterprise trial",
  };
  const label = names[t.plan] ?? t.plan;
  return t.trial_ends ? `${label} (ends ${t.trial_ends.slice(0, 10)})` : label;
}

function entraAllowed(t: Teamspace): boolean {
  if (t.plan === "enterprise") return true;
  return t.plan === "enterprise-trial" && !!t.trial_ends && new Date(t.trial_ends) > new Date();
}

// --- One teamspace -------------------------------------------------------------------------

const TABS: { id: string; label: string; managers: boolean }[] = [
  { id: "overview", label: "Overview", managers: false },
  { id: "entra", label: "Microsoft Entra ID", managers: true },
  { id: "members", label: "Members", managers: true },
  { id: "api-keys", label: "API keys", managers: false },
  { id: "usage", label: "Usage", managers: false },
  { id: "libraries", label: "Libraries", managers: false },
  { id: "audit", label: "Audit", managers: true },
];

// One teamspace's page. Keyed by the teamspace in the address (see App), so moving to another
// teamspace starts from nothing: no card shows, or fetches for, the teamspace left behind.
function TeamspacePage({ me, name, tab }: { me: Me; name: string; tab: string }) {
  const [team, setTeam] = useState<Teamspace | null>(null);
  const [role, setRole] = useState<Role | null>(null);
  const [error, setError] = useState("");
  const load = () =>
    Promise.all([call<Teamspace>("GET", ts(name)), call<{ teamspaces: Teamspace[] }>("GET", "/admin/v1/me")])
      .then(([t, mine]) => {
        setTeam(t);
        setRole((mine.teamspaces.find((m) => m.id === t.id)?.role as Role) ?? (me.installation_owner ? "owner" : null));
      })
      .catch((e) => setError(message(e)));
  useEffect(() => {
    load();
  }, []);

  if (error) return <Notice kind="error">{error}</Notice>;
  if (!team || !role) return <p>Loading…</p>;
  const manager = role !== "developer";
  const tabs = TABS.filter((t) => manager || !t.managers);
  const current = tabs.some((t) => t.id === tab) ? tab : "overview";
  return (
    <section aria-labelledby="team-title">
      <p>
        <a href="#/">All teamspaces</a>
      </p>
      <h2 id="team-title">{team.name}</h2>
      <nav aria-label="Teamspace sections" class="tabs">
        {tabs.map((t) => (
          <a key={t.id} href={`#/t/${encodeURIComponent(team.name)}/${t.id}`} aria-current={t.id === current ? "page" : undefined}>
            {t.label}
          </a>
        ))}
      </nav>
      {current === "overview" && <Overview me={me} team={team} role={role} onChange={load} />}
      {current === "entra" && <EntraTab team={team} />}
      {current === "api-keys" && <ApiKeys team={team} manager={manager} />}
      {current === "usage" && <Usage team={team} />}
      {current === "libraries" && <Libraries team={team} manager={manager} installation={me.installation_owner} />}
      {current === "members" && <Members team={team} role={role} />}
      {current === "audit" && <Audit team={team} />}
    </section>
  );
}

function Overview({ me, team, role, onChange }: { me: Me; team: Teamspace; role: Role; onChange: () => void }) {
  const [plan, setPlan] = useState(team.plan);
  const [trialEnds, setTrialEnds] = useState(team.trial_ends?.slice(0, 10) ?? "");
  const [note, setNote] = useState<Note>(null);
  const save = async (e: Event) => {
    e.preventDefault();
    await attempt(setNote, async () => {
      const body: Record<string, string> = { plan };
      if (plan === "enterprise-trial") body.trial_ends = trialEnds;
      await call("PUT", `${ts(team.name)}/plan`, body);
      setNote({ kind: "ok", text: "Plan saved." });
      onChange();
    });
  };
  return (
    <div class="card">
      <h3>Overview</h3>
      <dl>
        <dt>Plan</dt>
        <dd>{planLabel(team)}</dd>
        <dt>Your role</dt>
        <dd>{role}</dd>
        <dt>Microsoft Entra ID</dt>
        <dd>{entraAllowed(team) ? "Available on this plan" : "Needs the Enterprise plan or an active Enterprise trial"}</dd>
        <dt>Created</dt>
        <dd>{team.created.slice(0, 10)}</dd>
      </dl>
      {me.installation_owner && (
        <form onSubmit={save} aria-label="Change the plan">
          <div class="field">
            <label for="plan">Plan</label>
            <select id="plan" value={plan} onChange={(e) => setPlan((e.target as HTMLSelectElement).value)}>
              <option value="free">Free</option>
              <option value="pro">Pro</option>
              <option value="enterprise">Enterprise</option>
              <option value="enterprise-trial">Enterprise trial</option>
            </select>
          </div>
          {plan === "enterprise-trial" && <Field id="trial-ends" label="Trial ends" type="date" value={trialEnds} onInput={setTrialEnds} />}
          <button type="submit">Save plan</button>
        </form>
      )}
      {note && <Notice kind={note.kind}>{note.text}</Notice>}
    </div>
  );
}

// --- Microsoft Entra ID --------------------------------------------------------------------

interface EntraConfig {
  tenant_id: string;
  audience: string;
  required_scope: string;
}

interface TenantCheck {
  ok: boolean;
  step: string;
  message: string;
  issuer: string;
}

function EntraTab({ team }: { team: Teamspace }) {
  if (!entraAllowed(team))
    return (
      <div class="card">
        <h3>Microsoft Entra ID</h3>
        <p>
          Microsoft Entra ID sign-in is available on Enterprise teamspaces and active Enterprise trials. This teamspace is on the{" "}
          {planLabel(team)} plan.
        </p>
      </div>
    );
  return (
    <>
      <EntraCard team={team} />
      <EntraUsers team={team} />
    </>
  );
}

function EntraCard({ team }: { team: Teamspace }) {
  const [config, setConfig] = useState<EntraConfig>({ tenant_id: "", audience: "", required_scope: "mcp.access" });
  const [saved, setSaved] = useState(false);
  const [note, setNote] = useState<Note>(null);
  const [check, setCheck] = useState<TenantCheck | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    call<EntraConfig>("GET", `${ts(team.name)}/entra`)
      .then((c) => {
        setConfig({ tenant_id: c.tenant_id, audience: c.audience, required_scope: c.required_scope });
        setSaved(true);
      })
      .catch((e) => {
        if (!(e instanceof ApiError && e.status === 404)) setNote({ kind: "error", text: message(e) });
      });
  }, [team.name]);

  const problems: string[] = [];
  if (config.tenant_id && !GUID.test(config.tenant_id)) problems.push("Tenant ID must be a GUID (Directory (tenant) ID in Entra).");
  if (config.audience && !GUID.test(config.audience))
    problems.push("Audience must be the MCP API app's Application (client) ID, a GUID — not an api:// URI.");

  const save = async (e: Event) => {
    e.preventDefault();
    setNote(null);
    setCheck(null);
    await attempt(setNote, async () => {
      await call("PUT", `${ts(team.name)}/entra`, config);
      setSaved(true);
      setNote({ kind: "ok", text: "Microsoft Entra ID configuration saved." });
    });
  };
  const test = async () => {
    setCheck(null);
    setBusy(true);
    try {
      setCheck(await call<TenantCheck>("POST", `${ts(team.name)}/entra/test`));
    } catch (err) {
      setNote({ kind: "error", text: message(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card" onSubmit={save} aria-labelledby="entra-title">
      <h3 id="entra-title">Microsoft Entra ID</h3>
      <p>Tokens from this tenant, issued for this audience and carrying this scope, are accepted for this teamspace.</p>
      <Field
        id="tenant-id"
        label="Tenant ID"
        value={config.tenant_id}
        onInput={(v) => setConfig({ ...config, tenant_id: v.trim() })}
        hint="Directory (tenant) ID, from the app registration's Overview page."
      />
      <Field
        id="audience"
        label="Audience"
        value={config.audience}
        onInput={(v) => setConfig({ ...config, audience: v.trim() })}
        hint="Application (client) ID of the MCP API app registration."
      />
      <Field
        id="required-scope"
        label="Required scope"
        value={config.required_scope}
        onInput={(v) => setConfig({ ...config, required_scope: v.trim() })}
        hint="The delegated scope tokens must carry, e.g. mcp.access."
      />
      {problems.map((p) => (
        <Notice kind="error" key={p}>
          {p}
        </Notice>
      ))}
      <div class="actions">
        <button type="submit" disabled={problems.length > 0}>
          Save
        </button>
        <button type="button" class="secondary" onClick={test} disabled={!saved || busy}>
          {busy ? "Testing…" : "Test connection"}
        </button>
      </div>
      {note && <Notice kind={note.kind}>{note.text}</Notice>}
      {check && (
        <div class={`check ${check.ok ? "ok" : "error"}`} role="status">
          <strong>{check.ok ? "Connection succeeded" : "Connection failed"}</strong>
          <p>
            {check.ok
              ? "Fetched the tenant's OpenID Connect discovery document and confirmed the issuer matches."
              : "The tenant's OpenID Connect discovery document could not be fetched, or its issuer does not match. Check that Tenant ID is your Entra directory ID."}
          </p>
          <p>{check.message}</p>
          {check.issuer && <p>Issuer: {check.issuer}</p>}
          <p>Checked: {check.step === "ok" ? "discovery document, issuer, keys location" : `stopped at ${check.step}`}</p>
        </div>
      )}
    </form>
  );
}

interface EntraUser {
  email: string;
  oid: string;
  created: string;
}

interface ImportRow {
  line: number;
  email: string;
  oid: string;
  ok: boolean;
  message: string;
}

function EntraUsers({ team }: { team: Teamspace }) {
  const [users, setUsers] = useState<EntraUser[]>([]);
  const [total, setTotal] = useState(0);
  const [offset, setOffset] = useState(0);
  const [query, setQuery] = useState("");
  const [email, setEmail] = useState("");
  const [oid, setOid] = useState("");
  const [note, setNote] = useState<Note>(null);
  const [csv, setCsv] = useState("");
  const [report, setReport] = useState<{ rows: ImportRow[]; failed: number; imported: number; checked: boolean } | null>(null);

  const load = (q = query, from = offset) =>
    call<{ users: EntraUser[]; total: number }>(
      "GET",
      `${ts(team.name)}/users?limit=${PAGE}&offset=${from}&q=${encodeURIComponent(q)}`,
    )
      .then((r) => {
        setUsers(r.users);
        setTotal(r.total);
      })
      .catch((e) => setNote({ kind: "error", text: message(e) }));
  useEffect(() => {
    load();
  }, [team.name]);

  const add = async (e: Event) => {
    e.preventDefault();
    setNote(null);
    if (!GUID.test(oid.trim())) {
      setNote({ kind: "error", text: "Object ID must be a GUID: the user's Object ID from Entra ID → Users." });
      return;
    }
    await attempt(setNote, async () => {
      await call("POST", `${ts(team.name)}/users`, { email: email.trim(), oid: oid.trim() });
      setNote({ kind: "ok", text: `Added ${email.trim()}.` });
      setEmail("");
      setOid("");
      load();
    });
  };
  const remove = async (u: EntraUser) => {
    await attempt(setNote, async () => {
      await call("DELETE", `${ts(team.name)}/users/${encodeURIComponent(u.email)}`);
      setNote({ kind: "ok", text: `Removed ${u.email}.` });
      load();
    });
  };
  const runImport = async (checkOnly: boolean) => {
    setNote(null);
    await attempt(setNote, async () => {
      const r = await call<{ rows: ImportRow[]; failed: number; imported: number }>(
        "POST",
        `${ts(team.name)}/users/import?${checkOnly ? "check=true" : "all_or_nothing=true"}`,
        csv,
        "text/csv",
      );
      setReport({ ...r, checked: checkOnly });
      if (!checkOnly && r.failed === 0) {
        setNote({ kind: "ok", text: `Imported ${r.imported} user(s).` });
        setCsv("");
        load();
      }
    });
  };
  const readFile = async (e: Event) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) setCsv(await file.text());
    setReport(null);
  };

  return (
    <div class="card" aria-labelledby="users-title" role="region">
      <h3 id="users-title">Microsoft Entra ID users</h3>
      <p>Only these people can use the MCP server through Entra ID. The same email may be in several teamspaces.</p>
      <form onSubmit={add} class="inline" aria-label="Add user">
        <Field id="user-email" label="Email" value={email} onInput={setEmail} />
        <Field id="user-oid" label="Object ID" value={oid} onInput={setOid} hint="Entra ID → Users → the user → Object ID." />
        <button type="submit">Add user</button>
      </form>
      {note && <Notice kind={note.kind}>{note.text}</Notice>}
      <form
        class="inline"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setOffset(0);
          load(query, 0);
        }}
      >
        <Field id="user-search" label="Search users" value={query} onInput={setQuery} />
        <button type="submit" class="secondary">
          Search
        </button>
        <a class="button secondary" href={`${ts(team.name)}/users.csv`} download="entra-users.csv">
          Export CSV
        </a>
      </form>
      <table>
        <caption>
          {total} user(s){total > PAGE ? `, showing ${offset + 1}–${Math.min(offset + PAGE, total)}` : ""}
        </caption>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Object ID</th>
            <th scope="col">Added</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.oid}>
              <td>{u.email}</td>
              <td class="mono">{u.oid}</td>
              <td>{u.created.slice(0, 10)}</td>
              <td>
                <button type="button" class="danger" onClick={() => remove(u)} aria-label={`Remove ${u.email}`}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {total > PAGE && (
        <div class="actions">
          <button
            type="button"
            class="secondary"
            disabled={offset === 0}
            onClick={() => {
              const next = Math.max(0, offset - PAGE);
              setOffset(next);
              load(query, next);
            }}
          >
            Previous page
          </button>
          <button
            type="button"
            class="secondary"
            disabled={offset + PAGE >= total}
            onClick={() => {
              const next = offset + PAGE;
              setOffset(next);
              load(query, next);
            }}
          >
            Next page
          </button>
        </div>
      )}
      <h4>Import from CSV</h4>
      <p>
        One <code>email,oid</code> per line; a header line is optional. Check shows what would happen to each row; Import writes all rows
        or none.
      </p>
      <div class="field">
        <label for="csv-file">CSV file</label>
        <input id="csv-file" type="file" accept=".csv,text/csv" onChange={readFile} />
      </div>
      <div class="field">
        <label for="csv-text">CSV text</label>
        <textarea
          id="csv-text"
          rows={5}
          value={csv}
          onInput={(e) => {
            setCsv((e.target as HTMLTextAreaElement).value);
            setReport(null);
          }}
        />
      </div>
      <div class="actions">
        <button type="button" class="secondary" onClick={() => runImport(true)} disabled={!csv.trim()}>
          Check CSV
        </button>
        <button type="button" onClick={() => runImport(false)} disabled={!report || !report.checked || report.failed > 0}>
          Import
        </button>
      </div>
      {report && (
        <div role="status">
          <p class={report.failed ? "notice error" : "notice ok"}>
            {report.failed
              ? `${report.failed} row(s) have problems; nothing was written. Fix them and check again.`
              : report.checked
                ? `All ${report.rows.length} row(s) are valid. Press Import to write them.`
                : `Imported ${report.imported} user(s).`}
          </p>
          <table>
            <caption>Import report</caption>
            <thead>
              <tr>
                <th scope="col">Line</th>
                <th scope="col">Email</th>
                <th scope="col">Object ID</th>
                <th scope="col">Result</th>
              </tr>
            </thead>
            <tbody>
              {report.rows.map((r) => (
                <tr key={r.line} class={r.ok ? "" : "bad"}>
                  <td>{r.line}</td>
                  <td>{r.email}</td>
                  <td class="mono">{r.oid}</td>
                  <td>{r.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

// --- API keys ------------------------------------------------------------------------------

interface ApiKey {
  id: number;
  name: string;
  prefix: string;
  created: string;
  revoked: string | null;
  owner: string | null;
  last_used: string | null;
}

function ApiKeys({ team, manager }: { team: Teamspace; manager: boolean }) {
  const [keys, setKeys] = useState<ApiKey[]>([]);
  const [name, setName] = useState("");
  const [secret, setSecret] = useState("");
  const [note, setNote] = useState<Note>(null);
  const load = () =>
    call<{ api_keys: ApiKey[] }>("GET", `${ts(team.name)}/api-keys`)
      .then((r) => setKeys(r.api_keys))
      .catch((e) => setNote({ kind: "error", text: message(e) }));
  useEffect(() => {
    load();
  }, [team.name]);
  const create = async (e: Event) => {
    e.preventDefault();
    setNote(null);
    await attempt(setNote, async () => {
      const k = await call<ApiKey & { secret: string }>("POST", `${ts(team.name)}/api-keys`, { name: name.trim() });
      setSecret(k.secret);
      setName("");
      load();
    });
  };
  const revoke = async (k: ApiKey) => {
    await attempt(setNote, async () => {
      await call("DELETE", `${ts(team.name)}/api-keys/${k.id}`);
      setNote({ kind: "ok", text: `Revoked ${k.name}.` });
      load();
    });
  };
  return (
    <div class="card" role="region" aria-labelledby="keys-title">
      <h3 id="keys-title">API keys</h3>
      <p>{manager ? "Every key of this teamspace." : "Your own keys in this teamspace."}</p>
      <form onSubmit={create} class="inline" aria-label="Create an API key">
        <Field id="key-name" label="Key name" value={name} onInput={setName} />
        <button type="submit" disabled={!name.trim()}>
          Create API key
        </button>
      </form>
      {secret && (
        <div class="notice ok" role="status">
          <p>Copy this key now: it is shown only once.</p>
          <code class="secret" data-testid="new-secret">
            {secret}
          </code>
          <button type="button" class="secondary" onClick={() => setSecret("")}>
            I have copied it
          </button>
        </div>
      )}
      {note && <Notice kind={note.kind}>{note.text}</Notice>}
      <table>
        <caption class="visually-hidden">API keys</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Key</th>
            <th scope="col">Owner</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.id}>
              <td>{k.name}</td>
              <td class="mono">{k.prefix}…</td>
              <td>{k.owner ?? "teamspace"}</td>
              <td>{k.created.slice(0, 10)}</td>
              <td>{k.last_used ? k.last_used.replace("T", " ").slice(0, 16) : "never"}</td>
              <td>
                {k.revoked ? (
                  `revoked ${k.revoked.slice(0, 10)}`
                ) : (
                  <button type="button" class="danger" onClick={() => revoke(k)} aria-label={`Revoke ${k.name}`}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// --- Usage ---------------------------------------------------------------------------------

interface UsageCount {
  day: string;
  user: string;
  tool: string;
  calls: number;
}

interface UsageRecord {
  time: string;
  user: string;
  tool: string;
  outcome: string;
  latency_ms: number;
}

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function totals(counts: UsageCount[], key: (c: UsageCount) => string): [string, number][] {
  const m = new Map<string, number>();
  for (const c of counts) m.set(key(c), (m.get(key(c)) ?? 0) + c.calls);
  return [...m.entries()].sort((a, b) => b[1] - a[1]);
}

function CallTotals({ caption, column, rows }: { caption: string; column: string; rows: [string, number][] }) {
  return (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{column}</th>
          <th scope="col">Calls</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([name, calls]) => (
          <tr key={name}>
            <td>{name}</td>
            <td>{calls}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Usage({ team }: { team: Teamspace }) {
  const today = new Date();
  const [from, setFrom] = useState(isoDay(new Date(today.getTime() - 29 * 86400000)));
  const [to, setTo] = useState(isoDay(today));
  const [data, setData] = useState<{ counts: UsageCount[]; recent: UsageRecord[]; own_only: boolean } | null>(null);
  const [error, setError] = useState("");
  const canvas = useRef<HTMLCanvasElement>(null);
  const load = () =>
    call<{ counts: UsageCount[]; recent: UsageRecord[]; own_only: boolean }>(
      "GET",
      `${ts(team.name)}/usage/report?from=${from}&to=${to}`,
    )
      .then((r) => {
        setData(r);
        setError("");
      })
      .catch((e) => setError(message(e)));
  useEffect(() => {
    load();
  }, [team.name]);

  const days = useMemo(() => {
    if (!data) return [] as [string, number][];
    const all: [string, number][] = [];
    for (let d = new Date(from + "T00:00:00Z"); isoDay(d) <= to; d = new Date(d.getTime() + 86400000)) all.push([isoDay(d), 0]);
    const byDay = new Map(totals(data.counts, (c) => c.day));
    return all.map(([d]) => [d, byDay.get(d) ?? 0] as [string, number]);
  }, [data]);

  useEffect(() => {
    if (!canvas.current || !data) return;
    const chart = drawDailyCalls(
      canvas.current,
      days.map((d) => d[0].slice(5)),
      days.map((d) => d[1]),
    );
    return () => chart.destroy();
  }, [days]);

  const total = days.reduce((n, d) => n + d[1], 0);
  return (
    <div class="card" role="region" aria-labelledby="usage-title">
      <h3 id="usage-title">Usage</h3>
      {data?.own_only && <p>Your own tool calls in this teamspace.</p>}
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          load();
        }}
        aria-label="Date range"
      >
        <Field id="usage-from" label="From" type="date" value={from} onInput={setFrom} />
        <Field id="usage-to" label="To" type="date" value={to} onInput={setTo} />
        <button type="submit" class="secondary">
          Show
        </button>
        <a class="button secondary" href={`${ts(team.name)}/usage.csv?from=${from}&to=${to}`} download="usage.csv">
          Export CSV
        </a>
      </form>
      {error && <Notice kind="error">{error}</Notice>}
      <p data-testid="usage-total">
        {total} tool call(s) from {from} to {to}
      </p>
      <div class="chart">
        <canvas ref={canvas} role="img" aria-label={`Tool calls per day: ${total} in all`} />
      </div>
      <div class="columns">
        <CallTotals caption="Calls per user" column="User" rows={data ? totals(data.counts, (c) => c.user) : []} />
        <CallTotals caption="Calls per tool" column="Tool" rows={data ? totals(data.counts, (c) => c.tool) : []} />
      </div>
      <table>
        <caption>Latest calls</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">User</th>
            <th scope="col">Tool</th>
            <th scope="col">Outcome</th>
            <th scope="col">Latency</th>
          </tr>
        </thead>
        <tbody>
          {data?.recent.slice(0, 20).map((r, i) => (
            <tr key={i}>
              <td>{r.time.replace("T", " ").slice(0, 19)}</td>
              <td>{r.user}</td>
              <td>{r.tool}</td>
              <td>{r.outcome}</td>
              <td>{r.latency_ms} ms</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// --- Libraries -----------------------------------------------------------------------------

interface LibraryVersion {
  tag: string;
  state: string;
  snippets: number;
  updated: string;
  benchmark_score: number;
}

interface Library {
  id: string;
  title: string;
  versions: LibraryVersion[];
  groups: string[];
}

function Libraries({ team, manager, installation }: { team: Teamspace; manager: boolean; installation: boolean }) {
  const [libraries, setLibraries] = useState<Library[]>([]);
  const [library, setLibrary] = useState("");
  const [group, setGroup] = useState("");
  const [note, setNote] = useState<Note>(null);
  const load = () =>
    call<{ libraries: Library[] }>("GET", `${ts(team.name)}/libraries`)
      .then((r) => {
        setLibraries(r.libraries);
        if (!library && r.libraries.length) setLibrary(r.libraries[0].id);
      })
      .catch((e) => setNote({ kind: "error", text: message(e) }));
  useEffect(() => {
    load();
  }, [team.name]);
  const path = (id: string) => `${ts(team.name)}/libraries/${encodeURIComponent(id)}/groups`;
  const restrict = async (e: Event) => {
    e.preventDefault();
    setNote(null);
    await attempt(setNote, async () => {
      await call("POST", path(library), { group: group.trim() });
      setNote({ kind: "ok", text: `${library} is now visible only to members of group ${group.trim()} (and its other groups).` });
      setGroup("");
      load();
    });
  };
  const lift = async (id: string, g: string) => {
    await attempt(setNote, async () => {
      await call("DELETE", `${path(id)}/${encodeURIComponent(g)}`);
      setNote({ kind: "ok", text: `Group ${g} no longer restricts ${id}.` });
      load();
    });
  };
  const refresh = async (id: string) => {
    await attempt(setNote, async () => {
      await call("POST", `/admin/v1/libraries/${encodeURIComponent(id)}/refresh`);
      setNote({ kind: "ok", text: `Refreshing ${id} from its sources; its state below changes when it is done.` });
      load();
    });
  };
  return (
    <div class="card" role="region" aria-labelledby="libraries-title">
      <h3 id="libraries-title">Libraries</h3>
      {note && <Notice kind={note.kind}>{note.text}</Notice>}
      <table>
        <caption class="visually-hidden">Indexed libraries</caption>
        <thead>
          <tr>
            <th scope="col">Library</th>
            <th scope="col">Versions</th>
            <th scope="col">Snippets</th>
            <th scope="col">Updated</th>
            <th scope="col">Benchmark</th>
            <th scope="col">Visible to</th>
          </tr>
        </thead>
        <tbody>
          {libraries.map((l) => {
            const latest = l.versions[0];
            return (
              <tr key={l.id}>
                <td>
                  <span class="mono">{l.id}</span>
                  <br />
                  {l.title}
                  {installation && (
                    <>
                      <br />
                      <button type="button" class="link-action" onClick={() => refresh(l.id)} aria-label={`Refresh ${l.id}`}>
                        Refresh
                      </button>
                    </>
                  )}
                </td>
                <td>{l.versions.map((v) => `${v.tag || "latest"} (${v.state})`).join(", ")}</td>
                <td>{latest?.snippets ?? 0}</td>
                <td>{latest?.updated.slice(0, 10) ?? ""}</td>
                <td>{latest ? Math.round(latest.benchmark_score) : ""}</td>
                <td>
                  {l.groups.length === 0
                    ? "everyone in the teamspace"
                    : l.groups.map((g) => (
                        <span key={g} class="chip">
                          group <span class="mono">{g}</span>
                          {manager && (
                            <button type="button" class="link" onClick={() => lift(l.id, g)} aria-label={`Lift restriction ${g} on ${l.id}`}>
                              ×
                            </button>
                          )}
                        </span>
                      ))}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {manager && libraries.length > 0 && (
        <form class="inline" onSubmit={restrict} aria-label="Restrict a library to an Entra group">
          <div class="field">
            <label for="restrict-library">Library</label>
            <select id="restrict-library" value={library} onChange={(e) => setLibrary((e.target as HTMLSelectElement).value)}>
              {libraries.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.id}
                </option>
              ))}
            </select>
          </div>
          <Field id="restrict-group" label="Entra group object ID" value={group} onInput={setGroup} />
          <button type="submit" disabled={!GUID.test(group.trim())}>
            Restrict to group
          </button>
        </form>
      )}
    </div>
  );
}

// --- Audit ---------------------------------------------------------------------------------

interface AuditEntry {
  id: number;
  time: string;
  actor: string;
  actor_oid: string;
  channel: string;
  action: string;
  detail: string;
}

// --- Members -------------------------------------------------------------------------------

interface Member {
  email: string;
  role: Role;
  created: string;
}

function Members({ team, role }: { team: Teamspace; role: Role }) {
  const [members, setMembers] = useState<Member[]>([]);
  const [email, setEmail] = useState("");
  const [newRole, setNewRole] = useState<Role>("admin");
  const [note, setNote] = useState<Note>(null);
  const load = () =>
    call<{ members: Member[] }>("GET", `${ts(team.name)}/members`)
      .then((r) => setMembers(r.members))
      .catch((e) => setNote({ kind: "error", text: message(e) }));
  useEffect(() => {
    load();
  }, [team.name]);
  const add = async (e: Event) => {
    e.preventDefault();
    setNote(null);
    await attempt(setNote, async () => {
      const m = await call<Member>("POST", `${ts(team.name)}/members`, { email: email.trim(), role: newRole });
      setNote({ kind: "ok", text: `${m.email} is now ${m.role} of ${team.name}.` });
      setEmail("");
      load();
    });
  };
  return (
    <div class="card" role="region" aria-labelledby="members-title">
      <h3 id="members-title">Members</h3>
      <p>
        Owners and admins manage this teamspace in the dashboard; developers see it, their own API keys and their own usage. People
        sign in with the email shown here. {role === "owner" ? "" : "Only an owner can make someone an owner."}
      </p>
      <form class="inline" onSubmit={add} aria-label="Add or change a member">
        <Field id="member-email" label="Member email" value={email} onInput={setEmail} />
        <div class="field">
          <label for="member-role">Role</label>
          <select id="member-role" value={newRole} onChange={(e) => setNewRole((e.target as HTMLSelectElement).value as Role)}>
            {role === "owner" && <option value="owner">Owner</option>}
            <option value="admin">Admin</option>
            <option value="developer">Developer</option>
          </select>
        </div>
        <button type="submit" disabled={!email.includes("@")}>
          Save member
        </button>
      </form>
      {note && <Notice kind={note.kind}>{note.text}</Notice>}
      <table>
        <caption class="visually-hidden">Members</caption>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Since</th>
          </tr>
        </thead>
        <tbody>
          {members.map((m) => (
            <tr key={m.email}>
              <td>{m.email}</td>
              <td>{m.role}</td>
              <td>{m.created.slice(0, 10)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Audit({ team }: { team: Teamspace }) {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [error, setError] = useState("");
  useEffect(() => {
    call<{ audit: AuditEntry[] }>("GET", `${ts(team.name)}/audit?limit=500`)
      .then((r) => setEntries(r.audit))
      .catch((e) => setError(message(e)));
  }, [team.name]);
  return (
    <div class="card" role="region" aria-labelledby="audit-title">
      <h3 id="audit-title">Audit</h3>
      <p>
        Every change to this teamspace, from the dashboard, the command line or the REST API. Entries cannot be changed or deleted.{" "}
        <a class="button secondary" href={`${ts(team.name)}/audit.csv`} download="audit.csv">
          Export CSV
        </a>
      </p>
      {error && <Notice kind="error">{error}</Notice>}
      <table>
        <caption class="visually-hidden">Audit log</caption>
        <thead>
          <tr>
            <th scope="col">Time (UTC)</th>
            <th scope="col">Who</th>
            <th scope="col">Via</th>
            <th scope="col">Action</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.id}>
              <td>{e.time.replace("T", " ").slice(0, 19)}</td>
              <td>
                {e.actor}
                {e.actor_oid && (
                  <>
                    <br />
                    <span class="mono small">{e.actor_oid}</span>
                  </>
                )}
              </td>
              <td>{e.channel}</td>
              <td class="mono">{e.action}</td>
              <td>{e.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// --- The page ------------------------------------------------------------------------------

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [error, setError] = useState("");
  const hash = useHash();
  useEffect(() => {
    session()
      .then(setMe)
      .catch((e) => setError(message(e)));
  }, []);

  if (error) return <Notice kind="error">{error}</Notice>;
  if (me === undefined) return <p>Loading…</p>;
  if (me === null)
    return (
      <main id="main" class="signin">
        <h1>mcpgate dashboard</h1>
        <p>Sign in with your organisation's Microsoft Entra ID account to manage teamspaces, users, API keys and usage.</p>
        <a class="button" href={`/dashboard/login?return_to=${encodeURIComponent("/dashboard/" + location.hash)}`}>
          Sign in with Microsoft Entra ID
        </a>
      </main>
    );

  const parts = hash.replace(/^#\/?/, "").split("/");
  let teamspace = "";
  try {
    teamspace = parts[0] === "t" && parts[1] ? decodeURIComponent(parts[1]) : "";
  } catch {
    teamspace = ""; // a malformed address shows the list
  }
  const page = teamspace ? (
    <TeamspacePage key={teamspace} me={me} name={teamspace} tab={parts[2] ?? "overview"} />
  ) : (
    <TeamspaceList me={me} />
  );
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header>
        <h1>
          <a href="#/">mcpgate dashboard</a>
        </h1>
        <div class="who">
          <span>
            Signed in as <strong>{me.email}</strong>
            {me.installation_owner ? " (installation owner)" : ""}
          </span>
          <button
            type="button"
            class="secondary"
            onClick={async () => {
              await signOut();
              location.assign("/dashboard/");
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main">{page}</main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
