// Strings of 设卡布控 (interception), merged into the console's dictionary (i18n.ts), and the
// wording of the codes the interception planner and domain write: planner notes and the
// checkpoint order each unit receives.

import { coord, hms, registerInstructionTexts, registerTexts, str, type Params } from '../../texts';

export const icpDict = {
  'icp.taken': { zh: '{unit} 已被占用(刚被派往他处),下发未执行。', en: '{unit} was taken meanwhile (sent elsewhere); nothing was activated.' },
  'icp.replanNow': { zh: '重新规划', en: 'Re-plan now' },
  'icp.noneLeft': { zh: '下发后 {orgs} 将无空闲警力', en: 'After activation {orgs} will have no free unit' },
  'icp.title': { zh: '设卡布控', en: 'Interception' },
  'icp.open': { zh: '设卡布控', en: 'Intercept' },
  'icp.activeCount': { zh: '进行中的设卡布控', en: 'active interceptions' },
  'icp.list': { zh: '进行中', en: 'Active' },
  'icp.listClosed': { zh: '已结束', en: 'Ended' },
  'icp.none': { zh: '暂无设卡布控', en: 'No interceptions' },
  'icp.new': { zh: '新建布控', en: 'New plan' },
  'icp.back': { zh: '返回', en: 'Back' },
  'icp.origin': { zh: '嫌疑人起点', en: 'Suspect last seen' },
  'icp.pickHint': { zh: '点击地图选取（可改选）', en: 'click the map to set or move it' },
  'icp.needOrigin': { zh: '请在地图上点击选取嫌疑人起点', en: 'Click the map to set where the suspect was last seen' },
  'icp.incident': { zh: '关联警情', en: 'Incident' },
  'icp.headStart': { zh: '先行时间', en: 'Head start' },
  'icp.headNote': { zh: '案发至警力出发', en: 'crime until units start' },
  'icp.minutes': { zh: '分钟', en: 'min' },
  'icp.speed': { zh: '嫌疑人车速', en: 'Suspect speed' },
  'icp.speedCar': { zh: '普通车速', en: 'Road speeds' },
  'icp.speedFixed': { zh: '指定时速', en: 'Fixed speed' },
  'icp.units': { zh: '参与警力', en: 'Units' },
  'icp.unitsAll': { zh: '本辖区全部可用车辆警力', en: 'every available vehicle in your jurisdiction' },
  'icp.compute': { zh: '计算布控方案', en: 'Compute plan' },
  'icp.computing': { zh: '计算中…', en: 'Computing…' },
  'icp.complete': { zh: '布控闭合：每条出逃通道都能在嫌疑人到达前封堵', en: 'Cordon closed: every way out is held before the suspect can get there' },
  'icp.incomplete': { zh: '布控未闭合', en: 'Cordon NOT closed' },
  'icp.incompleteNote': { zh: '条出逃通道无法在嫌疑人到达前封堵（红线）', en: 'way(s) out cannot be held in time (red)' },
  'icp.points': { zh: '卡点', en: 'Checkpoints' },
  'icp.pointN': { zh: '号卡点', en: '' },
  'icp.closing': { zh: '全部到位', en: 'All held' },
  'icp.enclosed': { zh: '圈内路口', en: 'Nodes inside' },
  'icp.considered': { zh: '参与/可用警力', en: 'Units used/avail.' },
  'icp.elapsed': { zh: '计算耗时', en: 'Planned in' },
  'icp.eta': { zh: '警力到达', en: 'Unit ETA' },
  'icp.suspect': { zh: '嫌疑人最早', en: 'Suspect earliest' },
  'icp.margin': { zh: '余量', en: 'Margin' },
  'icp.reach': { zh: '嫌疑人可达范围', en: "Suspect's reach" },
  'icp.play': { zh: '播放', en: 'Play' },
  'icp.pause': { zh: '暂停', en: 'Pause' },
  'icp.held': { zh: '已到位的卡点', en: 'held by then' },
  'icp.openRoutes': { zh: '未封堵通道', en: 'Open ways out' },
  'icp.openRoute': { zh: '嫌疑人最早到达', en: 'suspect there at' },
  'icp.notes': { zh: '计算说明', en: 'Planner notes' },
  'icp.activate': { zh: '一键下发', en: 'Activate all' },
  'icp.activating': { zh: '下发中…', en: 'Activating…' },
  'icp.activated': { zh: '布控指令已下发', en: 'Interception activated' },
  'icp.activateNote': { zh: '每个卡点向对应警力下达指令（督察同步抄送），限时为嫌疑人最早到达时间', en: 'each checkpoint goes to its unit as an instruction (copied to supervision), due when the suspect could be there' },
  'icp.replan': { zh: '重新计算', en: 'Re-plan' },
  'icp.status.issued': { zh: '已下发', en: 'Issued' },
  'icp.status.signed': { zh: '已签收', en: 'Signed' },
  'icp.status.on_site': { zh: '已到位', en: 'On site' },
  'icp.status.late': { zh: '超时', en: 'Late' },
  'icp.state.active': { zh: '进行中', en: 'Active' },
  'icp.state.closed': { zh: '已结束', en: 'Ended' },
  'icp.crimeAt': { zh: '案发 T0', en: 'Crime T0' },
  'icp.deadline': { zh: '限时', en: 'Due' },
  'icp.left': { zh: '剩余', en: 'left' },
  'icp.passed': { zh: '已过', en: 'passed' },
  'icp.progress': { zh: '到位', en: 'on site' },
  'icp.outcome': { zh: '布控结果', en: 'Outcome' },
  'icp.outcome.caught': { zh: '抓获', en: 'Caught' },
  'icp.outcome.lost': { zh: '脱逃', en: 'Lost' },
  'icp.outcome.stood_down': { zh: '撤除', en: 'Stood down' },
  'icp.summaryPh': { zh: '处置情况（选填）', en: 'What happened (optional)' },
  'icp.close': { zh: '结束布控', en: 'End interception' },
  'icp.closedOk': { zh: '布控已结束', en: 'Interception ended' },
  'icp.timeline': { zh: '布控时间轴', en: 'Timeline' },
  'icp.tl.interception.created': { zh: '下发布控', en: 'Activated' },
  'icp.tl.interception.point_signed': { zh: '签收', en: 'Signed' },
  'icp.tl.interception.point_arrived': { zh: '到位', en: 'On site' },
  'icp.tl.interception.point_feedback': { zh: '反馈', en: 'Feedback' },
  'icp.tl.interception.point_late': { zh: '超时未到位', en: 'Late' },
  'icp.tl.interception.closed': { zh: '结束布控', en: 'Ended' },
  'icp.byPosition': { zh: '定位自动确认', en: 'by position' },
  'icp.suspectMark': { zh: '嫌', en: 'S' },
};

/** The road engine's planner remarks (`notes`: `{code, …params}`). */
registerTexts({
  'icp.note.origin_off_road': {
    zh: (p) => `起点距最近可通行道路 ${Math.round(Number(p.meters))} 米，已从该道路起算`,
    en: (p) => `the origin is ${Math.round(Number(p.meters))} m from the nearest road the suspect can drive; planned from that road`,
  },
  'icp.note.units_off_road': {
    zh: (p) => `${str(p.units)} 个警力距道路过远，未参与计算`,
    en: (p) => `${str(p.units)} unit(s) are too far from any road and were left out`,
  },
  'icp.note.already_enclosed': {
    zh: () => '从起点无法到达任何出口：嫌疑人已在包围中',
    en: () => 'no exit can be reached from the origin: the suspect is already enclosed',
  },
  'icp.note.open_routes_untraced': {
    zh: () => '开放通道无法追踪（其后无可达出口）',
    en: () => 'open routes could not be traced (exits unreachable past them)',
  },
  'icp.note.incomplete': {
    zh: (p) => `未形成完整包围：${str(p.open_routes)} 条通道仍开放（警力无法及时到位）`,
    en: (p) => `no complete cordon found: ${str(p.open_routes)} route(s) stay open (not enough units in time)`,
  },
  'icp.note.search': {
    zh: (p) => `迭代 ${str(p.rounds)} 轮，圈入路口 ${str(p.absorbed)} 个`,
    en: (p) => `${str(p.rounds)} round(s), ${str(p.absorbed)} node(s) absorbed`,
  },
});

const place = (p: Params, zh: boolean) => str(p.label) || (zh ? `${str(p.point)} 号卡点` : `checkpoint ${str(p.point)}`);

/** The order each checkpoint's unit receives (`interception.checkpoint`). */
registerInstructionTexts({
  'interception.checkpoint': {
    title: {
      zh: (p) => `设卡拦截 · ${place(p, true)}`,
      en: (p) => `Intercept · ${place(p, false)}`,
    },
    body: {
      zh: (p) =>
        `请立即前往${place(p, true)}(坐标 ${coord(p.lon)}, ${coord(p.lat)})设卡拦截。嫌疑人最早可能于 ${hms(p.deadline)}(北京时间)到达该处,务必在此之前到位。到位后签收并反馈。设卡布控 #${str(p.interception_id)}${p.incident_id ? `,警情 #${str(p.incident_id)}` : ''}。`,
      en: (p) =>
        `Go now to ${place(p, false)} (${coord(p.lat)}, ${coord(p.lon)}) and block it. The suspect could be there from ${hms(p.deadline)} (Beijing time): be in place before then. Sign when there and report. Interception #${str(p.interception_id)}${p.incident_id ? `, incident #${str(p.incident_id)}` : ''}.`,
    },
  },
});
