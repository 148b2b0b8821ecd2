// carenco-edge technician page. Plain JavaScript, no build step, nothing from the
// network: the kiosk is often offline. Every API call goes through `api()`, which adds
// the bearer token (asked once, kept in sessionStorage) and turns error answers into
// readable text. Panels cope with a component that this service does not have (404 /
// 501): they say "not available" instead of breaking.
'use strict';

// ---------------------------------------------------------------- texts (en / ko)
const TEXTS = {
  en: {
    'title': 'Technician',
    'tab.live': 'Live mat', 'tab.calibration': 'Calibration', 'tab.capture': 'Capture',
    'tab.balance': 'Balance',
    'balance.seconds': 'Seconds', 'balance.stance': 'Stance', 'balance.eyes': 'Eyes',
    'balance.both': 'Both feet', 'balance.left': 'Left foot', 'balance.right': 'Right foot',
    'balance.open': 'Open', 'balance.closed': 'Closed', 'balance.run': 'Start balance test',
    'balance.running': 'Stand still on the mat; the test runs for the chosen seconds…',
    'b.path_length_mm': 'Path length (mm)', 'b.mean_velocity_mm_s': 'Mean velocity (mm/s)',
    'b.ellipse_area_mm2': '95 % ellipse (mm²)', 'b.ml_range_mm': 'ML range (mm)',
    'b.ap_range_mm': 'AP range (mm)', 'b.ml_rms_mm': 'ML RMS (mm)', 'b.ap_rms_mm': 'AP RMS (mm)',
    'b.frames_used': 'Frames used', 'b.fps': 'Frames/s', 'b.description': 'Result',
    'b.notes': 'Notes', 'b.test_id': 'Test id', 'b.upload': 'Upload',
    'history.balance': 'balance test',
    'tab.status': 'Sync & health', 'tab.history': 'History', 'tab.ocr': 'OCR test',
    'lang.other': '한국어',
    'token.title': 'Access token',
    'token.help': 'This kiosk needs its API token (api.token). It is kept only in this browser tab.',
    'token.wrong': 'The token was not accepted.', 'token.submit': 'Sign in',
    'live.state': 'Connection', 'live.weight': 'Weight', 'live.split': 'Left / right',
    'live.fps': 'Frames/s', 'live.phase': 'Phase', 'live.peak': 'Peak',
    'state.connecting': 'connecting…', 'state.live': 'live', 'state.reconnecting': 'reconnecting…',
    'state.unavailable': 'not available', 'state.no_mat': 'no mat connected',
    'cal.step1': '1. Empty mat', 'cal.step1.help': 'Make sure nobody stands on the mat, then tare.',
    'cal.tare': 'Tare', 'cal.step2': '2. Known weight',
    'cal.step2.help': 'A person of known weight stands still on the mat.',
    'cal.known': 'Known weight (kg)', 'cal.calibrate': 'Calibrate',
    'cal.step3': '3. Check weighing', 'cal.step3.help': 'Stay on the mat (or weigh someone else) and compare.',
    'cal.reference': 'Reference weight (kg)', 'cal.check': 'Weigh',
    'cal.export': 'Export calibration', 'cal.import': 'Import calibration',
    'cal.tared': 'Tared.', 'cal.calibrated': 'Calibrated.', 'cal.imported': 'Calibration imported.',
    'cal.exported': 'Calibration exported.', 'cal.need_kg': 'Enter the weight in kg first.',
    'cal.weighing': 'Weighing for 2 s…', 'cal.no_live': 'The live view has no weight to compare.',
    'cal.measured': 'Measured', 'cal.residual': 'residual',
    'cal.bad_json': 'That file is not calibration JSON.',
    'user.id': 'User id', 'capture.run': 'Capture now',
    'capture.waiting': 'Waiting for a stable stance on the mat…', 'capture.done': 'Done.',
    'sync.title': 'Upload queue', 'sync.mode': 'Mode', 'sync.pending': 'Pending',
    'sync.bytes': 'Pending bytes', 'sync.oldest': 'Oldest item', 'sync.uploaded': 'Uploaded',
    'sync.last_success': 'Last success', 'sync.last_error': 'Last error', 'sync.now': 'Sync now',
    'sync.woken': 'Upload worker woken.', 'sync.local': 'local only (no bucket configured)',
    'check.title': 'Components', 'check.overall': 'Service',
    'history.show': 'Show', 'history.scans': 'Scans', 'history.records': 'Health records',
    'history.none': 'Nothing stored for this user id.', 'history.loading': 'Loading…',
    'ocr.choose': 'Choose a sheet photo', 'ocr.run': 'Read sheet', 'ocr.missing': 'Missing',
    'ocr.warnings': 'Warnings', 'ocr.reading': 'Reading the sheet…', 'ocr.need_file': 'Choose a file first.',
    'ocr.none': 'none',
    'err.unavailable': 'Not available on this service.', 'err.network': 'The service cannot be reached.',
    'err.generic': 'Request failed',
    'ok': 'OK', 'not_ok': 'problem', 'yes': 'yes', 'no': 'no',
    'm.weight_kg': 'Weight (kg)', 'm.weight_source': 'Weight from', 'm.left_pct': 'Left (%)',
    'm.right_pct': 'Right (%)', 'm.forefoot_pct': 'Forefoot (%)', 'm.rearfoot_pct': 'Rearfoot (%)',
    'm.cop_mm': 'Centre of pressure (mm)', 'm.type': 'Arch type', 'm.upload': 'Upload',
    'm.scan_id': 'Scan id', 'm.left': 'Left foot', 'm.right': 'Right foot',
    'm.arch_index': 'Arch index', 'm.arch_type': 'Arch', 'm.contact_area_cm2': 'Contact area (cm²)',
    'm.peak_kpa': 'Peak (kPa)', 'm.force_pct': 'Force (%)', 'm.absent': 'not on the mat',
    's': 's', 'min': 'min', 'h': 'h', 'd': 'd',
    'phase.idle': 'idle', 'phase.waiting': 'waiting for someone', 'phase.settling': 'settling',
    'phase.done': 'captured', 'phase.timed_out': 'timed out',
  },
  ko: {
    'title': '기술자 페이지',
    'tab.live': '실시간 매트', 'tab.calibration': '보정', 'tab.capture': '측정',
    'tab.balance': '균형 검사',
    'balance.seconds': '시간(초)', 'balance.stance': '자세', 'balance.eyes': '눈',
    'balance.both': '양발', 'balance.left': '왼발', 'balance.right': '오른발',
    'balance.open': '뜬 채로', 'balance.closed': '감은 채로', 'balance.run': '균형 검사 시작',
    'balance.running': '매트 위에 가만히 서 계세요. 정한 시간 동안 검사합니다…',
    'b.path_length_mm': '이동 거리 (mm)', 'b.mean_velocity_mm_s': '평균 속도 (mm/s)',
    'b.ellipse_area_mm2': '95% 타원 면적 (mm²)', 'b.ml_range_mm': '좌우 범위 (mm)',
    'b.ap_range_mm': '앞뒤 범위 (mm)', 'b.ml_rms_mm': '좌우 RMS (mm)', 'b.ap_rms_mm': '앞뒤 RMS (mm)',
    'b.frames_used': '사용한 프레임', 'b.fps': '초당 프레임', 'b.description': '결과',
    'b.notes': '참고', 'b.test_id': '검사 ID', 'b.upload': '업로드',
    'history.balance': '균형 검사',
    'tab.status': '동기화·상태', 'tab.history': '기록', 'tab.ocr': 'OCR 시험',
    'lang.other': 'English',
    'token.title': '접근 토큰',
    'token.help': '이 키오스크의 API 토큰(api.token)이 필요합니다. 이 브라우저 탭에만 보관됩니다.',
    'token.wrong': '토큰이 맞지 않습니다.', 'token.submit': '로그인',
    'live.state': '연결', 'live.weight': '체중', 'live.split': '왼쪽 / 오른쪽',
    'live.fps': '초당 프레임', 'live.phase': '단계', 'live.peak': '최대 압력',
    'state.connecting': '연결 중…', 'state.live': '실시간', 'state.reconnecting': '다시 연결 중…',
    'state.unavailable': '사용할 수 없음', 'state.no_mat': '매트가 연결되지 않음',
    'cal.step1': '1. 빈 매트', 'cal.step1.help': '매트 위에 아무도 없는지 확인한 뒤 영점을 잡습니다.',
    'cal.tare': '영점 조정', 'cal.step2': '2. 알려진 체중',
    'cal.step2.help': '체중을 아는 사람이 매트 위에 가만히 섭니다.',
    'cal.known': '알려진 체중 (kg)', 'cal.calibrate': '보정',
    'cal.step3': '3. 확인 측정', 'cal.step3.help': '매트 위에 그대로 서서(또는 다른 사람이) 비교합니다.',
    'cal.reference': '기준 체중 (kg)', 'cal.check': '측정',
    'cal.export': '보정값 내보내기', 'cal.import': '보정값 가져오기',
    'cal.tared': '영점을 잡았습니다.', 'cal.calibrated': '보정했습니다.',
    'cal.imported': '보정값을 가져왔습니다.', 'cal.exported': '보정값을 내보냈습니다.',
    'cal.need_kg': '먼저 체중(kg)을 입력하세요.', 'cal.weighing': '2초 동안 측정 중…',
    'cal.no_live': '실시간 화면에 비교할 체중이 없습니다.', 'cal.measured': '측정값',
    'cal.residual': '오차', 'cal.bad_json': '보정 JSON 파일이 아닙니다.',
    'user.id': '사용자 ID', 'capture.run': '지금 측정',
    'capture.waiting': '매트 위에서 자세가 안정되기를 기다리는 중…', 'capture.done': '완료.',
    'sync.title': '업로드 대기열', 'sync.mode': '방식', 'sync.pending': '대기 중',
    'sync.bytes': '대기 중 용량(바이트)', 'sync.oldest': '가장 오래된 항목', 'sync.uploaded': '업로드됨',
    'sync.last_success': '마지막 성공', 'sync.last_error': '마지막 오류', 'sync.now': '지금 동기화',
    'sync.woken': '업로드를 시작했습니다.', 'sync.local': '로컬 전용 (버킷 설정 없음)',
    'check.title': '구성 요소', 'check.overall': '서비스',
    'history.show': '보기', 'history.scans': '족저압 측정', 'history.records': '건강 기록',
    'history.none': '이 사용자 ID로 저장된 기록이 없습니다.', 'history.loading': '불러오는 중…',
    'ocr.choose': '결과지 사진 선택', 'ocr.run': '결과지 읽기', 'ocr.missing': '누락 항목',
    'ocr.warnings': '경고', 'ocr.reading': '결과지를 읽는 중…', 'ocr.need_file': '먼저 파일을 선택하세요.',
    'ocr.none': '없음',
    'err.unavailable': '이 서비스에서는 사용할 수 없습니다.', 'err.network': '서비스에 연결할 수 없습니다.',
    'err.generic': '요청 실패',
    'ok': '정상', 'not_ok': '문제', 'yes': '예', 'no': '아니요',
    'm.weight_kg': '체중 (kg)', 'm.weight_source': '체중 출처', 'm.left_pct': '왼쪽 (%)',
    'm.right_pct': '오른쪽 (%)', 'm.forefoot_pct': '앞발 (%)', 'm.rearfoot_pct': '뒤꿈치 (%)',
    'm.cop_mm': '압력 중심 (mm)', 'm.type': '발 유형', 'm.upload': '업로드',
    'm.scan_id': '측정 ID', 'm.left': '왼발', 'm.right': '오른발',
    'm.arch_index': '아치 지수', 'm.arch_type': '아치', 'm.contact_area_cm2': '접촉 면적 (cm²)',
    'm.peak_kpa': '최대 압력 (kPa)', 'm.force_pct': '하중 (%)', 'm.absent': '매트 위에 없음',
    's': '초', 'min': '분', 'h': '시간', 'd': '일',
    'phase.idle': '대기', 'phase.waiting': '사람을 기다리는 중', 'phase.settling': '자세 안정 중',
    'phase.done': '측정 완료', 'phase.timed_out': '시간 초과',
  },
};

let lang = localStorage.getItem('carenco.lang') ||
  ((navigator.language || 'en').toLowerCase().startsWith('ko') ? 'ko' : 'en');

function t(key) {
  return (TEXTS[lang] && TEXTS[lang][key]) || TEXTS.en[key] || key;
}

function applyTexts() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n);
  }
  $('lang-switch').textContent = t('lang.other');
  renderLiveState();
}

// ---------------------------------------------------------------- small helpers
const $ = (id) => document.getElementById(id);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') node.className = v; else node.setAttribute(k, v);
  }
  for (const c of children) {
    if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

function fmt(value, digits) {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'number') return value.toFixed(digits === undefined ? 1 : digits);
  if (typeof value === 'boolean') return value ? t('yes') : t('no');
  if (Array.isArray(value)) return value.map((v) => fmt(v, digits)).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function fmtAge(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  const s = Math.round(seconds);
  if (s < 120) return `${s} ${t('s')}`;
  if (s < 7200) return `${Math.floor(s / 60)} ${t('min')} ${s % 60} ${t('s')}`;
  if (s < 172800) return `${Math.floor(s / 3600)} ${t('h')} ${Math.floor((s % 3600) / 60)} ${t('min')}`;
  return `${Math.floor(s / 86400)} ${t('d')}`;
}

function setResult(node, text, kind) {
  node.textContent = text;
  node.classList.toggle('ok', kind === 'ok');
  node.classList.toggle('bad', kind === 'bad');
}

// ---------------------------------------------------------------- API access
const TOKEN_KEY = 'carenco.token';
let tokenPrompt = null;

/// An error answer of the service, with its text in the page's language.
class ApiFailure extends Error {
  constructor(status, body) {
    const message = status === 0 ? t('err.network')
      : (status === 404 || status === 501) ? t('err.unavailable')
        : (body && (lang === 'ko' ? body.message_ko || body.message : body.message))
          || `${t('err.generic')} (HTTP ${status})`;
    super(message);
    this.status = status;
    this.body = body;
  }
  get unavailable() { return this.status === 404 || this.status === 501; }
}

function authHeaders(extra) {
  const headers = Object.assign({}, extra || {});
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = `Bearer ${token}`;
  return headers;
}

/// Shows the token dialog once, however many requests were refused meanwhile.
function askToken(wrong) {
  if (!tokenPrompt) {
    tokenPrompt = new Promise((resolve) => {
      const dialog = $('token-dialog');
      $('token-error').hidden = !wrong;
      $('token-input').value = '';
      const done = (event) => {
        event.preventDefault();
        const value = $('token-input').value.trim();
        if (!value) return;
        sessionStorage.setItem(TOKEN_KEY, value);
        $('token-form').removeEventListener('submit', done);
        dialog.close();
        tokenPrompt = null;
        resolve();
      };
      $('token-form').addEventListener('submit', done);
      if (!dialog.open) dialog.showModal();
      $('token-input').focus();
    });
  }
  return tokenPrompt;
}

/// `fetch` with the token; asks for the token on 401 and tries again.
async function rawFetch(path, options) {
  for (let attempt = 0; ; attempt++) {
    const opts = Object.assign({ cache: 'no-store' }, options || {});
    opts.headers = authHeaders(opts.headers);
    let response;
    try {
      response = await fetch(path, opts);
    } catch (e) {
      if (e && e.name === 'AbortError') throw e;
      throw new ApiFailure(0, null);
    }
    if (response.status !== 401) return response;
    const hadToken = !!sessionStorage.getItem(TOKEN_KEY);
    await askToken(hadToken || attempt > 0);
  }
}

/// JSON API call: resolves to the parsed body, rejects with an ApiFailure.
/// `acceptStatus` lists non-2xx statuses whose body is still wanted (e.g. /check's 503).
async function api(path, options, acceptStatus) {
  const response = await rawFetch(path, options);
  let body = null;
  const text = await response.text();
  try { body = text ? JSON.parse(text) : null; } catch (_) { body = text; }
  if (!response.ok && !(acceptStatus || []).includes(response.status)) {
    throw new ApiFailure(response.status, body);
  }
  return body;
}

function jsonBody(method, value) {
  return { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) };
}

/// A picture of the API as an object URL (an <img src> cannot carry the token).
async function pictureUrl(path) {
  const response = await rawFetch(path);
  if (!response.ok) throw new ApiFailure(response.status, null);
  return URL.createObjectURL(await response.blob());
}

// ---------------------------------------------------------------- colour map
// Turbo (Mikhailov 2019), the same polynomial the service's pictures use (colorous),
// so the live view and the stored pictures read alike.
function turbo(x) {
  const v = Math.min(1, Math.max(0, x));
  const r = 34.61 + v * (1172.33 - v * (10793.56 - v * (33300.12 - v * (38394.49 - v * 14825.05))));
  const g = 23.31 + v * (557.33 + v * (1225.33 - v * (3574.96 - v * (1073.77 + v * 707.56))));
  const b = 27.2 + v * (3211.1 - v * (15327.97 - v * (27814.0 - v * (22569.18 - v * 6838.66))));
  const c = (n) => Math.max(0, Math.min(255, Math.round(n)));
  return [c(r), c(g), c(b)];
}

/// The scale's top: the peak rounded up to a round number, like the pictures' scale bar.
function niceMax(peak) {
  if (!(peak > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(peak)));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
    if (peak <= m * p) return m * p;
  }
  return 10 * p;
}

// ---------------------------------------------------------------- 1. live mat
const live = {
  state: 'connecting',
  detail: '',
  lastWeight: null,
  samples: [],        // [time_ms, weight_kg] of the last seconds, for the check weighing
  arrivals: [],       // arrival times for frames/s when the service does not send it
  offscreen: document.createElement('canvas'),
};

function setLiveState(state, detail) {
  live.state = state;
  live.detail = detail || '';
  renderLiveState();
}

function renderLiveState() {
  const node = $('live-state');
  if (!node) return;
  node.dataset.state = live.state;
  node.textContent = t(`state.${live.state}`) + (live.detail ? ` (${live.detail})` : '');
}

/// The grid of a live event as {rows, cols, cells} in kPa (row-major). The service
/// sends each cell's force (N) and the cell pitch (mm); pressure = force / cell area.
function gridOf(d) {
  const g = d.grid;
  if (!g || !(g.rows > 0) || !(g.cols > 0)) return null;
  if (Array.isArray(g.force_n) && g.pitch_mm > 0) {
    const perCell = 1000 / (g.pitch_mm * g.pitch_mm); // N per cell -> kPa
    return { rows: g.rows, cols: g.cols, cells: g.force_n.map((f) => f * perCell) };
  }
  const cells = g.kpa || g.cells;
  return Array.isArray(cells) ? { rows: g.rows, cols: g.cols, cells } : null;
}

function drawGrid(grid) {
  const canvas = $('live-canvas');
  const ctx = canvas.getContext('2d');
  const { rows, cols, cells } = grid;
  let peak = 0;
  for (const v of cells) if (v > peak) peak = v;
  const top = niceMax(peak);
  const off = live.offscreen;
  off.width = cols;
  off.height = rows;
  const octx = off.getContext('2d');
  const image = octx.createImageData(cols, rows);
  for (let i = 0; i < rows * cols; i++) {
    const v = Math.max(0, cells[i] || 0);
    const [r, g, b] = turbo(v / top);
    // Soft edge like the pictures: background below 2 % of the peak, full colour
    // above 10 %.
    const share = peak > 0 ? v / peak : 0;
    const alpha = Math.min(1, Math.max(0, (share - 0.02) / 0.08));
    image.data.set([r, g, b, Math.round(alpha * 255)], i * 4);
  }
  octx.putImageData(image, 0, 0);
  // The mat's aspect ratio (square cells); the browser's smoothing interpolates.
  const long = 480;
  canvas.width = cols >= rows ? long : Math.round((long * cols) / rows);
  canvas.height = rows >= cols ? long : Math.round((long * rows) / cols);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#5c6b7a';
  ctx.font = '16px system-ui, sans-serif';
  ctx.fillText('L', 8, 20);
  ctx.fillText('R', canvas.width - 18, 20);
  return peak;
}

/// Left/right share from the grid's halves, when the service does not send it.
function splitOf(grid) {
  let left = 0;
  let right = 0;
  for (let r = 0; r < grid.rows; r++) {
    for (let c = 0; c < grid.cols; c++) {
      const v = Math.max(0, grid.cells[r * grid.cols + c] || 0);
      if (c < grid.cols / 2) left += v; else right += v;
    }
  }
  const total = left + right;
  return total > 0 ? [(100 * left) / total, (100 * right) / total] : [null, null];
}

function firstNumber(...values) {
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) return v;
  return null;
}

function onLiveEvent(d) {
  if (!d || typeof d !== 'object') return;
  const now = performance.now();
  live.arrivals.push(now);
  while (live.arrivals.length && now - live.arrivals[0] > 2000) live.arrivals.shift();
  const connected = d.connected !== false;
  if (live.state !== 'live' || !connected) setLiveState(connected ? 'live' : 'no_mat');

  const weight = firstNumber(d.weight_kg, d.weight, d.summary && d.summary.weight_kg);
  live.lastWeight = weight;
  if (weight !== null) {
    live.samples.push([Date.now(), weight]);
    while (live.samples.length && Date.now() - live.samples[0][0] > 10000) live.samples.shift();
  }
  $('live-weight').textContent = weight === null ? '–' : weight.toFixed(1);

  const grid = gridOf(d);
  let peak = firstNumber(d.peak_kpa);
  let [left, right] = [firstNumber(d.left_pct), firstNumber(d.right_pct)];
  if (grid) {
    const gridPeak = drawGrid(grid);
    if (peak === null) peak = gridPeak;
    if (left === null || right === null) [left, right] = splitOf(grid);
  }
  $('live-left').textContent = fmt(left);
  $('live-right').textContent = fmt(right);
  $('live-peak').textContent = fmt(peak);
  $('live-phase').textContent = d.phase ? t(`phase.${d.phase}`) : '–';
  const fps = firstNumber(d.fps);
  const seen = live.arrivals.length > 1
    ? ((live.arrivals.length - 1) * 1000) / (live.arrivals[live.arrivals.length - 1] - live.arrivals[0])
    : null;
  $('live-fps').textContent = fmt(fps !== null ? fps : seen);
}

/// Parses a server-sent-events byte stream (text/event-stream) into events.
function sseParser(onEvent) {
  let buffer = '';
  return (chunk) => {
    buffer += chunk;
    let cut;
    while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + (buffer[cut] === '\r' ? 4 : 2));
      let event = 'message';
      const data = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length) onEvent(event, data.join('\n'));
    }
  };
}

/// Keeps the live stream open: EventSource cannot send the token, so this reads the
/// stream with fetch, and reconnects (with backoff) whenever it drops or stalls.
async function liveLoop() {
  let backoff = 500;
  for (;;) {
    const controller = new AbortController();
    let stall = null;
    const armStall = () => {
      clearTimeout(stall);
      // The service sends a frame or a keep-alive well within this; silence means
      // a dead connection that TCP has not noticed yet.
      stall = setTimeout(() => controller.abort(), 20000);
    };
    try {
      if (live.state !== 'unavailable') setLiveState(live.state === 'live' ? 'reconnecting' : live.state);
      armStall();
      const response = await rawFetch('/scanner/live?grid=1', {
        headers: { Accept: 'text/event-stream' },
        signal: controller.signal,
      });
      let unavailable = response.status === 404 || response.status === 501;
      if (response.status === 503) {
        // Disabled in the configuration: nothing will change until a restart.
        const body = await response.clone().json().catch(() => null);
        unavailable = !!body && body.error === 'scanner_disabled';
      }
      if (unavailable) {
        clearTimeout(stall);
        setLiveState('unavailable');
        await sleep(10000);
        continue;
      }
      if (!response.ok || !response.body) {
        let body = null;
        try { body = await response.json(); } catch (_) { /* not JSON */ }
        throw new ApiFailure(response.status, body);
      }
      setLiveState('connecting');
      backoff = 500;
      const parse = sseParser((event, data) => {
        let value;
        try { value = JSON.parse(data); } catch (_) { return; }
        if (event === 'error' || (value && value.error && !value.weight_kg)) {
          setLiveState('no_mat', value.message || value.error);
          return;
        }
        onLiveEvent(value);
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        armStall();
        parse(value);
      }
    } catch (e) {
      if (e instanceof ApiFailure && e.status !== 0) live.detail = e.message;
    } finally {
      clearTimeout(stall);
    }
    setLiveState('reconnecting', live.detail);
    await sleep(backoff);
    backoff = Math.min(backoff * 2, 5000);
  }
}

// ---------------------------------------------------------------- 2. calibration
function markStep(done, next) {
  $(done).classList.remove('current');
  $(done).classList.add('done');
  if (next) $(next).classList.add('current');
}

/// One line about a calibration (the answer of tare, calibrate and import).
function summary(cal) {
  if (!cal || typeof cal !== 'object') return '';
  const parts = [];
  if (cal.source) parts.push(cal.source);
  if (cal.created_at) parts.push(cal.created_at);
  if (typeof cal.gain_n_per_count === 'number') parts.push(`${cal.gain_n_per_count.toPrecision(4)} N/count`);
  if (cal.load_cell && typeof cal.load_cell === 'object') parts.push(`load cell ${summaryOf(cal.load_cell)}`);
  if (typeof cal.known_kg === 'number') parts.push(`${cal.known_kg} kg`);
  return parts.join(' · ');
}

function summaryOf(obj) {
  return Object.entries(obj).map(([k, v]) => `${k} ${fmt(v, 4)}`).join(', ');
}

async function withButton(button, work) {
  button.disabled = true;
  try { await work(); } finally { button.disabled = false; }
}

function readKg(input) {
  const kg = parseFloat(input.value);
  return Number.isFinite(kg) && kg > 0 ? kg : null;
}

async function tare() {
  const out = $('tare-result');
  setResult(out, '…');
  try {
    const body = await api('/scanner/tare', { method: 'POST' });
    setResult(out, `${t('cal.tared')} ${summary(body)}`, 'ok');
    markStep('step-tare', 'step-known');
  } catch (e) {
    setResult(out, e.message, 'bad');
  }
}

async function calibrate() {
  const out = $('calibrate-result');
  const kg = readKg($('known-kg'));
  if (kg === null) { setResult(out, t('cal.need_kg'), 'bad'); return; }
  setResult(out, '…');
  try {
    const body = await api('/scanner/calibrate', jsonBody('POST', { known_kg: kg }));
    setResult(out, `${t('cal.calibrated')} ${summary(body)}`, 'ok');
    markStep('step-known', 'step-check');
    if (!$('check-kg').value) $('check-kg').value = kg;
  } catch (e) {
    setResult(out, e.message, 'bad');
  }
}

/// A check weighing: the mean of the live weight over 2 s against a reference.
async function checkWeighing() {
  const out = $('check-result');
  const reference = readKg($('check-kg'));
  if (reference === null) { setResult(out, t('cal.need_kg'), 'bad'); return; }
  setResult(out, t('cal.weighing'));
  const start = Date.now();
  await sleep(2000);
  const values = live.samples.filter(([at]) => at >= start).map(([, w]) => w);
  if (!values.length) { setResult(out, t('cal.no_live'), 'bad'); return; }
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const residual = mean - reference;
  const pct = (100 * residual) / reference;
  const sign = residual >= 0 ? '+' : '';
  out.dataset.residualKg = residual.toFixed(3);
  setResult(out, `${t('cal.measured')} ${mean.toFixed(2)} kg, ${t('cal.residual')} ` +
    `${sign}${residual.toFixed(2)} kg (${sign}${pct.toFixed(1)} %)`, Math.abs(pct) <= 1 ? 'ok' : 'bad');
  markStep('step-check', null);
}

async function exportCalibration() {
  const out = $('io-result');
  try {
    const body = await api('/scanner/calibration');
    const text = JSON.stringify(body, null, 2);
    $('calibration-json').textContent = text;
    const link = el('a', {
      href: URL.createObjectURL(new Blob([text], { type: 'application/json' })),
      download: `carenco-calibration-${new Date().toISOString().slice(0, 10)}.json`,
    });
    document.body.append(link);
    link.click();
    link.remove();
    setResult(out, t('cal.exported'), 'ok');
  } catch (e) {
    setResult(out, e.message, 'bad');
  }
}

async function importCalibration(file) {
  const out = $('io-result');
  let value;
  try { value = JSON.parse(await file.text()); } catch (_) { setResult(out, t('cal.bad_json'), 'bad'); return; }
  if (!value || typeof value !== 'object' || Array.isArray(value)) { setResult(out, t('cal.bad_json'), 'bad'); return; }
  try {
    const body = await api('/scanner/calibration', jsonBody('PUT', value));
    $('calibration-json').textContent = JSON.stringify(body || value, null, 2);
    setResult(out, t('cal.imported'), 'ok');
  } catch (e) {
    setResult(out, e.message, 'bad');
  }
}

// ---------------------------------------------------------------- 3. capture
const METRIC_KEYS = ['weight_kg', 'weight_source', 'left_pct', 'right_pct', 'forefoot_pct', 'rearfoot_pct', 'cop_mm'];
const FOOT_KEYS = ['arch_type', 'arch_index', 'force_pct', 'contact_area_cm2', 'peak_kpa', 'forefoot_pct', 'rearfoot_pct'];

function footText(foot) {
  if (!foot) return t('m.absent');
  const arch = lang === 'ko' && foot.arch_type_ko ? foot.arch_type_ko : foot.arch_type;
  return FOOT_KEYS.filter((k) => foot[k] !== undefined)
    .map((k) => `${t(`m.${k}`)}: ${k === 'arch_type' ? fmt(arch) : fmt(foot[k], k === 'arch_index' ? 3 : 1)}`)
    .join(' · ');
}

function renderMetrics(table, result) {
  table.replaceChildren();
  const m = result.metrics || {};
  const row = (key, value) => table.append(
    el('tr', { 'data-metric': key.replace(/^m\./, '') }, el('th', {}, t(key)), el('td', {}, value)));
  row('m.scan_id', fmt(result.scan_id));
  row('m.type', fmt(lang === 'ko' && result.description ? result.description : result.type));
  for (const k of METRIC_KEYS) if (m[k] !== undefined) row(`m.${k}`, fmt(m[k]));
  row('m.left', footText(m.left));
  row('m.right', footText(m.right));
  row('m.upload', fmt(result.upload));
}

async function capture() {
  const state = $('capture-state');
  const img = $('capture-img');
  const id = $('capture-id').value.trim();
  setResult(state, t('capture.waiting'));
  try {
    // No `data`: the service captures from the mat (waiting -> settling -> done).
    const result = await api('/image', jsonBody('PUT', { id }));
    renderMetrics($('capture-metrics'), result);
    const picture = result.local_url || (result.scan_id ? `/scans/${encodeURIComponent(result.scan_id)}/image` : null);
    if (picture) {
      if (img.src.startsWith('blob:')) URL.revokeObjectURL(img.src);
      img.src = await pictureUrl(picture);
      // The blob URL hides where the picture came from; say it for whoever checks.
      img.dataset.source = picture;
      img.alt = result.scan_id || '';
      img.hidden = false;
    }
    img.dataset.scanId = result.scan_id || '';
    setResult(state, t('capture.done'), 'ok');
    refreshStatus();
  } catch (e) {
    setResult(state, e.message, 'bad');
  }
}

// ---------------------------------------------------------------- 3b. balance test
const BALANCE_KEYS = ['path_length_mm', 'mean_velocity_mm_s', 'ellipse_area_mm2', 'ml_range_mm',
  'ap_range_mm', 'ml_rms_mm', 'ap_rms_mm', 'frames_used', 'fps'];

function renderBalance(table, result) {
  table.replaceChildren();
  const row = (key, value) => table.append(
    el('tr', { 'data-metric': key.replace(/^b\./, '') }, el('th', {}, t(key)), el('td', {}, value)));
  row('b.test_id', fmt(result.test_id));
  row('b.description', fmt(result.description));
  for (const k of BALANCE_KEYS) if (result[k] !== undefined) row(`b.${k}`, fmt(result[k], k === 'frames_used' ? 0 : 1));
  if (result.notes && result.notes.length) row('b.notes', result.notes.join(' / '));
  row('b.upload', fmt(result.upload));
}

async function balanceTest() {
  const state = $('balance-state');
  const img = $('balance-img');
  setResult(state, t('balance.running'));
  try {
    const result = await api('/balance', jsonBody('PUT', {
      id: $('balance-id').value.trim(),
      seconds: Number($('balance-seconds').value),
      stance: $('balance-stance').value,
      eyes: $('balance-eyes').value,
    }));
    renderBalance($('balance-metrics'), result);
    if (result.local_url) {
      if (img.src.startsWith('blob:')) URL.revokeObjectURL(img.src);
      img.src = await pictureUrl(result.local_url);
      img.dataset.source = result.local_url;
      img.alt = result.test_id || '';
      img.hidden = false;
    }
    setResult(state, t('capture.done'), 'ok');
    refreshStatus();
  } catch (e) {
    setResult(state, e.message, 'bad');
  }
}

// ---------------------------------------------------------------- 4. sync and health
function renderComponent(name, value) {
  const ok = value && value.ok;
  const list = el('dl');
  for (const [k, v] of Object.entries(value || {})) {
    if (k === 'ok') continue;
    const text = typeof v === 'object' && v !== null ? JSON.stringify(v) : fmt(v, 2);
    list.append(el('dt', {}, k), el('dd', {}, text.length > 160 ? `${text.slice(0, 160)}…` : text));
  }
  return el('div', { class: `component ${ok ? 'ok' : 'bad'}`, 'data-component': name },
    el('h3', {}, `${name}: ${ok ? t('ok') : t('not_ok')}`), list);
}

async function refreshCheck() {
  try {
    const body = await api('/check', {}, [503]);
    $('check-status').textContent = fmt(body.status);
    $('check-status').className = body.status === 'ok' ? 'ok' : 'bad';
    // Which kiosk this is (s3.device_id, by default derived from /etc/machine-id).
    if (body.device_id) $('version').textContent = `v${body.version} · ${body.device_id}`;
    const box = $('check-components');
    box.replaceChildren();
    for (const [name, value] of Object.entries(body)) {
      if (value && typeof value === 'object' && 'ok' in value) box.append(renderComponent(name, value));
    }
  } catch (e) {
    $('check-status').textContent = e.message;
    $('check-status').className = 'bad';
  }
}

async function refreshSync() {
  try {
    const s = await api('/sync');
    $('sync-mode').textContent = s.enabled === false ? t('sync.local') : fmt(s.bucket ? `${s.mode} · ${s.bucket}` : s.mode);
    $('sync-pending').textContent = fmt(s.pending, 0);
    $('sync-bytes').textContent = fmt(s.pending_bytes, 0);
    $('sync-oldest').textContent = fmtAge(s.oldest_pending_age_s);
    $('sync-uploaded').textContent = fmt(s.uploaded_total, 0);
    $('sync-last-success').textContent = fmt(s.last_success);
    $('sync-last-error').textContent = fmt(s.last_error);
    $('sync-last-error').className = s.last_error ? 'bad' : '';
  } catch (e) {
    $('sync-mode').textContent = e.message;
    for (const id of ['sync-pending', 'sync-bytes', 'sync-oldest', 'sync-uploaded', 'sync-last-success', 'sync-last-error']) {
      $(id).textContent = '–';
    }
  }
}

function refreshStatus() {
  return Promise.all([refreshCheck(), refreshSync()]);
}

async function syncNow() {
  const out = $('sync-result');
  try {
    await api('/sync', { method: 'POST' });
    setResult(out, t('sync.woken'), 'ok');
  } catch (e) {
    setResult(out, e.message, 'bad');
  }
  refreshSync();
}

// ---------------------------------------------------------------- 5. history
function listOf(body, ...keys) {
  if (Array.isArray(body)) return body;
  for (const k of keys) if (body && Array.isArray(body[k])) return body[k];
  return [];
}

async function showHistory() {
  const id = $('history-id').value.trim();
  const state = $('history-state');
  const scans = $('history-scans');
  const records = $('history-records');
  setResult(state, t('history.loading'));
  const query = `?id=${encodeURIComponent(id)}`;
  const [scanBody, recordBody] = await Promise.allSettled([
    api(`/scans${query}`), api(`/health-records${query}`),
  ]);
  scans.replaceChildren();
  records.replaceChildren();
  if (scanBody.status === 'rejected') {
    scans.append(el('p', { class: 'bad' }, scanBody.reason.message));
  } else {
    const list = listOf(scanBody.value, 'scans', 'items');
    if (!list.length) scans.append(el('p', { class: 'result' }, t('history.none')));
    for (const scan of list) {
      const scanId = scan.scan_id || scan.id;
      const m = scan.metrics || {};
      const img = el('img', { alt: scanId });
      const card = el('div', { class: 'card', 'data-scan-id': scanId }, img,
        el('div', {}, fmt(scan.created_at || scan.captured_at)),
        el('div', {}, scan.kind === 'balance'
          ? `${t('history.balance')} · ${fmt(m.figures && m.figures.path_length_mm, 0)} mm · ` +
            `${fmt(m.figures && m.figures.ellipse_area_mm2, 0)} mm²`
          : `${fmt(firstNumber(m.weight_kg, scan.weight_kg, scan.weight))} kg · ` +
            `${fmt(scan.arch_type || scan.type || null)}`));
      scans.append(card);
      pictureUrl(`/scans/${encodeURIComponent(scanId)}/image`)
        .then((url) => { img.src = url; })
        .catch(() => { img.alt = t('err.unavailable'); });
    }
  }
  if (recordBody.status === 'rejected') {
    records.append(el('p', { class: 'bad' }, recordBody.reason.message));
  } else {
    const list = listOf(recordBody.value, 'records', 'health_records', 'items');
    if (!list.length) records.append(el('p', { class: 'result' }, t('history.none')));
    for (const record of list) {
      const fields = record.fields || record.report && record.report.fields || {};
      const value = (k) => (fields[k] && typeof fields[k] === 'object' ? fields[k].value : fields[k]);
      const table = el('table', { class: 'kv' });
      table.append(el('tr', {}, el('th', {}, 'record_id'), el('td', {}, fmt(record.record_id || record.id))));
      if (record.created_at) table.append(el('tr', {}, el('th', {}, 'created_at'), el('td', {}, record.created_at)));
      for (const k of ['tested_at', 'weight_kg', 'skeletal_muscle_mass_kg', 'body_fat_mass_kg', 'percent_body_fat', 'bmi']) {
        if (value(k) !== undefined) table.append(el('tr', {}, el('th', {}, k), el('td', {}, fmt(value(k)))));
      }
      records.append(table);
    }
  }
  setResult(state, '');
}

// ---------------------------------------------------------------- 6. OCR test
async function runOcr() {
  const state = $('ocr-state');
  const file = $('ocr-file').files[0];
  if (!file) { setResult(state, t('ocr.need_file'), 'bad'); return; }
  const form = new FormData();
  form.append('file', file, file.name);
  const id = $('ocr-id').value.trim();
  if (id) form.append('id', id);
  setResult(state, t('ocr.reading'));
  const fields = $('ocr-fields');
  const missing = $('ocr-missing');
  const warnings = $('ocr-warnings');
  try {
    const report = await api('/ocr', { method: 'PUT', body: form });
    fields.replaceChildren();
    for (const [name, f] of Object.entries(report.fields || {})) {
      const v = f && typeof f === 'object' ? f : { value: f };
      const range = Array.isArray(v.range) ? ` (${fmt(v.range[0])}–${fmt(v.range[1])})` : '';
      fields.append(el('tr', {}, el('th', {}, name), el('td', {}, `${fmt(v.value, 2)}${range}`)));
    }
    const fill = (list, items) => {
      list.replaceChildren();
      if (!items || !items.length) list.append(el('li', {}, t('ocr.none')));
      for (const item of items || []) {
        list.append(el('li', {}, typeof item === 'string' ? item : (item.message || JSON.stringify(item))));
      }
    };
    fill(missing, report.missing);
    fill(warnings, report.warnings);
    setResult(state, `${fmt(report.engine)} · ${fmt(report.model)} · ${fmt(report.record_id)}`, 'ok');
  } catch (e) {
    setResult(state, e.message, 'bad');
  }
}

// ---------------------------------------------------------------- wiring
function showTab(name) {
  for (const tab of document.querySelectorAll('.tab')) tab.classList.toggle('active', tab.dataset.tab === name);
  for (const panel of document.querySelectorAll('.panel')) panel.classList.toggle('active', panel.id === `panel-${name}`);
  if (name === 'status') refreshStatus();
}

function init() {
  applyTexts();
  for (const tab of document.querySelectorAll('.tab')) {
    tab.addEventListener('click', () => {
      history.replaceState(null, '', `#${tab.dataset.tab}`);
      showTab(tab.dataset.tab);
    });
  }
  const initial = location.hash.slice(1);
  if (initial && $(`panel-${initial}`)) showTab(initial);
  $('lang-switch').addEventListener('click', () => {
    lang = lang === 'ko' ? 'en' : 'ko';
    localStorage.setItem('carenco.lang', lang);
    applyTexts();
    refreshStatus();
  });
  $('tare-btn').addEventListener('click', (e) => withButton(e.currentTarget, tare));
  $('calibrate-btn').addEventListener('click', (e) => withButton(e.currentTarget, calibrate));
  $('check-btn').addEventListener('click', (e) => withButton(e.currentTarget, checkWeighing));
  $('export-btn').addEventListener('click', (e) => withButton(e.currentTarget, exportCalibration));
  $('import-file').addEventListener('change', (e) => {
    const file = e.currentTarget.files[0];
    if (file) importCalibration(file);
    e.currentTarget.value = '';
  });
  $('capture-btn').addEventListener('click', (e) => withButton(e.currentTarget, capture));
  $('balance-btn').addEventListener('click', (e) => withButton(e.currentTarget, balanceTest));
  $('sync-now').addEventListener('click', (e) => withButton(e.currentTarget, syncNow));
  $('history-form').addEventListener('submit', (e) => { e.preventDefault(); showHistory(); });
  $('ocr-file').addEventListener('change', (e) => {
    $('ocr-filename').textContent = e.currentTarget.files[0] ? e.currentTarget.files[0].name : '';
  });
  $('ocr-form').addEventListener('submit', (e) => { e.preventDefault(); withButton($('ocr-btn'), runOcr); });

  api('/health').then((h) => { $('version').textContent = h && h.version ? `v${h.version}` : ''; }).catch(() => {});
  refreshStatus();
  setInterval(refreshStatus, 3000);
  liveLoop();
  document.body.dataset.ready = '1';
}

init();
