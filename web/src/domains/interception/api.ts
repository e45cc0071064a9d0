// 设卡布控 over HTTP: the contract's types (docs/api-v1.md), the calls, and the records this
// console holds, merged by version from answers and the live feed.

import { apiRequest, type LonLat } from '../../api';
import { RecordStore } from '../../store';

/** A planner remark: `{code, …params}` (worded by ./dictionary.ts). */
export interface PlanNote {
  code: string;
  [param: string]: unknown;
}

// ---- contract (docs/api-v1.md, 设卡布控) --------------------------------------------------------

export interface PlanPoint {
  node: number;
  lon: number;
  lat: number;
  label: string | null;
  unit_id: number;
  call_sign: string;
  unit_arrival_s: number;
  suspect_earliest_s: number;
  margin_s: number;
  route: [number, number][];
}

export interface ReachArea {
  seconds: number;
  polygon: [number, number][];
  nodes: number;
}

export interface InterceptPlan {
  crime_at: string;
  origin: LonLat;
  head_start_s: number;
  suspect_speed_kmh: number | null;
  incident_id: number | null;
  complete: boolean;
  closing_s: number;
  cordon: PlanPoint[];
  open_routes: { node: number; lon: number; lat: number; suspect_earliest_s: number; path: [number, number][] }[];
  enclosed_nodes: number;
  reachable_exits: number;
  units_considered: number;
  unusable_unit_ids: number[];
  /** The planner's remarks: a code with its parameters. */
  notes: PlanNote[];
  reach: ReachArea[];
  /** Road segments the suspect can be on: [lon_a, lat_a, lon_b, lat_b, earliest s], earliest first. */
  reach_roads?: [number, number, number, number, number][];
  elapsed_ms: number;
}

export type PointStatus = 'issued' | 'signed' | 'on_site' | 'late';

export interface InterceptionPoint {
  index: number;
  label: string | null;
  lon: number;
  lat: number;
  unit_id: number;
  call_sign: string;
  unit_org_id: string;
  deadline_s: number;
  deadline: string;
  instruction_id: number;
  status: PointStatus;
  signed_at: string | null;
  arrived_at: string | null;
  feedback: string | null;
  feedback_at: string | null;
  late_at: string | null;
  committed: boolean;
}

export interface Interception {
  id: number;
  incident_id: number | null;
  org_id: string;
  created_by: string;
  created_at: string;
  origin: LonLat;
  head_start_s: number;
  crime_at: string;
  status: 'active' | 'closed';
  outcome: 'caught' | 'lost' | 'stood_down' | null;
  summary: string | null;
  closed_at: string | null;
  closed_by: string | null;
  points: InterceptionPoint[];
  version: number;
}

export interface TimelineItem {
  seq: number;
  at: string;
  actor: string;
  kind: string;
  data: { record?: Interception | null; detail?: { point?: number; by?: string; outcome?: string } | null };
}

export const icpApi = {
  plan: (body: Record<string, unknown>) => apiRequest<InterceptPlan>('POST', '/api/v1/plans/intercept', body),
  activate: (body: Record<string, unknown>) => apiRequest<Interception>('POST', '/api/v1/interceptions', body),
  list: (status?: 'active' | 'closed') => apiRequest<{ items: Interception[] }>('GET', `/api/v1/interceptions${status ? `?status=${status}` : ''}`),
  get: (id: number) => apiRequest<Interception>('GET', `/api/v1/interceptions/${id}`),
  timeline: (id: number) => apiRequest<{ items: TimelineItem[] }>('GET', `/api/v1/interceptions/${id}/timeline`),
  close: (id: number, outcome: string, summary: string) =>
    apiRequest<Interception>('POST', `/api/v1/interceptions/${id}/close`, { outcome, summary }),
  arrived: (id: number, index: number) => apiRequest<Interception>('POST', `/api/v1/interceptions/${id}/points/${index}/arrived`, {}),
};

/** Interceptions known to this console, merged by version from answers and the live feed. */
export const interceptions = new RecordStore<Interception>();

