// 预案 over HTTP: the contract's types (docs/api-v1.md), the calls, and the activations this
// console holds, merged by version from answers and the live feed.

import { apiRequest, type Recipient } from '../../api';
import { RecordStore } from '../../store';

// ---- contract (docs/api-v1.md, 预案) --------------------------------------------------------------

export type Scenario = 'fleeing_vehicle' | 'major_event' | 'missing_child' | 'natural_disaster' | 'other';
export const SCENARIOS: Scenario[] = ['fleeing_vehicle', 'major_event', 'missing_child', 'natural_disaster', 'other'];

export type StepTarget =
  | { kind: 'incident_org' }
  | { kind: 'incident_district' }
  | { kind: 'all_districts' }
  | { kind: 'org'; org_id: string }
  | { kind: 'nearest_units'; unit_kind: string; count: number };
export type TargetKind = StepTarget['kind'];
export const TARGET_KINDS: TargetKind[] = ['incident_org', 'incident_district', 'all_districts', 'org', 'nearest_units'];

export interface PlanStep {
  title: string;
  body: string;
  target: StepTarget;
  deadline_min: number;
  feedback_required: boolean;
}

export interface ResponsePlan {
  id: number;
  version: number;
  name: string;
  name_en: string;
  scenario: Scenario;
  steps: PlanStep[];
  retired: boolean;
  updated_by: string;
  updated_at: string;
}

export interface PlanDraft {
  name: string;
  name_en: string;
  scenario: Scenario;
  steps: PlanStep[];
}

export type StepStatus = 'issued' | 'signed' | 'fed_back' | 'overdue' | 'closed' | 'skipped';

export interface ActivationStep {
  index: number;
  title: string;
  target: StepTarget;
  instruction_id: number | null;
  deadline: string | null;
  feedback_required: boolean;
  recipients: Recipient[];
  short: number;
  status: StepStatus;
  overdue_at: string | null;
  closed_at: string | null;
}

export interface PlanActivation {
  id: number;
  plan_id: number;
  plan_version: number;
  plan_name: string;
  scenario: Scenario;
  incident_id: number;
  incident_org_id: string;
  activated_by: string;
  org_id: string;
  activated_at: string;
  instruction_ids: number[];
  steps: ActivationStep[];
  status: 'active' | 'closed';
  outcome: string | null;
  summary: string | null;
  closed_at: string | null;
  closed_by: string | null;
  version: number;
}

export interface StepProblem {
  status: number;
  code: string;
  message: string;
  field: string | null;
}

export interface PreviewStep {
  index: number;
  title: string;
  body: string;
  deadline: string;
  deadline_min: number;
  feedback_required: boolean;
  target: StepTarget;
  recipients: { target: string; name: string }[];
  short: number;
  skipped: boolean;
  problem: StepProblem | null;
}

export interface PlanPreview {
  plan: ResponsePlan;
  incident_id: number;
  steps: PreviewStep[];
  ready: boolean;
}

export interface TimelineItem {
  seq: number;
  at: string;
  actor: string;
  kind: string;
  data: { record?: PlanActivation | null; detail?: { step?: number; target?: string | null; name?: string | null; outcome?: string | null } | null };
}

export const rpApi = {
  list: () => apiRequest<{ items: ResponsePlan[] }>('GET', '/api/v1/response-plans'),
  get: (id: number, version?: number) => apiRequest<ResponsePlan>('GET', `/api/v1/response-plans/${id}${version ? `?version=${version}` : ''}`),
  versions: (id: number) => apiRequest<{ items: ResponsePlan[] }>('GET', `/api/v1/response-plans/${id}/versions`),
  create: (d: PlanDraft) => apiRequest<ResponsePlan>('POST', '/api/v1/response-plans', d),
  update: (id: number, d: PlanDraft) => apiRequest<ResponsePlan>('PUT', `/api/v1/response-plans/${id}`, d),
  retire: (id: number) => apiRequest<ResponsePlan>('POST', `/api/v1/response-plans/${id}/retire`, {}),
  preview: (incident: number, body: { plan_id: number; skip_steps: number[] }) =>
    apiRequest<PlanPreview>('POST', `/api/v1/incidents/${incident}/activate-plan/preview`, body),
  activate: (incident: number, body: { plan_id: number; version: number; skip_steps: number[] }) =>
    apiRequest<PlanActivation>('POST', `/api/v1/incidents/${incident}/activate-plan`, body),
  forIncident: (incident: number) => apiRequest<{ items: PlanActivation[] }>('GET', `/api/v1/incidents/${incident}/plan-activations`),
  activation: (id: number) => apiRequest<PlanActivation>('GET', `/api/v1/plan-activations/${id}`),
  timeline: (id: number) => apiRequest<{ items: TimelineItem[] }>('GET', `/api/v1/plan-activations/${id}/timeline`),
  close: (id: number, outcome: string, summary: string) => apiRequest<PlanActivation>('POST', `/api/v1/plan-activations/${id}/close`, { outcome, summary }),
};

/** Activations known to this console, merged by version from answers and the live feed. */
export const activations = new RecordStore<PlanActivation>();

/** Activation is for the duty leader and dispatchers (the server says who: `plan_operations`). */
