// Internationalisation: every visible string goes through t(). Chinese is the default language;
// the choice is persisted in localStorage. Code labels (incident types, statuses, dispositions …)
// come from GET /api/v1/codes and are looked up with codeLabel().

import { icpDict } from './domains/interception/dictionary';
import { eventDict } from './domains/major_events/dictionary';
import { planDict } from './domains/response_plans/dictionary';
import { callDict } from './domains/telephony/dictionary';
import { opinionDict } from './domains/opinion/dictionary';
import { wall } from './zone';

export type Lang = 'zh' | 'en';

const LANG_KEY = 'zhihui.lang';

const dict = {
  ...eventDict,
  ...icpDict,
  ...planDict,
  ...callDict,
  ...opinionDict,
  'app.name': { zh: '智慧指挥平台', en: 'Zhihui Command' },
  'app.subtitle': { zh: '情指勤舆一体化', en: 'Integrated command platform' },
  'app.center': { zh: '市公安局指挥中心', en: 'City Police Command Center' },

  'login.title': { zh: '用户登录', en: 'Sign in' },
  'login.username': { zh: '用户名', en: 'Username' },
  'login.password': { zh: '密码', en: 'Password' },
  'login.submit': { zh: '登 录', en: 'Sign in' },
  'login.busy': { zh: '正在登录…', en: 'Signing in…' },
  'login.failed': { zh: '登录失败', en: 'Sign-in failed' },
  'login.badCredentials': { zh: '用户名或密码错误', en: 'wrong username or password' },
  'login.required': { zh: '请输入用户名和密码', en: 'Enter username and password' },
  'login.notice': {
    zh: '本系统仅限授权人员使用，所有操作均被审计记录',
    en: 'Authorised personnel only. All actions are audited.',
  },
  'login.offline': { zh: '内网专用 · 离线运行', en: 'Isolated network · runs offline' },

  'top.user': { zh: '当前用户', en: 'User' },
  'top.logout': { zh: '退出', en: 'Log out' },
  'top.lang': { zh: 'EN', en: '中文' },
  'top.langTitle': { zh: 'Switch to English', en: '切换到中文' },
  'clock.weekdays': { zh: '周日,周一,周二,周三,周四,周五,周六', en: 'Sun,Mon,Tue,Wed,Thu,Fri,Sat' },
  'live.connecting': { zh: '连接中', en: 'Connecting' },
  'live.open': { zh: '实时在线', en: 'Live' },
  'live.closed': { zh: '已断开', en: 'Offline' },
  'live.retry': { zh: '重连中', en: 'Reconnecting' },
  'live.seq': { zh: '事件序号', en: 'Event seq' },

  'stat.open': { zh: '在办警情', en: 'Open' },
  'stat.new': { zh: '待派', en: 'Waiting' },
  'stat.p1': { zh: '一级', en: 'P1' },
  'stat.unitsAvail': { zh: '可用警力', en: 'Available' },
  'stat.unitsTotal': { zh: '警力总数', en: 'Units' },

  'queue.dense': { zh: '紧凑', en: 'Dense' },
  'queue.cards': { zh: '卡片', en: 'Cards' },
  'queue.denseTitle': { zh: '单行紧凑列表 / 卡片列表', en: 'Single-line list / cards' },
  'queue.columns': { zh: '列', en: 'Columns' },
  'queue.col.id': { zh: '编号', en: 'No.' },
  'queue.col.time': { zh: '接警时间', en: 'Received' },
  'queue.col.type': { zh: '类别', en: 'Type' },
  'queue.col.address': { zh: '地址', en: 'Address' },
  'queue.col.org': { zh: '管辖单位', en: 'Station' },
  'queue.col.status': { zh: '状态', en: 'Status' },
  'queue.col.age': { zh: '历时', en: 'Elapsed' },
  'bul.title': { zh: '当天通报', en: 'Daily bulletin' },
  'bul.short': { zh: '通报', en: 'Bulletin' },
  'bul.generated': { zh: '生成于', en: 'Generated' },
  'bul.xlsx': { zh: '导出 Excel', en: 'Excel' },
  'bul.print': { zh: '打印', en: 'Print' },
  'bul.calls': { zh: '接警', en: 'Calls' },
  'bul.duplicates': { zh: '重复报警', en: 'duplicates' },
  'bul.incidents': { zh: '警情', en: 'Incidents' },
  'bul.closed': { zh: '办结', en: 'closed' },
  'bul.callToDispatch': { zh: '接警→派警(中位)', en: 'Call → dispatch (median)' },
  'bul.dispatchToArrival': { zh: '派警→到场(中位)', en: 'Dispatch → on scene (median)' },
  'bul.instructions': { zh: '下达指令', en: 'Instructions' },
  'bul.signedInTime': { zh: '按时签收', en: 'Signed in time' },
  'bul.overdue': { zh: '逾期', en: 'Overdue' },
  'bul.byType': { zh: '警情类别分布', en: 'Incidents by type' },
  'bul.none': { zh: '当天无警情', en: 'No incidents that day' },
  'new.hit.road': { zh: '道路', en: 'Road' },
  'new.hit.address': { zh: '门牌', en: 'Address' },
  'new.hit.poi': { zh: '地点', en: 'Place' },
  'area.title': { zh: '辖区编辑', en: 'Areas' },
  'area.short': { zh: '辖区', en: 'Areas' },
  'area.pickOrg': { zh: '选择单位', en: 'Choose an organisation' },
  'area.hint': { zh: '点击地图添加拐点,拖动拐点调整,Alt+点击拐点删除', en: 'Click the map to add a corner, drag a corner to move it, Alt+click removes it' },
  'area.handleHint': { zh: '拖动调整,Alt+点击删除', en: 'Drag to move, Alt+click to remove' },
  'area.corners': { zh: '拐点', en: 'Corners' },
  'area.undo': { zh: '撤销', en: 'Undo' },
  'area.clear': { zh: '清空', en: 'Clear' },
  'area.save': { zh: '保存辖区', en: 'Save area' },
  'area.saved': { zh: '辖区已保存', en: 'Area saved' },
  'area.needThree': { zh: '至少需要 3 个拐点', en: 'At least 3 corners' },
  'area.overlap': { zh: '与相邻单位辖区重叠,请调整边界', en: "It covers ground of a neighbour's area: move the boundary" },
  'new.hazards': { zh: '危险提示', en: 'Hazards' },
  'detail.hazards': { zh: '危险提示', en: 'Hazards' },
  'field.hazards': { zh: '危险提示', en: 'Hazards' },
  'queue.title': { zh: '警情队列', en: 'Incident Queue' },
  'queue.new': { zh: '新建警情', en: 'New incident' },
  'queue.empty': { zh: '暂无符合条件的警情', en: 'No incidents match' },
  'queue.loading': { zh: '加载中…', en: 'Loading…' },
  'queue.status': { zh: '状态', en: 'Status' },
  'queue.type': { zh: '类别', en: 'Type' },
  'queue.priority': { zh: '等级', en: 'Priority' },
  'queue.allTypes': { zh: '全部类别', en: 'All types' },
  'queue.open': { zh: '在办', en: 'Open' },
  'queue.all': { zh: '全部', en: 'All' },
  'queue.search': { zh: '地址/描述/编号', en: 'Address / text / id' },
  'queue.shown': { zh: '显示', en: 'shown' },

  'prio.1': { zh: '一级', en: 'P1' },
  'prio.2': { zh: '二级', en: 'P2' },
  'prio.3': { zh: '三级', en: 'P3' },
  'prio.4': { zh: '四级', en: 'P4' },
  'prio.1.long': { zh: '一级（紧急）', en: 'P1 (critical)' },
  'prio.2.long': { zh: '二级（重要）', en: 'P2 (urgent)' },
  'prio.3.long': { zh: '三级（一般）', en: 'P3 (normal)' },
  'prio.4.long': { zh: '四级（咨询）', en: 'P4 (low)' },

  'units.search': { zh: '搜索呼号/单位', en: 'Search call sign / unit' },
  'units.allOrgs': { zh: '全部单位', en: 'All stations' },
  'units.allKinds': { zh: '全部警种', en: 'All kinds' },
  'units.title': { zh: '警力看板', en: 'Unit Board' },
  'units.empty': { zh: '无', en: 'None' },
  'units.noPos': { zh: '无定位', en: 'no fix' },
  'units.ago.s': { zh: '秒前', en: 's ago' },
  'units.ago.m': { zh: '分前', en: 'm ago' },
  'units.ago.h': { zh: '时前', en: 'h ago' },
  'units.locate': { zh: '定位', en: 'Locate' },
  'units.trail': { zh: '轨迹 (近1小时)', en: 'Trail (last hour)' },
  'units.trailHide': { zh: '隐藏轨迹', en: 'Hide trail' },
  'units.trailEmpty': { zh: '近1小时无定位记录', en: 'No fixes in the last hour' },
  'units.trailInfo': { zh: '{n} 个定位点 · 最高 {v} km/h', en: '{n} fixes · top {v} km/h' },

  'detail.title': { zh: '警情详情', en: 'Incident Detail' },
  'detail.close': { zh: '关闭', en: 'Close' },
  'detail.id': { zh: '编号', en: 'No.' },
  'detail.received': { zh: '接警时间', en: 'Received' },
  'detail.status': { zh: '状态', en: 'Status' },
  'detail.priority': { zh: '等级', en: 'Priority' },
  'detail.type': { zh: '类别', en: 'Type' },
  'detail.address': { zh: '地址', en: 'Address' },
  'detail.location': { zh: '坐标', en: 'Location' },
  'detail.caller': { zh: '报警人', en: 'Caller' },
  'detail.source': { zh: '警情来源', en: 'Source' },
  'detail.anonymous': { zh: '匿名', en: 'Anonymous' },
  'detail.phone': { zh: '电话', en: 'Phone' },
  'detail.org': { zh: '管辖单位', en: 'Jurisdiction' },
  'detail.createdBy': { zh: '录入人', en: 'Entered by' },
  'detail.updated': { zh: '更新时间', en: 'Updated' },
  'detail.description': { zh: '警情描述', en: 'Description' },
  'detail.disposition': { zh: '处置结果', en: 'Disposition' },
  'detail.summary': { zh: '处置小结', en: 'Summary' },
  'detail.actions': { zh: '处置操作', en: 'Actions' },
  'detail.dispatch': { zh: '派警', en: 'Dispatch' },
  'detail.onScene': { zh: '到场', en: 'On scene' },
  'detail.close.case': { zh: '结案', en: 'Close' },
  'detail.confirmClose': { zh: '确认结案', en: 'Confirm close' },
  'detail.cancel': { zh: '取消', en: 'Cancel' },
  'detail.handover': { zh: '移交', en: 'Hand over' },
  'detail.handoverTitle': { zh: '移交其他单位处置（留痕）', en: 'Hand over to another station (audited)' },
  'detail.handoverTo': { zh: '移交至', en: 'Hand over to' },
  'detail.handoverChoose': { zh: '选择单位', en: 'Choose a station' },
  'detail.handoverReason': { zh: '移交理由（必填）', en: 'Why (required)' },
  'detail.handedOver': { zh: '已移交', en: 'Handed over to' },
  'detail.chooseDisposition': { zh: '请选择处置结果', en: 'Choose a disposition' },
  'detail.summaryPh': { zh: '处置经过、结果（必填要点）', en: 'What was done and the outcome' },
  'detail.nearby': { zh: '附近警力', en: 'Nearby units' },
  'detail.nearbyNote': { zh: '按直线距离，可用优先', en: 'straight-line, available first' },
  'detail.dispatchUnit': { zh: '派遣', en: 'Send' },
  'detail.timeline': { zh: '时间轴', en: 'Timeline' },
  'detail.noTimeline': { zh: '暂无记录', en: 'No events' },
  'detail.readOnly': { zh: '当前角色无处置权限', en: 'Your role cannot change incidents' },
  'detail.closed': { zh: '本警情已结案', en: 'This incident is closed' },
  'detail.loading': { zh: '加载中…', en: 'Loading…' },
  'detail.audited': { zh: '已审计', en: 'audited' },
  'detail.updatedOk': { zh: '已更新', en: 'Updated' },
  'detail.mergedInto': { zh: '已并入', en: 'Merged into' },
  'detail.mergedFrom': { zh: '合并来电', en: 'Merged calls' },
  'detail.dups': { zh: '疑似重复警情', en: 'Possible duplicates' },
  'detail.dupsNote': { zh: '500 米 · 15 分钟内的相关类别在办警情', en: 'open, related type, within 500 m and 15 min' },
  'detail.mergeThis': { zh: '并入', en: 'Merge into' },
  'detail.merged': { zh: '已并入警情', en: 'Merged into incident' },

  'tl.incident.created': { zh: '接警录入', en: 'Created' },
  'tl.incident.updated': { zh: '更新', en: 'Updated' },
  'tl.incident.merged': { zh: '重复报警 · 并入', en: 'Merged as duplicate' },
  'tl.incident.call_added': { zh: '追加来电', en: 'Call added' },
  'tl.by': { zh: '操作人', en: 'by' },

  'rec.title': { zh: '派警推荐', en: 'Recommended units' },
  'rec.note': { zh: '按路网到达时间 · 数字键 1–5 派遣', en: 'by road ETA · keys 1–5 send' },
  'rec.noteRo': { zh: '按路网到达时间', en: 'by road ETA' },
  'rec.none': { zh: '暂无可派的对应警种警力', en: 'No suitable unit available' },
  'rec.keyHint': { zh: '快捷键', en: 'shortcut key' },
  'rec.unit': { zh: '警力', en: 'Unit' },
  'rec.kind': { zh: '警种', en: 'Kind' },
  'rec.eta': { zh: '预计到达', en: 'ETA' },
  'rec.distance': { zh: '路程', en: 'Distance' },
  'rec.reasonPh': { zh: '非首选推荐，请填写改派理由（必填）', en: 'Not the first recommendation: reason (required)' },
  'rec.confirm': { zh: '确认派遣', en: 'Send' },

  'asg.title': { zh: '出警指令', en: 'Dispatch orders' },
  'asg.none': { zh: '尚未派警', en: 'No unit sent yet' },
  'asg.sent': { zh: '已派警', en: 'Sent' },
  'asg.cancelled': { zh: '已撤销派警', en: 'Order cancelled' },
  'asg.cancel': { zh: '撤销', en: 'Cancel' },
  'asg.cancelPh': { zh: '撤销原因（必填）', en: 'Reason for cancelling (required)' },
  'asg.cancelConfirm': { zh: '确认撤销', en: 'Cancel order' },
  'asg.reason': { zh: '改派理由：', en: 'Reason: ' },
  'asg.result': { zh: '处置结果：', en: 'Result: ' },
  'asg.cancelReason': { zh: '撤销原因：', en: 'Cancelled: ' },
  'asg.etaPlanned': { zh: '派警时预计', en: 'ETA when sent' },
  'asg.step.assigned': { zh: '派警', en: 'Sent' },
  'asg.step.signed': { zh: '签收', en: 'Signed' },
  'asg.step.en_route': { zh: '出发', en: 'En route' },
  'asg.step.on_scene': { zh: '到场', en: 'On scene' },
  'asg.step.cleared': { zh: '处置', en: 'Cleared' },
  'asg.step.cancelled': { zh: '撤销', en: 'Cancelled' },
  'asg.status.assigned': { zh: '待签收', en: 'Sent' },
  'asg.status.signed': { zh: '已签收', en: 'Signed' },
  'asg.status.en_route': { zh: '出发途中', en: 'En route' },
  'asg.status.on_scene': { zh: '已到场', en: 'On scene' },
  'asg.status.cleared': { zh: '处置完毕', en: 'Cleared' },
  'asg.status.cancelled': { zh: '已撤销', en: 'Cancelled' },

  'tl.assignment.created': { zh: '派警', en: 'Unit sent' },
  'tl.assignment.signed': { zh: '签收', en: 'Signed' },
  'tl.assignment.en_route': { zh: '出发', en: 'En route' },
  'tl.incident.noted': { zh: '补充警情', en: 'Note' },
  'note.placeholder': { zh: '补充警情:来电补充、现场反馈、研判线索…', en: 'Add a note: a caller\'s update, word from the scene, a lead…' },
  'note.add': { zh: '添加', en: 'Add' },
  'note.hint': { zh: 'Ctrl+Enter 添加,记入时间轴', en: 'Ctrl+Enter adds it to the timeline' },
  'tl.assignment.on_scene': { zh: '到场', en: 'On scene' },
  'tl.assignment.cleared': { zh: '处置完毕', en: 'Cleared' },
  'tl.assignment.cancelled': { zh: '撤销派警', en: 'Order cancelled' },

  'alert.title': { zh: '告警', en: 'Alerts' },
  'alert.none': { zh: '暂无告警', en: 'No alerts' },
  'alert.incident': { zh: '警情', en: 'Incident' },
  'alert.instruction': { zh: '指令', en: 'Instruction' },
  'alert.kind.unsigned': { zh: '超时未签收', en: 'Not signed' },
  'alert.kind.late_arrival': { zh: '到场超时', en: 'Late arrival' },
  'alert.kind.instruction_overdue': { zh: '指令逾期', en: 'Instruction overdue' },
  'alert.sev.critical': { zh: '紧急', en: 'Critical' },
  'alert.sev.major': { zh: '重要', en: 'Major' },
  'alert.sev.minor': { zh: '一般', en: 'Minor' },
  'alert.tab.new': { zh: '待认领', en: 'New' },
  'alert.tab.acknowledged': { zh: '处理中', en: 'Taken' },
  'alert.tab.resolved': { zh: '已办结', en: 'Resolved' },
  'alert.tab.all': { zh: '全部', en: 'All' },
  'alert.ack': { zh: '认领', en: 'Take' },
  'alert.resolve': { zh: '办结', en: 'Resolve' },
  'alert.resolveNote': { zh: '处置结果(可不填)', en: 'What was done (optional)' },
  'alert.ackBy': { zh: '认领人', en: 'Taken by' },
  'alert.resolvedBy': { zh: '办结人', en: 'Resolved by' },
  'alert.escalated': { zh: '已上报值班领导', en: 'Escalated to the duty leader' },
  'alert.repeats': { zh: '重复次数', en: 'Times raised' },
  'alert.soundOn': { zh: '提示音:开', en: 'Sound: on' },
  'alert.soundOff': { zh: '提示音:关', en: 'Sound: off' },
  'alert.muteHint': { zh: '紧急告警(一级警情)提示音开关', en: 'Sound for critical (P1) alerts' },

  'instr.title': { zh: '指令', en: 'Instructions' },
  'instr.openCount': { zh: '待办 / 在办指令', en: 'to do / open' },
  'instr.unavailable': { zh: '指令服务暂不可用', en: 'Instructions are not available on this server' },
  'instr.back': { zh: '返回列表', en: 'Back to list' },
  'instr.readOnly': { zh: '督察副本 · 只读', en: 'Supervision copy · read-only' },
  'instr.new': { zh: '下达指令', en: 'New' },
  'instr.open': { zh: '在办', en: 'Open' },
  'instr.tab.todo': { zh: '待我办', en: 'To do' },
  'instr.tab.overdue': { zh: '逾期', en: 'Overdue' },
  'instr.tab.open': { zh: '在办', en: 'Open' },
  'instr.tab.closed': { zh: '已办结', en: 'Closed' },
  'instr.search': { zh: '搜索编号/标题/下达人', en: 'Search number / title / issuer' },
  'instr.closed': { zh: '已办结', en: 'Closed' },
  'instr.none': { zh: '暂无指令', en: 'No instructions' },
  'instr.todo': { zh: '待办', en: 'To do' },
  'instr.escalated': { zh: '已催办', en: 'Escalated' },
  'instr.overdue': { zh: '逾期', en: 'Overdue' },
  'instr.deadline': { zh: '办理时限', en: 'Deadline' },
  'instr.progress': { zh: '进度', en: 'Progress' },
  'instr.signed': { zh: '签收', en: 'Signed' },
  'instr.fed': { zh: '反馈', en: 'Feedback' },
  'instr.rstatus.pending': { zh: '待签收', en: 'Pending' },
  'instr.rstatus.signed': { zh: '已签收', en: 'Signed' },
  'instr.rstatus.done': { zh: '已反馈', en: 'Done' },
  'instr.sign': { zh: '签收', en: 'Sign' },
  'instr.signedOk': { zh: '已签收指令', en: 'Signed instruction' },
  'instr.feedback': { zh: '提交反馈', en: 'Send feedback' },
  'instr.feedbackPh': { zh: '落实情况反馈', en: 'What was done' },
  'instr.fedOk': { zh: '已反馈指令', en: 'Feedback sent for' },
  'instr.close': { zh: '办结', en: 'Close' },
  'instr.closeConfirm': { zh: '确认办结', en: 'Confirm close' },
  'instr.outcomePh': { zh: '办结情况（必填）', en: 'Outcome (required)' },
  'instr.closedOk': { zh: '指令已办结', en: 'Instruction closed' },
  'instr.issuer': { zh: '下达人', en: 'Issued by' },
  'instr.issuedAt': { zh: '下达时间', en: 'Issued' },
  'instr.feedbackReq': { zh: '需要反馈', en: 'Feedback required' },
  'instr.yes': { zh: '是', en: 'yes' },
  'instr.no': { zh: '否', en: 'no' },
  'instr.incident': { zh: '关联警情', en: 'Incident' },
  'instr.outcome': { zh: '办结情况', en: 'Outcome' },
  'instr.recipients': { zh: '接收对象', en: 'Recipients' },
  'instr.addTarget': { zh: '＋ 添加接收单位/警力', en: '+ add a recipient' },
  'instr.orgs': { zh: '单位', en: 'Organisations' },
  'instr.units': { zh: '警力', en: 'Units' },
  'instr.fTitle': { zh: '指令标题', en: 'Title' },
  'instr.fBody': { zh: '指令内容', en: 'Text' },
  'instr.fTargets': { zh: '接收对象', en: 'Recipients' },
  'instr.noTargets': { zh: '请从下方选择', en: 'choose below' },
  'instr.min': { zh: '分钟', en: ' min' },
  'instr.hour': { zh: '小时', en: ' h' },
  'instr.linkIncident': { zh: '关联当前警情', en: 'Link the selected incident' },
  'instr.issue': { zh: '下达 (Ctrl+Enter)', en: 'Issue (Ctrl+Enter)' },
  'instr.issued': { zh: '指令已下达', en: 'Instruction issued' },



  'mi.title': { zh: '指令', en: 'Instructions' },
  'mi.none': { zh: '暂无指令', en: 'No instructions' },
  'mi.sign': { zh: '签收', en: 'Sign' },
  'mi.arrived': { zh: '报告到位', en: 'Report on site' },
  'mi.feedback': { zh: '反馈', en: 'Feed back' },
  'mi.feedbackPh': { zh: '到位及现场情况（必填）', en: 'What you did / see (required)' },
  'mi.send': { zh: '提交反馈', en: 'Send feedback' },
  'mi.due': { zh: '限时', en: 'Due' },
  'mi.overdue': { zh: '已超时', en: 'overdue' },
  'mi.done': { zh: '已反馈', en: 'Fed back' },
  'mi.signedOk': { zh: '已签收', en: 'Signed' },
  'mi.arrivedOk': { zh: '已报告到位', en: 'Reported on site' },

  'm.title': { zh: '警力终端', en: 'Unit terminal' },
  'm.orders': { zh: '当前指令', en: 'Open orders' },
  'm.noOrders': { zh: '暂无出警指令', en: 'No open orders' },
  'm.incident': { zh: '警情', en: 'Incident' },
  'm.noIncidentAccess': { zh: '无权查看警情详情（管辖范围外）', en: 'Incident outside your jurisdiction' },
  'm.sign': { zh: '签收', en: 'Sign' },
  'm.enRoute': { zh: '出发', en: 'En route' },
  'm.onScene': { zh: '到场', en: 'On scene' },
  'm.onSceneDirect': { zh: '直接报到场', en: 'Report on scene now' },
  'm.clear': { zh: '处置完毕', en: 'Cleared' },
  'm.clearConfirm': { zh: '提交处置结果', en: 'Submit result' },
  'm.result': { zh: '处置结果', en: 'Result' },
  'm.resultPh': { zh: '简要说明处置经过和结果（必填）', en: 'What was done (required)' },
  'm.notUnit': { zh: '本页面为一线警力终端，仅限警力账号使用。', en: 'This page is the field unit terminal, for unit accounts only.' },
  'm.toConsole': { zh: '进入指挥控制台', en: 'Open the command console' },
  'm.reportPos': { zh: '上报当前位置', en: 'Report my position' },
  'm.posBusy': { zh: '定位中…', en: 'Locating…' },
  'm.posOk': { zh: '位置已上报', en: 'Position reported' },
  'm.noGeo': { zh: '无法获取定位', en: 'No location available' },

  'new.addressPh': { zh: '输入道路名检索，选中即定位', en: 'Type a road name to search and locate' },

  'new.title': { zh: '新建警情', en: 'New Incident' },
  'new.callerName': { zh: '报警人', en: 'Caller name' },
  'new.source': { zh: '来源', en: 'Source' },
  'new.anonymousHint': { zh: '报警人与电话均留空即为匿名报警', en: 'Leave caller and phone empty for an anonymous call' },
  'new.callerPhone': { zh: '联系电话', en: 'Phone' },
  'new.address': { zh: '发案地址', en: 'Address' },
  'new.type': { zh: '警情类别', en: 'Type' },
  'new.subtype': { zh: '警情细类', en: 'Subtype' },
  'new.noSubtype': { zh: '（不指定）', en: '(none)' },
  'new.chooseType': { zh: '请选择', en: 'Choose…' },
  'new.priorityReason': { zh: '降级理由', en: 'Why less urgent' },
  'new.priorityReasonHint': { zh: '低于该类警情默认等级（{p}级），请说明理由', en: 'Below this kind of call\'s default ({p}): say why' },
  'new.priority': { zh: '警情等级', en: 'Priority' },
  'new.description': { zh: '简要警情', en: 'Description' },
  'new.location': { zh: '发案位置', en: 'Location' },
  'new.locationHint': { zh: '请在地图上点击选取位置', en: 'Click on the map to set the location' },
  'new.org': { zh: '管辖单位', en: 'Jurisdiction' },
  'new.orgAuto': { zh: '（自动）', en: '(automatic)' },
  'new.submit': { zh: '提交 (Enter)', en: 'Submit (Enter)' },
  'new.cancel': { zh: '取消 (Esc)', en: 'Cancel (Esc)' },
  'new.busy': { zh: '提交中…', en: 'Submitting…' },
  'new.created': { zh: '警情已创建', en: 'Incident created' },
  'new.needLocation': { zh: '请在地图上选取发案位置', en: 'Set the location on the map' },
  'new.required': { zh: '必填', en: 'required' },
  'new.keys': { zh: 'Enter 提交 · Esc 取消 · 描述框内 Ctrl+Enter 提交', en: 'Enter submits · Esc cancels · Ctrl+Enter in description' },
  'new.dups': { zh: '疑似重复警情', en: 'Possible duplicates' },
  'new.history': { zh: '该地点历史警情（50 米内）', en: 'Earlier calls here (within 50 m)' },
  'new.dupsNote': { zh: '附近 500 米、15 分钟内的相关警情：可直接并入，保留本次来电', en: 'Related open incidents within 500 m and 15 min: merge to keep this call with it' },
  'new.mergeInto': { zh: '并入', en: 'Merge into' },
  'new.mergeKey': { zh: 'Alt+M 并入第一条', en: 'Alt+M merges into the first' },
  'new.merged': { zh: '来电已并入警情', en: 'Call merged into incident' },
  'new.minutesAgo': { zh: '分钟前', en: 'min ago' },
  'new.justNow': { zh: '刚刚', en: 'just now' },
  'new.minutesLater': { zh: '分钟后', en: 'min later' },

  'map.legend.incidents': { zh: '警情', en: 'Incidents' },
  'map.legend.units': { zh: '警力', en: 'Units' },
  'map.loading': { zh: '地图加载中…', en: 'Loading map…' },
  'map.noWebgl': { zh: '浏览器不支持 WebGL，无法显示地图', en: 'WebGL unavailable: map cannot be shown' },
  'map.roads': { zh: '路网', en: 'Roads' },
  'map.generated': { zh: '演示路网', en: 'generated demo network' },

  'err.network': { zh: '网络错误，无法连接服务器', en: 'Network error: server unreachable' },
  'err.generic': { zh: '操作失败', en: 'Request failed' },
  'err.forbidden': { zh: '无权限', en: 'Forbidden' },
  'err.session': { zh: '登录已失效，请重新登录', en: 'Session expired, please sign in again' },

  'role.admin': { zh: '系统管理员', en: 'Administrator' },
  'role.leader': { zh: '值班领导', en: 'Duty leader' },
  'role.dispatcher': { zh: '指挥员', en: 'Dispatcher' },
  'role.analyst': { zh: '情报研判', en: 'Analyst' },
  'role.supervisor': { zh: '督察', en: 'Supervisor' },
  'role.unit': { zh: '一线警力', en: 'Field unit' },
  'role.grid': { zh: '网格员', en: 'Grid worker' },

  // Fallback labels used when /codes has not been loaded (or lacks a code).
  'incident_statuses.new': { zh: '待派警', en: 'New' },
  'incident_statuses.dispatched': { zh: '已派警', en: 'Dispatched' },
  'incident_statuses.on_scene': { zh: '已到场', en: 'On scene' },
  'incident_statuses.closed': { zh: '已结案', en: 'Closed' },
  'unit_statuses.available': { zh: '可用', en: 'Available' },
  'unit_statuses.dispatched': { zh: '已派出', en: 'Dispatched' },
  'unit_statuses.en_route': { zh: '途中', en: 'En route' },
  'unit_statuses.on_scene': { zh: '现场', en: 'On scene' },
  'unit_statuses.off_duty': { zh: '离岗', en: 'Off duty' },
  'unit_kinds.patrol_car': { zh: '巡逻车', en: 'Patrol car' },
  'unit_kinds.foot_patrol': { zh: '步巡', en: 'Foot patrol' },
  'unit_kinds.traffic': { zh: '交警', en: 'Traffic' },
  'unit_kinds.swat': { zh: '特警', en: 'SWAT' },
  'unit_kinds.community': { zh: '社区民警', en: 'Community' },

  'field.status': { zh: '状态', en: 'Status' },
  'field.priority': { zh: '等级', en: 'Priority' },
  'field.type': { zh: '类别', en: 'Type' },
  'field.subtype': { zh: '细类', en: 'Subtype' },
  'field.description': { zh: '描述', en: 'Description' },
  'field.address': { zh: '地址', en: 'Address' },
  'field.location': { zh: '位置', en: 'Location' },
  'field.disposition': { zh: '处置结果', en: 'Disposition' },
  'field.summary': { zh: '小结', en: 'Summary' },
  'field.org_id': { zh: '管辖单位', en: 'Jurisdiction' },
  'field.merged_into': { zh: '并入警情', en: 'Merged into' },
  'field.merged_from': { zh: '合并来电', en: 'Merged calls' },
} satisfies Record<string, { zh: string; en: string }>;

export type Key = keyof typeof dict;

let lang: Lang = (() => {
  try {
    const v = localStorage.getItem(LANG_KEY);
    return v === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
})();

const listeners = new Set<() => void>();

export function getLang(): Lang {
  return lang;
}

export function setLang(l: Lang): void {
  if (l === lang) return;
  lang = l;
  try {
    localStorage.setItem(LANG_KEY, l);
  } catch {
    /* private mode: keep in memory only */
  }
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
  for (const fn of [...listeners]) fn();
}

/** Re-run every language listener (e.g. after the code labels arrived). */
export function refreshLabels(): void {
  for (const fn of [...listeners]) fn();
}

export function onLangChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function t(key: Key): string {
  return dict[key][lang];
}

/** Translate a key that is built at run time; falls back to `fallback` (or the key) when unknown. */
export function tDyn(key: string, fallback?: string): string {
  const e = (dict as Record<string, { zh: string; en: string }>)[key];
  return e ? e[lang] : (fallback ?? key);
}

// ---- code labels from GET /api/v1/codes ---------------------------------------------------------

export interface CodeEntry {
  code: string;
  zh: string;
  en: string;
  subtypes?: CodeEntry[];
}

export interface Codes {
  incident_types: CodeEntry[];
  dispositions: CodeEntry[];
  unit_kinds: CodeEntry[];
  unit_statuses: CodeEntry[];
  incident_statuses: CodeEntry[];
  /** Where an incident came from (older servers send none). */
  incident_sources?: CodeEntry[];
  /** Hazards a crew must know of (weapon, dog …). */
  hazards?: CodeEntry[];
  /** The priority a call of each kind is filed at (`subtype` null: the type's default). */
  default_priorities?: { type: string; subtype: string | null; priority: number }[];
}

export type CodeGroup = Exclude<keyof Codes, 'default_priorities'>;

let codes: Codes | null = null;
const index = new Map<string, CodeEntry>();

export function setCodes(c: Codes): void {
  codes = c;
  index.clear();
  for (const group of Object.keys(c).filter((k) => k !== 'default_priorities') as CodeGroup[]) {
    const list = c[group];
    if (!Array.isArray(list)) continue;
    for (const e of list) {
      index.set(`${group}.${e.code}`, e);
      if (group === 'incident_types' && Array.isArray(e.subtypes)) {
        for (const s of e.subtypes) index.set(`subtype.${e.code}.${s.code}`, s);
      }
    }
  }
}

/** The priority a call of `type`/`subtype` is filed at unless the call-taker says why not. */
export function defaultPriority(type: string, subtype: string): number {
  const rows = codes?.default_priorities ?? [];
  const row = (st: string | null) => rows.find((r) => r.type === type && r.subtype === st)?.priority;
  return (subtype ? row(subtype) : undefined) ?? row(null) ?? 3;
}

export function getCodes(): Codes | null {
  return codes;
}

function pick(e: CodeEntry): string {
  return (lang === 'zh' ? e.zh : e.en) || e.zh || e.en || e.code;
}

export function codeLabel(group: CodeGroup, code: string | null | undefined): string {
  if (code == null || code === '') return '—';
  const e = index.get(`${group}.${code}`);
  if (e) return pick(e);
  return tDyn(`${group}.${code}`, code);
}

export function subtypeLabel(type: string, subtype: string | null | undefined): string {
  if (!subtype) return '';
  const e = index.get(`subtype.${type}.${subtype}`);
  return e ? pick(e) : subtype;
}

export function entryLabel(e: CodeEntry): string {
  return pick(e);
}

export function roleLabel(role: string): string {
  return tDyn(`role.${role}`, role);
}

// ---- formatting ---------------------------------------------------------------------------------

const pad = (n: number) => String(n).padStart(2, '0');

export function fmtTime(iso: string | null | undefined, withDate = false): string {
  if (!iso) return '—';
  const ms = new Date(iso).getTime();
  if (Number.isNaN(ms)) return iso;
  // On the command centre's clock (zone.ts), whatever the browser's zone: a deadline reads the
  // same in every console.
  const d = wall(ms);
  const hms = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  if (!withDate) return hms;
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${hms}`;
}

/** Short relative time: "12秒前" / "3m ago". */
export function fmtAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const ms = now - new Date(iso).getTime();
  if (Number.isNaN(ms)) return '—';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}${t('units.ago.s')}`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}${t('units.ago.m')}`;
  return `${Math.floor(m / 60)}${t('units.ago.h')}`;
}

/** Elapsed time since `iso` as "mm:ss" or "h:mm:ss" — used for incident age in the queue. */
export function fmtElapsed(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.floor((now - new Date(iso).getTime()) / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h >= 24) return `${Math.floor(h / 24)}d${pad(h % 24)}h`;
  return h > 0 ? `${h}:${pad(m)}:${pad(sec)}` : `${pad(m)}:${pad(sec)}`;
}
