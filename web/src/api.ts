// HTTP client for the Zhihui API v1 (docs/api-v1.md). Keeps the session token in sessionStorage
// and reports 401 responses to a handler (the app goes back to the login page).

import type { Codes } from './i18n';

export interface User {
  username: string;
  display_name: string;
  role: string;
  org_id: string;
  /** For role `unit`: the unit this account reports for (GET /api/v1/me). */
  unit_id?: number | null;
  /** What the role may do, from the server (the console never keeps its own copy of the rules). */
  capabilities: Capability[];
  /** The command centre's time zone (IANA): every time is shown in it. */
  time_zone?: string;
}

/** A named capability (core's `Action`): the server checks it on every request. */
export type Capability =
  | 'read'
  | 'write_incident'
  | 'manage_unit'
  | 'update_own_unit'
  | 'plan_operations'
  | 'oversee'
  | 'answer_instruction'
  | 'administer'
  | 'analyse';

/** Whether `user` has `cap` (as the server told it at login). */
export function can(user: Pick<User, 'capabilities'>, cap: Capability): boolean {
  return user.capabilities?.includes(cap) ?? false;
}

export interface LonLat {
  lon: number;
  lat: number;
}

export type IncidentStatus = 'new' | 'dispatched' | 'on_scene' | 'closed';

export interface Incident {
  id: number;
  /** Hazards the crews must know of (code list `hazards`). */
  hazards?: string[];
  received_at: string;
  /** Where it came from: call_110 (default), transfer_119, walk_in, device_alarm, … */
  source?: string;
  /** The originating record in its source system. */
  source_ref?: string | null;
  /** Null for an anonymous call or a source without a caller. */
  caller: { name: string; phone: string } | null;
  location: LonLat;
  address: string;
  type: string;
  subtype: string | null;
  priority: number;
  description: string;
  org_id: string;
  status: IncidentStatus;
  disposition: string | null;
  summary: string | null;
  created_by: string;
  updated_at: string;
  version: number;
  /** Closed as a duplicate call: the incident it was merged into. */
  merged_into?: number | null;
  /** Calls merged into this incident. */
  merged_from?: number[];
}

/** An open incident that a call may repeat (GET /incidents/duplicates). */
export interface Duplicate {
  incident: Incident;
  distance_m: number;
  /** The incident's received time minus the call's, seconds. */
  seconds_apart: number;
}

export type UnitStatus = 'available' | 'dispatched' | 'en_route' | 'on_scene' | 'off_duty';

export interface Unit {
  id: number;
  call_sign: string;
  kind: string;
  org_id: string;
  status: UnitStatus;
  position: LonLat | null;
  position_at: string | null;
  updated_at: string;
  version: number;
}

export interface TrackFix {
  at: string;
  lon: number;
  lat: number;
  speed_mps: number | null;
  heading_deg: number | null;
}

export interface Track {
  unit_id: number;
  from: string;
  to: string;
  fixes: TrackFix[];
  more: boolean;
}

export interface Org {
  id: string;
  parent_id: string | null;
  name: string;
  name_en: string;
  kind: string;
}

export interface MapInfo {
  bbox: [number, number, number, number];
  center: [number, number];
  source: string;
  generated: boolean;
  attribution: string;
}

export interface TimelineItem {
  seq: number;
  at: string;
  actor: string;
  kind: string;
  data: unknown;
}

export interface NewIncident {
  source?: string;
  /** Omitted for an anonymous call. */
  caller?: { name: string; phone: string };
  location: LonLat;
  address: string;
  type: string;
  subtype?: string;
  priority: number;
  /** Why the call is filed less urgent than its kind's default (required then). */
  priority_reason?: string;
  description: string;
  org_id?: string;
  /** Record the call and merge it at once into this open incident. */
  merge_into?: number;
  /** Hazards (code list `hazards`). */
  hazards?: string[];
  /** When the call was received (the ring time of a telephony call); default now. */
  received_at?: string;
  /** The originating record (`call:ID` for a telephony call). */
  source_ref?: string;
}

/** An earlier incident near a place (premise history). */
export interface PremiseItem {
  incident: Incident;
  distance_m: number;
}

export interface Recommendation {
  unit_id: number;
  call_sign: string;
  kind: string;
  eta_s: number;
  distance_m: number;
}

export type AssignmentStatus = 'assigned' | 'signed' | 'en_route' | 'on_scene' | 'cleared' | 'cancelled';

export interface Assignment {
  id: number;
  incident_id: number;
  unit_id: number;
  call_sign: string;
  status: AssignmentStatus;
  eta_s: number | null;
  assigned_by: string;
  override_reason: string | null;
  result: string | null;
  assigned_at: string;
  signed_at: string | null;
  en_route_at: string | null;
  on_scene_at: string | null;
  closed_at: string | null;
  version: number;
}

export type Severity = 'critical' | 'major' | 'minor';
export type AlertState = 'new' | 'acknowledged' | 'resolved';

/** Who did something to an alert, and when. */
export interface Stamp {
  by: string;
  at: string;
  note?: string;
}

export interface Alert {
  id: number;
  kind: 'unsigned' | 'late_arrival' | 'instruction_overdue' | 'post_late' | 'post_empty' | string;
  subject: string;
  /** Repeats about the same thing count on one alert (`count`). */
  group: string;
  org_id: string;
  severity: Severity;
  state: AlertState;
  message: string;
  raised_at: string;
  last_raised_at?: string;
  count: number;
  acknowledged?: Stamp;
  resolved?: Stamp;
  escalated?: { at: string; to_org_id: string };
  version: number;
  data: { assignment_id?: number; incident_id?: number; unit_id?: number; instruction_id?: number; [k: string]: unknown };
}

export interface Route {
  seconds: number;
  meters: number;
  geometry: [number, number][];
}

export interface RoadHit {
  name: string;
  /** A road (a point on it), a house number, or a point of interest. */
  kind?: 'road' | 'address' | 'poi';
  /** For a point of interest, its OSM category (`amenity=hospital`). */
  category?: string;
  lon: number;
  lat: number;
}

export type RecipientStatus = 'pending' | 'signed' | 'done';

export interface Recipient {
  target: string;
  name: string;
  status: RecipientStatus;
  signed_at: string | null;
  signed_by: string | null;
  feedback: string | null;
  feedback_at: string | null;
}

export interface Instruction {
  id: number;
  title: string;
  body: string;
  /** Title and text as a code with parameters, when the system wrote them (see texts.ts). */
  text?: { code: string; params: Record<string, unknown> } | null;
  issued_by: string;
  issuer_org_id: string;
  issued_at: string;
  deadline: string;
  feedback_required: boolean;
  incident_id: number | null;
  status: 'open' | 'closed';
  outcome: string | null;
  closed_at: string | null;
  escalated_at: string | null;
  recipients: Recipient[];
  version?: number;
}

export interface NewInstruction {
  title: string;
  body: string;
  targets: ({ org_id: string } | { unit_id: number })[];
  deadline: string;
  feedback_required: boolean;
  incident_id?: number;
}

export interface Session {
  token: string;
  expires_at: string;
  user: User;
}

/** An error answered by the server (`{"error":{code,message,field}}`) or a network failure. */
export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public field: string | null = null,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'zhihui.token';
const USER_KEY = 'zhihui.user';

let unauthorizedHandler: (() => void) | null = null;

export function onUnauthorized(fn: () => void): void {
  unauthorizedHandler = fn;
}

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function getStoredUser(): User | null {
  try {
    const raw = sessionStorage.getItem(USER_KEY);
    return raw ? (JSON.parse(raw) as User) : null;
  } catch {
    return null;
  }
}

export function clearSession(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(USER_KEY);
}

async function request<T>(method: string, path: string, body?: unknown, auth = true): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const token = getToken();
  if (auth && token) headers.Authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'network', String((e as Error)?.message ?? e));
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string; field?: string | null } } | null)?.error;
    const apiErr = new ApiError(
      res.status,
      err?.code ?? `http_${res.status}`,
      err?.message ?? (text.slice(0, 200) || res.statusText),
      err?.field ?? null,
    );
    if (res.status === 401 && auth && unauthorizedHandler) unauthorizedHandler();
    throw apiErr;
  }
  return json as T;
}

function qs(params: Record<string, string | number | undefined | null>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export const api = {
  async login(username: string, password: string): Promise<Session> {
    const s = await request<Session>('POST', '/api/v1/session', { username, password }, false);
    sessionStorage.setItem(TOKEN_KEY, s.token);
    sessionStorage.setItem(USER_KEY, JSON.stringify(s.user));
    return s;
  },
  async logout(): Promise<void> {
    try {
      await request<void>('DELETE', '/api/v1/session', undefined, true);
    } finally {
      clearSession();
    }
  },
  me: () => request<User>('GET', '/api/v1/me'),
  codes: () => request<Codes>('GET', '/api/v1/codes'),
  orgs: () => request<{ items: Org[] }>('GET', '/api/v1/orgs'),
  orgAreas: () => request<GeoJSON.FeatureCollection>('GET', '/api/v1/orgs/areas'),
  allOrgs: () => request<{ items: Org[] }>('GET', '/api/v1/orgs?scope=all'),
  premiseHistory: (at: LonLat, radius_m = 50) =>
    request<{ items: PremiseItem[]; radius_m: number }>('GET', `/api/v1/incidents/history?lon=${at.lon}&lat=${at.lat}&radius_m=${radius_m}`),
  addNote: (id: number, text: string) => request<{ incident_id: number; text: string; by: string; at: string }>('POST', `/api/v1/incidents/${id}/notes`, { text }),
  handOver: (id: number, org_id: string, reason: string) => request<Incident>('POST', `/api/v1/incidents/${id}/handover`, { org_id, reason }),
  mapInfo: () => request<MapInfo>('GET', '/api/v1/map'),
  roads: () => request<GeoJSON.FeatureCollection>('GET', '/api/v1/map/roads.geojson'),
  incidents: (p: { status?: string; type?: string; org_id?: string; limit?: number; offset?: number } = {}) =>
    request<{ items: Incident[]; total: number }>('GET', `/api/v1/incidents${qs(p)}`),
  incident: (id: number) => request<Incident>('GET', `/api/v1/incidents/${id}`),
  createIncident: (body: NewIncident) => request<Incident>('POST', '/api/v1/incidents', body),
  patchIncident: (id: number, body: Partial<Incident>) => request<Incident>('PATCH', `/api/v1/incidents/${id}`, body),
  timeline: (id: number) => request<{ items: TimelineItem[] }>('GET', `/api/v1/incidents/${id}/timeline`),
  duplicates: (p: { type: string; lon: number; lat: number }) =>
    request<{ items: Duplicate[] }>('GET', `/api/v1/incidents/duplicates${qs(p)}`),
  incidentDuplicates: (id: number) => request<{ items: Duplicate[] }>('GET', `/api/v1/incidents/${id}/duplicates`),
  mergeIncident: (id: number, into: number) =>
    request<{ merged: Incident; into: Incident }>('POST', `/api/v1/incidents/${id}/merge`, { into }),
  units: (p: { status?: string; kind?: string; org_id?: string; limit?: number; offset?: number } = {}) =>
    request<{ items: Unit[]; total: number }>('GET', `/api/v1/units${qs(p)}`),
  patchUnit: (id: number, body: Partial<Unit>) => request<Unit>('PATCH', `/api/v1/units/${id}`, body),
  unit: (id: number) => request<Unit>('GET', `/api/v1/units/${id}`),
  /** Where a unit has been (AVL trail), oldest first; the read is audited. */
  track: (id: number, p: { from?: string; to?: string; limit?: number } = {}) =>
    request<Track>('GET', `/api/v1/units/${id}/track${qs(p)}`),

  // Road engine
  route: (from: LonLat, to: LonLat) =>
    request<Route>('GET', `/api/v1/roads/route${qs({ from: `${from.lon},${from.lat}`, to: `${to.lon},${to.lat}` })}`),
  roadSearch: (q: string) => request<RoadHit[]>('GET', `/api/v1/roads/search${qs({ q })}`),
  roadSnap: (p: LonLat) =>
    request<{ lon: number; lat: number; distance_m: number; name: string | null }>('GET', `/api/v1/roads/snap${qs({ at: `${p.lon},${p.lat}` })}`),

  // Dispatch
  recommendations: (id: number, k = 5) => request<Recommendation[]>('GET', `/api/v1/incidents/${id}/recommendations?k=${k}`),
  assign: (id: number, unit_id: number, reason?: string) =>
    request<Assignment>('POST', `/api/v1/incidents/${id}/assignments`, reason ? { unit_id, reason } : { unit_id }),
  incidentAssignments: (id: number) => request<{ items: Assignment[] }>('GET', `/api/v1/incidents/${id}/assignments`),
  unitAssignments: (id: number) => request<{ items: Assignment[] }>('GET', `/api/v1/units/${id}/assignments`),
  assignmentStatus: (id: number, status: AssignmentStatus, result?: string) =>
    request<Assignment>('POST', `/api/v1/assignments/${id}/status`, result !== undefined ? { status, result } : { status }),

  // Alerts
  alerts: () => request<{ items: Alert[] }>('GET', '/api/v1/alerts'),
  acknowledgeAlert: (id: number, note?: string) => request<Alert>('POST', `/api/v1/alerts/${id}/acknowledge`, note ? { note } : {}),
  resolveAlert: (id: number, note?: string) => request<Alert>('POST', `/api/v1/alerts/${id}/resolve`, note ? { note } : {}),

  // Instructions
  instructions: (status?: 'open' | 'closed') => request<{ items: Instruction[] }>('GET', `/api/v1/instructions${qs({ status })}`),
  instruction: (id: number) => request<Instruction>('GET', `/api/v1/instructions/${id}`),
  createInstruction: (body: NewInstruction) => request<Instruction>('POST', '/api/v1/instructions', body),
  signInstruction: (id: number, target: string) => request<Instruction>('POST', `/api/v1/instructions/${id}/sign`, { target }),
  feedbackInstruction: (id: number, target: string, text: string) =>
    request<Instruction>('POST', `/api/v1/instructions/${id}/feedback`, { target, text }),
  closeInstruction: (id: number, outcome: string) => request<Instruction>('POST', `/api/v1/instructions/${id}/close`, { outcome }),
};

/** May this user issue instructions? */
export function canIssueInstructions(user: User): boolean {
  return can(user, 'write_incident');
}

/** May this user create and change incidents and dispatch? */
export function canEditIncidents(user: User): boolean {
  return can(user, 'write_incident');
}

/** The raw client, for feature modules that keep their own typed endpoints (domains/interception/panel.ts). */
export { request as apiRequest };
