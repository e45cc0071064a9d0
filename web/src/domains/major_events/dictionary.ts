// Strings of 安保部署 (major-event deployment), merged into the console's dictionary (i18n.ts), and
// the wording of the codes this domain writes: the post orders and the lapse alerts.

import { coord, hms, list, registerInstructionTexts, registerTexts, str, type Params } from '../../texts';

export const eventDict = {
  'ev.title': { zh: '安保部署', en: 'Event security' },
  'ev.short': { zh: '安保', en: 'Event' },
  'ev.buttonTitle': { zh: '重大安保：岗位到位情况', en: 'Major event: who is at which post' },
  'ev.none': { zh: '暂无进行中的安保活动', en: 'No event deployment under way' },
  'ev.events': { zh: '安保活动', en: 'Events' },
  'ev.venue': { zh: '地点', en: 'Venue' },
  'ev.shift': { zh: '执勤时段', en: 'Shift' },
  'ev.toShift': { zh: '距上岗', en: 'Shift starts in' },
  'ev.onShift': { zh: '执勤中', en: 'On shift' },
  'ev.shiftOver': { zh: '已收岗', en: 'Shift over' },
  'ev.closed': { zh: '已结束', en: 'Closed' },
  'ev.checkpoints': { zh: '检查站', en: 'Checkpoints' },
  'ev.dutyPoints': { zh: '执勤点', en: 'Duty points' },
  'ev.onSite': { zh: '到位警力', en: 'Units on site' },
  'ev.gaps': { zh: '缺口', en: 'Gaps' },
  'ev.all': { zh: '全部', en: 'All' },
  'ev.kind.checkpoint': { zh: '检查站', en: 'Checkpoint' },
  'ev.kind.duty_point': { zh: '执勤点', en: 'Duty point' },
  'ev.kindShort.checkpoint': { zh: '检', en: 'CP' },
  'ev.kindShort.duty_point': { zh: '勤', en: 'DP' },
  'ev.status.pending': { zh: '待到位', en: 'Pending' },
  'ev.status.staffed': { zh: '到位', en: 'Staffed' },
  'ev.status.late': { zh: '迟到', en: 'Late' },
  'ev.status.empty': { zh: '空岗', en: 'Empty' },
  'ev.status.relieved': { zh: '替补中', en: 'Relief coming' },
  'ev.status.ended': { zh: '已收岗', en: 'Ended' },
  'ev.unit.assigned': { zh: '途中', en: 'En route' },
  'ev.unit.on_site': { zh: '在岗', en: 'On site' },
  'ev.unit.left': { zh: '离岗', en: 'Left post' },
  'ev.unit.replaced': { zh: '已替换', en: 'Replaced' },
  'ev.unit.released': { zh: '已收岗', en: 'Released' },
  'ev.unit.late': { zh: '超时', en: 'Overdue' },
  'ev.staff': { zh: '定员', en: 'Staff' },
  'ev.accepts': { zh: '警种', en: 'Kinds' },
  'ev.anyKind': { zh: '不限', en: 'Any' },
  'ev.units': { zh: '岗位警力', en: 'Units at this post' },
  'ev.noUnits': { zh: '尚未派警', en: 'Nobody sent yet' },
  'ev.vacant': { zh: '空缺', en: 'vacant' },
  'ev.eta': { zh: '预计', en: 'ETA' },
  'ev.due': { zh: '限到', en: 'Due' },
  'ev.arrivedAt': { zh: '到岗', en: 'Arrived' },
  'ev.leftAt': { zh: '离岗', en: 'Left' },
  'ev.overdueBy': { zh: '已超', en: 'over by' },
  'ev.in': { zh: '还剩', en: 'in' },
  'ev.relief': { zh: '一键替补', en: 'Send relief' },
  'ev.reliefBusy': { zh: '替补派出中…', en: 'Sending relief…' },
  'ev.reliefSent': { zh: '已派替补', en: 'Relief sent' },
  'ev.reliefNote': { zh: '派出最近的空闲可用警种（按道路时间），自动下发指令', en: 'Sends the nearest free unit of an accepted kind by road time, with its instruction' },
  'ev.markArrived': { zh: '确认到岗', en: 'Confirm on site' },
  'ev.arrivedOk': { zh: '已确认到岗', en: 'Confirmed on site' },
  'ev.lapses': { zh: '脱岗次数', en: 'Lapses' },
  'ev.reliefs': { zh: '替补', en: 'Reliefs' },
  'ev.timeline': { zh: '岗位时间轴', en: 'Post timeline' },
  'ev.back': { zh: '返回列表', en: 'Back to the list' },
  'ev.deploy': { zh: '智能部署', en: 'Plan deployment' },
  'ev.deployNote': { zh: '按道路时间最优分配空闲警力：先补满岗位，再最早全部到位，再最少总行驶', en: 'Optimal by road time: most places filled, then everyone in place earliest, then least driving' },
  'ev.deploying': { zh: '计算中…', en: 'Planning…' },
  'ev.proposal': { zh: '部署方案', en: 'Proposal' },
  'ev.filled': { zh: '可补岗位', en: 'Places filled' },
  'ev.makespan': { zh: '全部到位', en: 'All in place' },
  'ev.stillShort': { zh: '仍缺', en: 'Still short' },
  'ev.accept': { zh: '一键下发', en: 'Send orders' },
  'ev.cancel': { zh: '取消', en: 'Cancel' },
  'ev.accepted': { zh: '部署指令已下发', en: 'Orders sent' },
  'ev.elapsed': { zh: '计算用时', en: 'Computed in' },
  'ev.legend': { zh: '岗位状态', en: 'Post status' },
  'ev.filter': { zh: '筛选', en: 'Filter' },
  'ev.search': { zh: '岗位名称 / 编号 / 呼号', en: 'Post name / number / call sign' },
  'ev.noMatch': { zh: '没有符合条件的岗位', en: 'No post matches' },
  'ev.tl.post.created': { zh: '设岗', en: 'Post created' },
  'ev.tl.post.assigned': { zh: '派警', en: 'Units sent' },
  'ev.tl.post.signed': { zh: '签收', en: 'Signed' },
  'ev.tl.post.arrived': { zh: '到岗', en: 'Arrived' },
  'ev.tl.post.left': { zh: '离岗', en: 'Left' },
  'ev.tl.post.relief': { zh: '替补', en: 'Relief' },
  'ev.tl.post.status': { zh: '状态变化', en: 'Status' },
  'ev.tl.post.released': { zh: '收岗', en: 'Released' },
  'ev.byPosition': { zh: '定位自动判定', en: 'by position' },
  'alert.kind.post_late': { zh: '岗位迟到', en: 'Post late' },
  'alert.kind.post_empty': { zh: '岗位空岗', en: 'Post empty' },
  'alert.post': { zh: '岗位', en: 'Post' },
} satisfies Record<string, { zh: string; en: string }>;

const KIND: Record<string, [string, string]> = { checkpoint: ['检查站', 'checkpoint'], duty_point: ['执勤点', 'duty point'] };
const kindOf = (p: Params, zh: boolean) => (KIND[str(p.post_kind)] ?? ['岗位', 'post'])[zh ? 0 : 1];

/** A post as a lapse alert names it: default labels already name the kind ("执勤点 12"). */
function place(p: Params, zh: boolean): string {
  const label = str(p.label);
  const kind = kindOf(p, zh);
  if (zh) return label.includes(kind) ? label : `${kind}「${label}」`;
  return label.toLowerCase().includes(kind) ? label : `${kind} "${label}"`;
}

function lapse(what: [string, string]) {
  return {
    zh: (p: Params) => {
      const late = list(p.late_call_signs, '、');
      return `安保《${str(p.event)}》${place(p, true)} ${what[0]}:到位 ${str(p.on_site)}/${str(p.staff)}${late ? `,${late} 未按时到位` : ''}`;
    },
    en: (p: Params) => {
      const late = list(p.late_call_signs, ', ');
      return `Event "${str(p.event)}": ${place(p, false)} ${what[1]}, ${str(p.on_site)}/${str(p.staff)} on site${late ? `; ${late} not there in time` : ''}`;
    },
  };
}

registerTexts({
  'alert.post_late': lapse(['迟到', 'late']),
  'alert.post_empty': lapse(['空岗', 'empty']),
});

function postOrder(relief: boolean) {
  return {
    title: {
      zh: (p: Params) => `${relief ? '安保替补' : '安保执勤'} · ${str(p.label)}`,
      en: (p: Params) => `${relief ? 'Relief' : 'Event duty'} · ${str(p.label)}`,
    },
    body: {
      zh: (p: Params) =>
        `${relief ? '替补' : '重大安保'}《${str(p.event)}》:请于 ${hms(p.deadline)}(北京时间)前到达${kindOf(p, true)}「${str(p.label)}」(坐标 ${coord(p.lon)}, ${coord(p.lat)})执勤,执勤时段 ${hms(p.shift_start)}–${hms(p.shift_end)}。${p.expected_at ? `预计 ${hms(p.expected_at)} 到达。` : ''}到位后签收并反馈。安保部署 #${str(p.event_id)} · 岗位 ${str(p.post)}。`,
      en: (p: Params) =>
        `${relief ? 'Relief for' : 'Event'} "${str(p.event)}": be at ${kindOf(p, false)} "${str(p.label)}" (${coord(p.lat)}, ${coord(p.lon)}) by ${hms(p.deadline)} (Beijing time), on duty ${hms(p.shift_start)}–${hms(p.shift_end)}.${p.expected_at ? ` Expected there at ${hms(p.expected_at)}.` : ''} Sign when there and report. Event #${str(p.event_id)} · post ${str(p.post)}.`,
    },
  };
}

registerInstructionTexts({ 'event.post': postOrder(false), 'event.relief': postOrder(true) });
