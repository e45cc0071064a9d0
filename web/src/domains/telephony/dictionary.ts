// Strings of 来电 (telephony), merged into the console's dictionary (i18n.ts).

export const callDict = {
  'call.title': { zh: '来电', en: 'Calls' },
  'call.none': { zh: '暂无来电', en: 'No calls ringing' },
  'call.answer': { zh: '接听', en: 'Answer' },
  'call.answerKey': { zh: 'F2 接听最早来电', en: 'F2 answers the longest-ringing call' },
  'call.ringing': { zh: '振铃', en: 'Ringing' },
  'call.answered': { zh: '通话中', en: 'In call' },
  'call.missed': { zh: '未接', en: 'Missed' },
  'call.missedHint': { zh: '近 30 分钟未接来电,请回拨', en: 'Missed in the last 30 min: ring back' },
  'call.line': { zh: '线路', en: 'Line' },
  'call.fromCall': { zh: '来电建单', en: 'From call' },
  'call.accuracy': { zh: '定位精度', en: 'Location within' },
  'call.noLocation': { zh: '无手机定位', en: 'No handset location' },
  'call.takenBy': { zh: '接警员', en: 'Call-taker' },
  'call.failed': { zh: '接听失败', en: 'Could not answer' },
} as const;
