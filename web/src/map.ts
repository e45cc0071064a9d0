// The operations map: MapLibre with an offline style (no tiles, no glyph server, no sprites). Roads
// come from GET /api/v1/map/roads.geojson; incidents and units are GeoJSON sources updated from the
// stores, throttled to at most 4 updates per second.
//
// Labels (street names, call signs, incident numbers) need no network either: the style has no
// `glyphs` URL, so MapLibre draws every glyph in the browser (TinySDF) in the label font, the
// console's bundled Noto Sans SC (fonts.css). A glyph drawn before its font subset has loaded would
// be cached in a fallback font (boxes on a machine without CJK fonts), so every label text is
// passed through `fontReady` — which loads the subsets its characters need — before it reaches a
// source.

import maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import type { Incident, MapInfo, Unit } from './api';
import { h, throttle } from './dom';
import { codeLabel, fmtAgo, getLang, onLangChange, t, type Key } from './i18n';
import { incidents, selectedIncident, units } from './store';

export const PRIORITY_COLORS: Record<number, string> = {
  1: '#ff3b3b',
  2: '#ff8a1f',
  3: '#f4c542',
  4: '#8a96a8',
};

export const UNIT_STATUS_COLORS: Record<string, string> = {
  available: '#2fd47a',
  dispatched: '#3d8bff',
  en_route: '#22c7e0',
  on_scene: '#b57bff',
  off_duty: '#5d6878',
};

const ROAD_CLASSES: { id: string; classes: string[]; color: string; width: [number, number, number]; opacity: number }[] = [
  {
    id: 'minor',
    classes: ['service', 'track', 'footway', 'path', 'cycleway', 'pedestrian', 'steps', 'bridleway', 'corridor', 'platform'],
    color: '#1d2a3d',
    width: [0.4, 0.8, 2.5],
    opacity: 0.9,
  },
  {
    id: 'residential',
    classes: ['residential', 'unclassified', 'living_street', 'road', 'busway'],
    color: '#2c4260',
    width: [0.7, 1.3, 4],
    opacity: 1,
  },
  {
    id: 'secondary',
    classes: ['secondary', 'secondary_link', 'tertiary', 'tertiary_link'],
    color: '#4474a3',
    width: [1.1, 2, 6],
    opacity: 1,
  },
  {
    id: 'primary',
    classes: ['primary', 'primary_link'],
    color: '#62a6e8',
    width: [1.6, 2.8, 8],
    opacity: 1,
  },
  {
    id: 'major',
    classes: ['motorway', 'motorway_link', 'trunk', 'trunk_link'],
    color: '#9ad8ff',
    width: [2.2, 3.6, 10],
    opacity: 1,
  },
];

const ALL_CLASSED = ROAD_CLASSES.flatMap((c) => c.classes);

/** The label font: the console's bundled CJK font (fonts.css), drawn by MapLibre locally. */
export const LABEL_FONT = ['Noto Sans SC'];
const loadedChars = new Set<string>();
/** Every font load asked for so far: a text whose characters were asked for by someone else
 * still waits for that load. */
let fontLoads: Promise<void> = Promise.resolve();

/**
 * Resolves once the bundled font can draw every character of `texts` (the unicode-range subsets
 * they need are loaded), so that MapLibre's local glyph rendering never caches a fallback glyph.
 */
export function fontReady(texts: Iterable<string>): Promise<void> {
  let fresh = '';
  for (const t of texts) {
    for (const ch of t) {
      if (!loadedChars.has(ch)) {
        loadedChars.add(ch);
        fresh += ch;
      }
    }
  }
  if (fresh && document.fonts) {
    const load = document.fonts.load(`24px "${LABEL_FONT[0]}"`, fresh).then(
      () => {},
      () => {}, // drawn in a fallback font
    );
    fontLoads = Promise.all([fontLoads, load]).then(() => {});
  }
  return fontLoads;
}

/** Text paint shared by the map's labels: light on a dark halo, legible over roads and areas. */
function labelPaint(color: string | maplibregl.ExpressionSpecification = '#d8e4f5'): maplibregl.SymbolLayerSpecification['paint'] {
  return { 'text-color': color, 'text-halo-color': '#04080f', 'text-halo-width': 1.4 };
}

/** Seconds after which a unit's last position is drawn faded. */
const STALE_S = 600;

/** The one-character mark of a unit kind on its map symbol. */
function unitMark(kind: string, lang: string): string {
  const zh: Record<string, string> = { patrol_car: '巡', foot_patrol: '步', traffic: '交', swat: '特', community: '社' };
  const en: Record<string, string> = { patrol_car: 'P', foot_patrol: 'F', traffic: 'T', swat: 'S', community: 'C' };
  return (lang === 'en' ? en : zh)[kind] ?? '•';
}

function emptyFc(): GeoJSON.FeatureCollection {
  return { type: 'FeatureCollection', features: [] };
}

function matchColor(prop: string, table: Record<string | number, string>, fallback: string): maplibregl.ExpressionSpecification {
  const args: (string | number)[] = [];
  for (const [k, v] of Object.entries(table)) {
    args.push(prop === 'priority' ? Number(k) : k, v);
  }
  return ['match', ['get', prop], ...args, fallback] as unknown as maplibregl.ExpressionSpecification;
}

export class OpsMap {
  readonly map: maplibregl.Map;
  roadFeatureCount = 0;
  private loaded: Promise<void>;
  private pickCb: ((p: { lon: number; lat: number }) => void) | null = null;
  /** Whether a pick drops the pin (the intake form's location) or not (drawing an area). */
  private pickMarks = true;
  private pickMarker: maplibregl.Marker | null = null;
  private popup: maplibregl.Popup;
  private incidentsDirty = throttle(() => this.flushIncidents(), 250);
  private unitsDirty = throttle(() => this.flushUnits(), 250);
  /** Number of setData calls on the units source (the test checks the throttle). */
  unitFlushes = 0;
  private unitSeq = 0;
  private incidentSeq = 0;

  constructor(container: HTMLElement, info: MapInfo | null) {
    const bounds = info ? (info.bbox as [number, number, number, number]) : undefined;
    this.map = new maplibregl.Map({
      container,
      style: {
        version: 8,
        sources: {},
        layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#070d18' } }],
      },
      bounds: bounds && validBbox(bounds) ? bounds : undefined,
      center: !bounds && info ? info.center : undefined,
      zoom: bounds ? undefined : 12,
      fitBoundsOptions: { padding: 30 },
      attributionControl: false,
      dragRotate: false,
      pitchWithRotate: false,
      maxPitch: 0,
      fadeDuration: 0,
    });
    this.map.touchZoomRotate.disableRotation();
    if (info?.attribution) {
      this.map.addControl(new maplibregl.AttributionControl({ compact: false, customAttribution: info.attribution }), 'bottom-right');
    }
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-left');
    this.map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
    this.popup = new maplibregl.Popup({ closeButton: false, closeOnClick: false, offset: 10, className: 'zh-popup' });

    this.loaded = new Promise((resolve) => {
      if (this.map.loaded()) resolve();
      else this.map.once('load', () => resolve());
    });
    void this.loaded.then(() => this.setupLayers());

    incidents.subscribe(() => this.incidentsDirty());
    units.subscribe(() => this.unitsDirty());
    selectedIncident.subscribe(() => this.flushIncidents());
    onLangChange(() => (this.flushIncidents(), this.flushUnits()));

    this.map.on('click', (e) => this.onClick(e));
  }

  whenLoaded(): Promise<void> {
    return this.loaded;
  }

  private setupLayers(): void {
    const m = this.map;
    // Organisation areas (辖区) under everything: a faint tint per station, districts outlined.
    m.addSource('areas', { type: 'geojson', data: this.areaFc });
    m.addLayer({
      id: 'areas-fill',
      type: 'fill',
      source: 'areas',
      filter: ['==', ['get', 'kind'], 'station'],
      paint: { 'fill-color': ['get', 'color'], 'fill-opacity': 0.05 },
    });
    m.addLayer({
      id: 'areas-line',
      type: 'line',
      source: 'areas',
      paint: {
        'line-color': ['case', ['==', ['get', 'kind'], 'station'], '#5b8fd6', '#9ab8e6'],
        'line-opacity': ['case', ['==', ['get', 'kind'], 'station'], 0.45, 0.7],
        'line-width': ['case', ['==', ['get', 'kind'], 'station'], 1, 2.2],
        'line-dasharray': [3, 2],
      },
    });
    m.addSource('roads', { type: 'geojson', data: emptyFc(), tolerance: 0.4 });
    for (const c of ROAD_CLASSES) {
      const filter: maplibregl.FilterSpecification =
        c.id === 'minor'
          ? (['!', ['in', ['get', 'highway'], ['literal', ALL_CLASSED.filter((x) => !c.classes.includes(x))]]] as maplibregl.FilterSpecification)
          : (['in', ['get', 'highway'], ['literal', c.classes]] as maplibregl.FilterSpecification);
      m.addLayer({
        id: `roads-${c.id}`,
        type: 'line',
        source: 'roads',
        filter,
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: {
          'line-color': c.color,
          'line-opacity': c.opacity,
          'line-width': ['interpolate', ['exponential', 1.6], ['zoom'], 10, c.width[0], 14, c.width[1], 18, c.width[2]],
        },
      });
    }
    // A soft glow under the major network makes the arterial structure readable from afar.
    m.addLayer(
      {
        id: 'roads-major-glow',
        type: 'line',
        source: 'roads',
        filter: ['in', ['get', 'highway'], ['literal', ['motorway', 'trunk', 'primary']]],
        paint: {
          'line-color': '#3a8de0',
          'line-opacity': 0.25,
          'line-blur': 3,
          'line-width': ['interpolate', ['linear'], ['zoom'], 10, 4, 16, 14],
        },
      },
      'roads-minor',
    );

    // Street names along the roads: the major network from zoom 13, every named road from 15.
    m.addLayer({
      id: 'roads-label',
      type: 'symbol',
      source: 'roads',
      minzoom: 13,
      filter: [
        'all',
        ['has', 'name'],
        ['!=', ['get', 'name'], ''],
        ['any', ['>=', ['zoom'], 15], ['in', ['get', 'highway'], ['literal', ['motorway', 'trunk', 'primary', 'secondary', 'tertiary']]]],
      ],
      layout: {
        'symbol-placement': 'line',
        'text-field': ['get', 'name'],
        'text-font': LABEL_FONT,
        'text-size': ['interpolate', ['linear'], ['zoom'], 13, 10.5, 17, 13],
        'text-max-angle': 35,
        'symbol-spacing': 320,
        'text-padding': 4,
      },
      paint: labelPaint('#9fb6d4'),
    });

    // Routes of assigned units to the selected incident (GET /roads/route).
    m.addSource('routes', { type: 'geojson', data: this.routeFc });
    m.addLayer({
      id: 'routes-casing',
      type: 'line',
      source: 'routes',
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': '#04080f', 'line-width': ['interpolate', ['linear'], ['zoom'], 10, 4, 16, 9], 'line-opacity': 0.8 },
    });
    m.addLayer({
      id: 'routes',
      type: 'line',
      source: 'routes',
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': matchColor('status', UNIT_STATUS_COLORS, '#22c7e0'),
        'line-width': ['interpolate', ['linear'], ['zoom'], 10, 2, 16, 5],
        'line-dasharray': [2, 1.2],
      },
    });

    // A unit's trail (AVL history), under the unit dots.
    m.addSource('trail', { type: 'geojson', data: this.trailFc });
    // Magenta on a dark casing: no road class, route or status uses it.
    m.addLayer({
      id: 'trail-casing',
      type: 'line',
      source: 'trail',
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': '#04080f', 'line-width': ['interpolate', ['linear'], ['zoom'], 10, 4, 16, 8], 'line-opacity': 0.8 },
    });
    m.addLayer({
      id: 'trail',
      type: 'line',
      source: 'trail',
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': '#ff4fd8', 'line-width': ['interpolate', ['linear'], ['zoom'], 10, 2, 16, 4], 'line-opacity': 0.95 },
    });

    // Units cluster below zoom 13 (400 event vehicles are a count, not a blob); each cluster
    // counts its free units too.
    m.addSource('units', {
      type: 'geojson',
      data: emptyFc(),
      cluster: true,
      clusterMaxZoom: 12,
      clusterRadius: 38,
      clusterProperties: { free: ['+', ['case', ['==', ['get', 'status'], 'available'], 1, 0]] },
    });
    const single: maplibregl.FilterSpecification = ['!', ['has', 'point_count']];
    m.addLayer({
      id: 'units-cluster',
      type: 'circle',
      source: 'units',
      filter: ['has', 'point_count'],
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['get', 'point_count'], 2, 11, 50, 17, 400, 24],
        'circle-color': 'rgba(20, 44, 78, 0.92)',
        'circle-stroke-color': ['case', ['>', ['get', 'free'], 0], UNIT_STATUS_COLORS.available, UNIT_STATUS_COLORS.dispatched],
        'circle-stroke-width': 2,
      },
    });
    m.addLayer({
      id: 'units-cluster-count',
      type: 'symbol',
      source: 'units',
      filter: ['has', 'point_count'],
      layout: {
        'text-field': ['concat', ['to-string', ['get', 'free']], '/', ['to-string', ['get', 'point_count']]],
        'text-font': LABEL_FONT,
        'text-size': 11,
        'text-allow-overlap': true,
      },
      paint: { 'text-color': '#e6f0ff' },
    });
    // A unit: a rounded square in its status colour with the mark of its kind (巡 步 交 特 社),
    // unlike the round incidents; faded when its last position is old; a tick points where it
    // is heading while it moves.
    m.addLayer({
      id: 'units-heading',
      type: 'symbol',
      source: 'units',
      filter: ['all', single, ['has', 'heading']],
      layout: {
        'icon-image': 'u-heading',
        'icon-rotate': ['get', 'heading'],
        'icon-rotation-alignment': 'map',
        'icon-offset': [0, -13],
        'icon-allow-overlap': true,
        'icon-ignore-placement': true,
      },
      paint: { 'icon-opacity': ['case', ['get', 'stale'], 0.35, 0.9] },
    });
    m.addLayer({
      id: 'units',
      type: 'symbol',
      source: 'units',
      filter: single,
      layout: {
        'icon-image': ['get', 'icon'],
        'icon-size': ['interpolate', ['linear'], ['zoom'], 10, 0.7, 15, 1],
        'icon-allow-overlap': true,
        'icon-ignore-placement': true,
      },
      paint: { 'icon-opacity': ['case', ['get', 'stale'], 0.45, 1] },
    });

    // Call signs beside the units from zoom 13, in the colour of their status; at a glance the
    // label says which crew, the dot what it is doing.
    m.addLayer({
      id: 'units-label',
      type: 'symbol',
      source: 'units',
      minzoom: 13,
      filter: single,
      layout: {
        'text-field': ['get', 'call_sign'],
        'text-font': LABEL_FONT,
        'text-size': 11.5,
        'text-anchor': 'left',
        'text-offset': [1.1, 0],
        'text-padding': 2,
      },
      paint: labelPaint(matchColor('status', UNIT_STATUS_COLORS, '#9fb6d4')),
    });

    // Routine calls (三级, 四级) cluster below zoom 12 with their count; urgent ones (一级, 二级)
    // and the selected one are always drawn on their own, on top.
    m.addSource('incidents-routine', { type: 'geojson', data: emptyFc(), cluster: true, clusterMaxZoom: 11, clusterRadius: 34 });
    m.addLayer({
      id: 'incidents-routine-cluster',
      type: 'circle',
      source: 'incidents-routine',
      filter: ['has', 'point_count'],
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['get', 'point_count'], 2, 9, 50, 15],
        'circle-color': 'rgba(60, 50, 10, 0.9)',
        'circle-stroke-color': PRIORITY_COLORS[3],
        'circle-stroke-width': 1.6,
      },
    });
    m.addLayer({
      id: 'incidents-routine-count',
      type: 'symbol',
      source: 'incidents-routine',
      filter: ['has', 'point_count'],
      layout: { 'text-field': ['to-string', ['get', 'point_count']], 'text-font': LABEL_FONT, 'text-size': 11, 'text-allow-overlap': true },
      paint: { 'text-color': '#fff3c4' },
    });
    const incidentPaint: maplibregl.CircleLayerSpecification['paint'] = {
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, ['-', 8, ['get', 'priority']], 15, ['-', 11, ['get', 'priority']]],
      'circle-color': matchColor('priority', PRIORITY_COLORS, '#8a96a8'),
      'circle-stroke-color': ['case', ['==', ['get', 'status'], 'new'], '#ffffff', '#0b1322'],
      'circle-stroke-width': ['case', ['==', ['get', 'status'], 'new'], 1.6, 1.2],
    };
    m.addLayer({ id: 'incidents-routine', type: 'circle', source: 'incidents-routine', filter: ['!', ['has', 'point_count']], paint: incidentPaint });
    m.addLayer({
      id: 'incidents-routine-label',
      type: 'symbol',
      source: 'incidents-routine',
      minzoom: 12,
      filter: ['!', ['has', 'point_count']],
      layout: { 'text-field': ['get', 'label'], 'text-font': LABEL_FONT, 'text-size': 12, 'text-anchor': 'bottom', 'text-offset': [0, -0.9] },
      paint: labelPaint(matchColor('priority', PRIORITY_COLORS, '#d8e4f5')),
    });

    m.addSource('incidents', { type: 'geojson', data: emptyFc() });
    m.addLayer({
      id: 'incidents-halo',
      type: 'circle',
      source: 'incidents',
      filter: ['any', ['==', ['get', 'priority'], 1], ['==', ['get', 'selected'], true]],
      paint: {
        'circle-radius': ['case', ['==', ['get', 'selected'], true], 18, 13],
        'circle-color': matchColor('priority', PRIORITY_COLORS, '#8a96a8'),
        'circle-opacity': 0.18,
        'circle-stroke-color': ['case', ['==', ['get', 'selected'], true], '#ffffff', 'rgba(0,0,0,0)'],
        'circle-stroke-width': ['case', ['==', ['get', 'selected'], true], 1.5, 0],
      },
    });
    m.addLayer({
      id: 'incidents',
      type: 'circle',
      source: 'incidents',
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, ['-', 8, ['get', 'priority']], 15, ['-', 11, ['get', 'priority']]],
        'circle-color': matchColor('priority', PRIORITY_COLORS, '#8a96a8'),
        'circle-stroke-color': ['case', ['==', ['get', 'status'], 'new'], '#ffffff', '#0b1322'],
        'circle-stroke-width': ['case', ['==', ['get', 'status'], 'new'], 1.6, 1.2],
      },
    });

    // Incident numbers and priorities: always for P1 and the selected one, the rest from zoom 12.
    m.addLayer({
      id: 'incidents-label',
      type: 'symbol',
      source: 'incidents',
      filter: ['any', ['>=', ['zoom'], 12], ['==', ['get', 'priority'], 1], ['==', ['get', 'selected'], true]],
      layout: {
        'text-field': ['get', 'label'],
        'text-font': LABEL_FONT,
        'text-size': 12,
        'text-anchor': 'bottom',
        'text-offset': [0, -0.9],
        'text-allow-overlap': false,
        'symbol-sort-key': ['get', 'priority'],
      },
      paint: labelPaint(matchColor('priority', PRIORITY_COLORS, '#d8e4f5')),
    });

    // A click on a cluster zooms into it.
    m.on('click', 'units-cluster', (e) => {
      const f = e.features?.[0];
      if (!f || this.pickCb) return;
      const src = m.getSource('units') as maplibregl.GeoJSONSource;
      void src.getClusterExpansionZoom(Number(f.properties?.cluster_id)).then((z) => {
        m.easeTo({ center: (f.geometry as GeoJSON.Point).coordinates as [number, number], zoom: z + 0.5 });
      });
    });

    m.on('click', 'incidents-routine-cluster', (e) => {
      const f = e.features?.[0];
      if (!f || this.pickCb) return;
      const src = m.getSource('incidents-routine') as maplibregl.GeoJSONSource;
      void src.getClusterExpansionZoom(Number(f.properties?.cluster_id)).then((z) => {
        m.easeTo({ center: (f.geometry as GeoJSON.Point).coordinates as [number, number], zoom: z + 0.5 });
      });
    });

    for (const layer of ['incidents', 'incidents-routine', 'units']) {
      m.on('mouseenter', layer, (e) => {
        if (!this.pickCb) m.getCanvas().style.cursor = 'pointer';
        const f = e.features?.[0];
        if (f) this.showPopup(layer === 'units' ? 'units' : 'incidents', f);
      });
      m.on('mouseleave', layer, () => {
        m.getCanvas().style.cursor = this.pickCb ? 'crosshair' : '';
        this.popup.remove();
      });
    }
    this.flushIncidents();
    this.flushUnits();
  }

  private areaFc: GeoJSON.FeatureCollection = emptyFc();

  /** Draw the organisations' areas (GET /orgs/areas), each station tinted its own colour. */
  setAreas(fc: GeoJSON.FeatureCollection): void {
    const palette = ['#3d8bff', '#2fd47a', '#f4c542', '#c77dff', '#22c7e0', '#ff8a50', '#7d92b8'];
    let n = 0;
    this.areaFc = {
      type: 'FeatureCollection',
      features: fc.features.map((f) => ({
        ...f,
        properties: { ...(f.properties ?? {}), color: palette[(f.properties?.kind === 'station' ? n++ : 0) % palette.length] },
      })),
    };
    (this.map.getSource('areas') as maplibregl.GeoJSONSource | undefined)?.setData(this.areaFc);
  }

  /** Number of areas drawn (the test checks it). */
  get areaCount(): number {
    return this.areaFc.features.length;
  }

  private routeFc: GeoJSON.FeatureCollection = emptyFc();

  /** Draw unit routes (one LineString per assignment); an empty list clears them. */
  setRoutes(routes: { id: number; status: string; geometry: [number, number][] }[]): void {
    this.routeFc = {
      type: 'FeatureCollection',
      features: routes
        .filter((r) => r.geometry.length >= 2)
        .map((r) => ({ type: 'Feature', id: r.id, geometry: { type: 'LineString', coordinates: r.geometry }, properties: { id: r.id, status: r.status } })),
    };
    (this.map.getSource('routes') as maplibregl.GeoJSONSource | undefined)?.setData(this.routeFc);
  }

  private trailFc: GeoJSON.FeatureCollection = emptyFc();

  /** Draw one unit's trail (oldest first); `null` or fewer than two points clears it. */
  setTrail(coords: [number, number][] | null): void {
    this.trailFc =
      coords && coords.length >= 2
        ? { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'LineString', coordinates: coords }, properties: {} }] }
        : emptyFc();
    (this.map.getSource('trail') as maplibregl.GeoJSONSource | undefined)?.setData(this.trailFc);
  }

  /** Number of points of the trail currently drawn (the test checks it). */
  get trailPoints(): number {
    const g = this.trailFc.features[0]?.geometry;
    return g && g.type === 'LineString' ? g.coordinates.length : 0;
  }

  /** Number of route lines currently drawn (the test checks it). */
  get routeCount(): number {
    return this.routeFc.features.length;
  }

  async setRoads(fc: GeoJSON.FeatureCollection): Promise<void> {
    await this.loaded;
    await fontReady((fc.features ?? []).map((f) => String(f.properties?.name ?? '')));
    this.roadFeatureCount = fc.features?.length ?? 0;
    (this.map.getSource('roads') as maplibregl.GeoJSONSource).setData(fc);
  }

  private showPopup(layer: string, f: maplibregl.MapGeoJSONFeature): void {
    const p = f.properties as Record<string, unknown>;
    const coords = (f.geometry as GeoJSON.Point).coordinates as [number, number];
    let html: HTMLElement;
    if (layer === 'units') {
      const u = units.get(Number(p.id));
      if (!u) return;
      html = h(
        'div.pop',
        null,
        h('b', null, u.call_sign),
        h('span', null, ` · ${codeLabel('unit_kinds', u.kind)}`),
        h('div', null, codeLabel('unit_statuses', u.status), ' · ', fmtAgo(u.position_at)),
      );
    } else {
      const i = incidents.get(Number(p.id));
      if (!i) return;
      html = h(
        'div.pop',
        null,
        h('b', null, `#${i.id} `, codeLabel('incident_types', i.type)),
        h('div', null, i.address),
        h('div', null, codeLabel('incident_statuses', i.status)),
      );
    }
    this.popup.setLngLat(coords).setDOMContent(html).addTo(this.map);
  }

  private onClick(e: maplibregl.MapMouseEvent): void {
    if (this.pickCb) {
      const p = { lon: round6(e.lngLat.lng), lat: round6(e.lngLat.lat) };
      if (this.pickMarks) this.setPickMarker(p);
      this.pickCb(p);
      return;
    }
    if (!this.map.getLayer('incidents')) return;
    const feats = this.map.queryRenderedFeatures(
      [
        [e.point.x - 6, e.point.y - 6],
        [e.point.x + 6, e.point.y + 6],
      ],
      { layers: ['incidents', 'incidents-routine'] },
    );
    if (feats.length > 0) selectedIncident.set(Number(feats[0].properties?.id));
  }

  /** Enter location-picking mode: map clicks call `cb` and move a marker. */
  startPick(cb: (p: { lon: number; lat: number }) => void, marker = true): void {
    this.pickMarks = marker;
    this.pickCb = cb;
    this.map.getCanvas().style.cursor = 'crosshair';
    this.map.getContainer().classList.add('picking');
  }

  stopPick(): void {
    this.pickCb = null;
    this.map.getCanvas().style.cursor = '';
    this.map.getContainer().classList.remove('picking');
    this.pickMarker?.remove();
    this.pickMarker = null;
  }

  setPickMarker(p: { lon: number; lat: number }): void {
    if (!this.pickMarker) {
      const el = h('div.pick-marker', { 'data-testid': 'pick-marker' }, h('div.pick-pin'), h('div.pick-pulse'));
      this.pickMarker = new maplibregl.Marker({ element: el, anchor: 'bottom' });
    }
    this.pickMarker.setLngLat([p.lon, p.lat]).addTo(this.map);
  }

  /** Pan/zoom to a point, keeping it clear of the panels that float over the map. */
  flyTo(p: { lon: number; lat: number }, minZoom = 14): void {
    const wrap = this.map.getContainer().parentElement;
    const visible = (sel: string) => {
      const el = wrap?.querySelector(sel) as HTMLElement | null;
      return el && !el.hidden ? el.offsetWidth + 16 : 0;
    };
    // Panels float on both sides of the map: the target lands in the middle of what is left.
    const widest = (sels: string[]) => Math.max(0, ...sels.map(visible));
    this.map.easeTo({
      center: [p.lon, p.lat],
      zoom: Math.max(this.map.getZoom(), minZoom),
      duration: 600,
      padding: {
        left: widest(['.new-incident', '.instr-panel', '.icp-panel', '.rp-panel', '.ev-panel', '.op-panel']),
        right: widest(['.detail', '.area-panel']),
        top: 0,
        bottom: 0,
      },
    });
  }

  resize(): void {
    this.map.resize();
  }

  private flushIncidents(): void {
    const src = this.map.getSource('incidents') as maplibregl.GeoJSONSource | undefined;
    if (!src) return;
    const sel = selectedIncident.value;
    const feats: GeoJSON.Feature[] = [];
    for (const i of incidents.byId.values()) {
      if (i.status === 'closed' && i.id !== sel) continue;
      if (!validLoc(i)) continue;
      feats.push({
        type: 'Feature',
        id: i.id,
        geometry: { type: 'Point', coordinates: [i.location.lon, i.location.lat] },
        properties: { id: i.id, priority: i.priority, status: i.status, selected: i.id === sel, label: `#${i.id} ${t(`prio.${i.priority}` as Key)}` },
      });
    }
    // Draw higher priorities on top.
    feats.sort((a, b) => (b.properties!.priority as number) - (a.properties!.priority as number));
    const seq = ++this.incidentSeq;
    const routine = (f: GeoJSON.Feature) => (f.properties!.priority as number) >= 3 && !f.properties!.selected;
    void fontReady(feats.map((f) => String(f.properties!.label))).then(() => {
      // A newer flush may have overtaken this one while the font loaded.
      if (seq !== this.incidentSeq) return;
      src.setData({ type: 'FeatureCollection', features: feats.filter((f) => !routine(f)) });
      (this.map.getSource('incidents-routine') as maplibregl.GeoJSONSource | undefined)?.setData({
        type: 'FeatureCollection',
        features: feats.filter(routine),
      });
    });
  }

  /** Adds the icon of a unit of `kind` in `status` (drawn once per language) and returns its id. */
  private unitIcon(kind: string, status: string): string {
    const lang = getLang();
    const id = `u-${kind}-${status}-${lang}`;
    if (this.map.hasImage(id)) return id;
    const px = 2; // device pixels per CSS pixel: crisp on high-density screens
    const size = 20 * px;
    const c = document.createElement('canvas');
    c.width = c.height = size;
    const g = c.getContext('2d');
    if (!g) return id;
    const r = 5 * px;
    g.beginPath();
    g.roundRect(1.5 * px, 1.5 * px, size - 3 * px, size - 3 * px, r);
    g.fillStyle = UNIT_STATUS_COLORS[status] ?? '#5d6878';
    g.fill();
    g.lineWidth = 1.5 * px;
    g.strokeStyle = '#04080f';
    g.stroke();
    g.fillStyle = status === 'off_duty' ? '#c9d3e2' : '#04101f';
    g.font = `700 ${12 * px}px "${LABEL_FONT[0]}", sans-serif`;
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText(unitMark(kind, lang), size / 2, size / 2 + 0.5 * px);
    this.map.addImage(id, g.getImageData(0, 0, size, size), { pixelRatio: px });
    return id;
  }

  /** Last seen position and heading per unit: the heading is the bearing of its last move of
   * more than 5 m (positions carry none). */
  private lastSeen = new Map<number, { lon: number; lat: number; heading: number | null }>();

  private headingOf(id: number, p: { lon: number; lat: number }): number | null {
    const prev = this.lastSeen.get(id);
    if (!prev) {
      this.lastSeen.set(id, { ...p, heading: null });
      return null;
    }
    const dy = (p.lat - prev.lat) * 111_320;
    const dx = (p.lon - prev.lon) * 111_320 * Math.cos((p.lat * Math.PI) / 180);
    if (Math.hypot(dx, dy) < 5) return prev.heading;
    const heading = ((Math.atan2(dx, dy) * 180) / Math.PI + 360) % 360;
    this.lastSeen.set(id, { ...p, heading });
    return heading;
  }

  private headingIcon(): void {
    if (this.map.hasImage('u-heading')) return;
    const px = 2;
    const c = document.createElement('canvas');
    c.width = c.height = 10 * px;
    const g = c.getContext('2d');
    if (!g) return;
    g.beginPath();
    g.moveTo(5 * px, 0);
    g.lineTo(10 * px, 9 * px);
    g.lineTo(0, 9 * px);
    g.closePath();
    g.fillStyle = '#e6f0ff';
    g.fill();
    this.map.addImage('u-heading', g.getImageData(0, 0, 10 * px, 10 * px), { pixelRatio: px });
  }

  private flushUnits(): void {
    const src = this.map.getSource('units') as maplibregl.GeoJSONSource | undefined;
    if (!src) return;
    this.unitFlushes++;
    const feats: GeoJSON.Feature[] = [];
    const now = Date.now();
    const marks = new Set<string>();
    for (const u of units.byId.values()) {
      if (!u.position) continue;
      marks.add(unitMark(u.kind, getLang()));
      const age = u.position_at ? (now - new Date(u.position_at).getTime()) / 1000 : Infinity;
      const moving = u.status === 'en_route' || u.status === 'dispatched';
      const heading = this.headingOf(u.id, u.position);
      feats.push({
        type: 'Feature',
        id: u.id,
        geometry: { type: 'Point', coordinates: [u.position.lon, u.position.lat] },
        properties: {
          id: u.id,
          status: u.status,
          kind: u.kind,
          call_sign: u.call_sign,
          // A position older than ten minutes may no longer be where the unit is.
          stale: age > STALE_S,
          ...(moving && heading !== null ? { heading } : {}),
        },
      });
    }
    const seq = ++this.unitSeq;
    void fontReady([...feats.map((f) => String(f.properties!.call_sign)), ...marks]).then(() => {
      // A newer flush may have overtaken this one while the font loaded.
      if (seq !== this.unitSeq) return;
      // The icons' marks are drawn on a canvas in the bundled font, now loaded.
      this.headingIcon();
      for (const f of feats) f.properties!.icon = this.unitIcon(String(f.properties!.kind), String(f.properties!.status));
      src.setData({ type: 'FeatureCollection', features: feats });
    });
  }
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function validBbox(b: number[]): boolean {
  return b.length === 4 && b.every((x) => Number.isFinite(x)) && b[2] > b[0] && b[3] > b[1];
}

function validLoc(i: Incident | Unit): boolean {
  const l = 'location' in i ? i.location : i.position;
  return !!l && Number.isFinite(l.lon) && Number.isFinite(l.lat);
}
