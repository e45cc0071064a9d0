// 来电 over HTTP: the telephone system's calls as the console sees them (docs/api-v1.md, 来电),
// and the records this console holds, merged by version from answers and the live feed. Lists
// and the live feed mask the caller's number; `get` and `answer` give it in full (audited).

import { apiRequest, type LonLat } from '../../api';
import { RecordStore } from '../../store';

export type CallLine = '110' | '119' | '122';
export type CallState = 'ringing' | 'answered' | 'ended' | 'abandoned';

export interface Call {
  id: number;
  external_id: string;
  line: CallLine;
  caller_number: string;
  location: LonLat | null;
  accuracy_m: number | null;
  org_id: string;
  state: CallState;
  rang_at: string;
  answered_at: string | null;
  answered_by: string | null;
  ended_at: string | null;
  incident_ids: number[];
  version: number;
}

/** The incident source a call on `line` records as. */
export const LINE_SOURCE: Record<CallLine, string> = { '110': 'call_110', '119': 'transfer_119', '122': 'transfer_122' };

export const calls = new RecordStore<Call>();

export const callsApi = {
  list: () => apiRequest<{ items: Call[] }>('GET', '/api/v1/telephony/calls'),
  /** The call in full (the caller's number): an audited read. */
  get: (id: number) => apiRequest<Call>('GET', `/api/v1/telephony/calls/${id}`),
  /** Answer a ringing call from the console; the answer carries the number in full. */
  answer: (id: number) => apiRequest<Call>('POST', `/api/v1/telephony/calls/${id}/answer`, {}),
};
