// 舆情 over HTTP: public-opinion alerts as the console sees them (docs/api-v1.md, 舆情), and the
// records this console holds, merged by version from answers and the live feed. Lists and the
// live feed mask the posts' addresses; `get` gives them in full and `unmask` names the authors,
// both audited on the server.

import { apiRequest, type Incident, type LonLat } from '../../api';
import { RecordStore } from '../../store';

export type OpinionLevel = 'high' | 'elevated';
export type OpinionState = 'new' | 'acknowledged' | 'incident' | 'dismissed';

export interface Term {
  term: string;
  /** Characters of the post's text (0-based; end exclusive). */
  start: number;
  end: number;
  /** negated, hypothetical, past, third_person: how the clause reads it. */
  reading: string[];
}

export interface EvidencePost {
  post_id: string;
  text: string;
  /** A pseudonym (p-…); the handle only through an audited unmasking. */
  author: string;
  posted_at: string;
  url?: string;
  terms: Term[];
  score: number;
  model_score?: number;
}

export interface PlaceGuess {
  text: string;
  location: LonLat;
  confidence: number;
  source: 'geotag' | 'text' | 'analyst' | string;
}

export interface Stamp {
  by: string;
  at: string;
  note?: string;
}

export interface OpinionAlert {
  id: number;
  org_id: string;
  category: string;
  level: OpinionLevel;
  score: number;
  threshold: number;
  state: OpinionState;
  cluster_id: number;
  cluster_size: number;
  burst: number;
  evidence: EvidencePost[];
  place?: PlaceGuess;
  first_seen: string;
  last_seen: string;
  deadline: string;
  acknowledged?: Stamp;
  closed?: Stamp;
  incident_id?: number;
  escalations: { stage: OpinionState; at: string }[];
  version: number;
}

export interface Category {
  code: string;
  zh: string;
  en: string;
  incident_type: string;
  incident_subtype: string;
}

export const CATEGORY_CODES = [
  'self_harm',
  'violence',
  'fire',
  'traffic_accident',
  'explosion',
  'disaster',
  'food_poisoning',
  'missing_person',
  'fraud',
  'crowd_crush',
] as const;

export const opinionAlerts = new RecordStore<OpinionAlert>();

export const isOpen = (a: OpinionAlert): boolean => a.state === 'new' || a.state === 'acknowledged';

export const opinionApi = {
  list: () => apiRequest<{ items: OpinionAlert[] }>('GET', '/api/v1/opinion/alerts'),
  /** The alert in full (the posts' addresses): an audited read. */
  get: (id: number) => apiRequest<OpinionAlert>('GET', `/api/v1/opinion/alerts/${id}`),
  acknowledge: (id: number) => apiRequest<OpinionAlert>('POST', `/api/v1/opinion/alerts/${id}/acknowledge`, {}),
  dismiss: (id: number, reason: string) => apiRequest<OpinionAlert>('POST', `/api/v1/opinion/alerts/${id}/dismiss`, { reason }),
  toIncident: (id: number, body: { location?: LonLat; address?: string }) =>
    apiRequest<{ alert: OpinionAlert; incident: Incident }>('POST', `/api/v1/opinion/alerts/${id}/incident`, body),
  unmask: (id: number) =>
    apiRequest<{ authors: { post_id: string; pseudonym: string; handle: string | null }[] }>(
      'POST',
      `/api/v1/opinion/alerts/${id}/unmask`,
      {},
    ),
};

export interface LexiconVersion {
  version: number;
  terms: number;
  by: string;
  at: string;
  note: string;
}

export interface LexiconDoc extends LexiconVersion {
  text: string;
}

export const lexiconApi = {
  get: () => apiRequest<LexiconDoc>('GET', '/api/v1/opinion/lexicon'),
  versions: () => apiRequest<{ items: LexiconVersion[] }>('GET', '/api/v1/opinion/lexicon/versions'),
  save: (text: string, note: string, base_version: number) =>
    apiRequest<LexiconVersion>('PUT', '/api/v1/opinion/lexicon', { text, note, base_version }),
};

export interface ClusterPost {
  post_id: string;
  text: string;
  author: string;
  posted_at: string;
  received_at: string;
  raised: boolean;
}

export interface ClusterView {
  id: number;
  size: number;
  burst: number;
  first_seen: string;
  last_seen: string;
  sample: string;
  posts: ClusterPost[];
}

export const clusterApi = {
  get: (alertId: number) => apiRequest<ClusterView>('GET', `/api/v1/opinion/alerts/${alertId}/cluster`),
};
