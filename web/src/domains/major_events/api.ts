// 重大安保 over HTTP: the contract's types (docs/api-v1.md), the calls, and the records this
// console holds, merged by version from answers and the live feed.

import { apiRequest } from '../../api';
import { RecordStore } from '../../store';

// ---- contract (docs/api-v1.md, 重大安保) ---------------------------------------------------------

export type PostStatus = 'pending' | 'staffed' | 'late' | 'empty' | 'relieved' | 'ended';
export type PostingStatus = 'assigned' | 'on_site' | 'left' | 'replaced' | 'released';

export interface PostUnit {
  unit_id: number;
  call_sign: string;
  kind: string;
  unit_org_id: string;
  instruction_id: number;
  status: PostingStatus;
  relief: boolean;
  assigned_at: string;
  assigned_by: string;
  travel_s: number | null;
  expected_at: string;
  due_at: string;
  signed_at: string | null;
  arrived_at: string | null;
  left_at: string | null;
  closed_at: string | null;
  replaced_by: number | null;
  late: boolean;
}

export interface Post {
  id: number;
  event_id: number;
  index: number;
  kind: 'checkpoint' | 'duty_point';
  label: string;
  lon: number;
  lat: number;
  kinds: string[];
  staff: number;
  shift_start: string;
  shift_end: string;
  status: PostStatus;
  on_site: number;
  assigned: number;
  overdue: number;
  vacant: number;
  lapses: number;
  lapse_since: string | null;
  reliefs: number;
  units: PostUnit[];
  active: boolean;
  version: number;
}

export interface MajorEvent {
  id: number;
  name: string;
  venue: string;
  starts_at: string;
  ends_at: string;
  org_id: string;
  created_by: string;
  created_at: string;
  status: 'active' | 'closed';
  checkpoints: number;
  duty_points: number;
  places: number;
  summary: string | null;
  closed_at: string | null;
  closed_by: string | null;
  version: number;
}

export interface Board {
  event: MajorEvent;
  now: string;
  posts: Post[];
}

export interface Proposal {
  event_id: number;
  postings: { post_id: number; post_index: number; label: string; unit_id: number; call_sign: string; kind: string; travel_s: number }[];
  short: { post_id: number; post_index: number; label: string; places: number }[];
  places: number;
  filled: number;
  makespan_s: number;
  total_s: number;
  units_considered: number;
  unusable_unit_ids: number[];
  elapsed_ms: number;
}

export interface TimelineItem {
  seq: number;
  at: string;
  actor: string;
  kind: string;
  data: { record?: Post | null; detail?: { by?: string; unit_id?: number; from?: string; to?: string } | null };
}

export const evApi = {
  list: () => apiRequest<{ items: MajorEvent[] }>('GET', '/api/v1/events?status=active'),
  board: (id: number) => apiRequest<Board>('GET', `/api/v1/events/${id}/board`),
  deploy: (id: number) => apiRequest<Proposal>('POST', `/api/v1/events/${id}/deploy`, {}),
  assign: (id: number, items: { post_id: number; unit_id: number }[]) =>
    apiRequest<{ assigned: number; posts: Post[] }>('POST', `/api/v1/events/${id}/assignments`, { items }),
  relief: (id: number, post: number) =>
    apiRequest<{ post: Post; unit_id: number; call_sign: string; travel_s: number | null; replaced_unit_id: number | null }>(
      'POST',
      `/api/v1/events/${id}/posts/${post}/relief`,
      {},
    ),
  arrived: (id: number, post: number, unit_id: number) => apiRequest<Post>('POST', `/api/v1/events/${id}/posts/${post}/arrived`, { unit_id }),
  timeline: (id: number, post: number) => apiRequest<{ items: TimelineItem[] }>('GET', `/api/v1/events/${id}/posts/${post}/timeline`),
};

/** Posts of the events this console follows, merged by version from answers and the live feed. */
export const posts = new RecordStore<Post>();
export const events = new RecordStore<MajorEvent>();

