// 设卡布控 on the operations map: checkpoints, unit routes, open ways out and the suspect's reach as
// sources, layers and markers under the units.

import maplibregl from 'maplibre-gl';
import type { LonLat } from '../../api';
import { h } from '../../dom';
import { t } from '../../i18n';
import type { OpsMap } from '../../map';

// ---- map overlay -----------------------------------------------------------------------------------

export interface MapPoint {
  n: number;
  lon: number;
  lat: number;
  cls: string;
  title: string;
  key: number;
}

export interface MapView {
  origin: LonLat;
  points: MapPoint[];
  routes: { coords: [number, number][]; color: string; sel: boolean }[];
  open: [number, number][][];
  reach: { polygon: [number, number][]; current: boolean }[];
  /** The roads the suspect can be on by `reachAt` seconds after the crime. */
  reachRoads?: [number, number, number, number, number][];
  reachAt?: number;
}

/** Escape routes left open: violet, a colour of their own (the suspect's reach is orange-red,
 * unit routes follow their margin, units their status). */
export const OPEN_COLOR = '#b45cff';
/** Checkpoint markers closer than this on screen fold into one with a count. */
const DECLUTTER_PX = 22;

function fc(features: GeoJSON.Feature[]): GeoJSON.FeatureCollection {
  return { type: 'FeatureCollection', features };
}

/** Sources, layers and markers of the interception on the operations map (under the units). */
export class CordonLayer {
  private markers: maplibregl.Marker[] = [];
  private origin: maplibregl.Marker | null = null;
  private ready: Promise<void>;
  /** What is drawn, for tests: markers, unit routes, open routes, reach polygons. */
  drawn = { markers: 0, routes: 0, open: 0, reach: 0, reachRoads: 0, folded: 0 };

  constructor(
    private ops: OpsMap,
    private onMarker: (key: number) => void,
  ) {
    this.ready = ops.whenLoaded().then(() => this.setup());
    ops.map.on('zoomend', () => this.declutter());
  }

  /**
   * Folds checkpoint markers that would overlap at this zoom into the first of them (lowest
   * number), which shows how many it stands for; zooming in separates them again.
   */
  private declutter(): void {
    const kept: { x: number; y: number; el: HTMLElement; more: number }[] = [];
    let hidden = 0;
    for (const mk of this.markers) {
      const el = mk.getElement();
      const p = this.ops.map.project(mk.getLngLat());
      const near = kept.find((k) => Math.hypot(k.x - p.x, k.y - p.y) < DECLUTTER_PX);
      el.classList.toggle('icp-folded', !!near);
      if (near) {
        near.more++;
        hidden++;
      } else kept.push({ x: p.x, y: p.y, el, more: 0 });
    }
    for (const k of kept) {
      if (k.more > 0) k.el.dataset.more = `+${k.more}`;
      else delete k.el.dataset.more;
    }
    this.drawn.folded = hidden;
  }

  private setup(): void {
    const m = this.ops.map;
    const before = m.getLayer('units') ? 'units' : undefined;
    const empty = fc([]);
    // Where the suspect can be is drawn on the roads themselves; the hull around them is only a
    // faint outline (it spans gaps the roads do not cross).
    m.addSource('icp-reach-roads', { type: 'geojson', data: empty });
    m.addLayer(
      {
        id: 'icp-reach-roads',
        type: 'line',
        source: 'icp-reach-roads',
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: { 'line-color': '#ff5a3c', 'line-width': 3.2, 'line-opacity': 0.55 },
      },
      before,
    );
    m.addSource('icp-reach', { type: 'geojson', data: empty });
    m.addLayer(
      {
        id: 'icp-reach-fill',
        type: 'fill',
        source: 'icp-reach',
        filter: ['==', ['get', 'current'], true],
        paint: { 'fill-color': '#ff5a3c', 'fill-opacity': 0.04 },
      },
      before,
    );
    m.addLayer(
      {
        id: 'icp-reach-line',
        type: 'line',
        source: 'icp-reach',
        paint: {
          'line-color': '#ff7a50',
          'line-width': ['case', ['==', ['get', 'current'], true], 1.8, 0.8],
          'line-opacity': ['case', ['==', ['get', 'current'], true], 0.95, 0.35],
          'line-dasharray': [3, 2],
        },
      },
      before,
    );
    m.addSource('icp-routes', { type: 'geojson', data: empty });
    m.addLayer(
      {
        id: 'icp-routes-casing',
        type: 'line',
        source: 'icp-routes',
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: { 'line-color': '#04080f', 'line-width': ['case', ['==', ['get', 'sel'], true], 8, 5], 'line-opacity': 0.75 },
      },
      before,
    );
    m.addLayer(
      {
        id: 'icp-routes',
        type: 'line',
        source: 'icp-routes',
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: { 'line-color': ['get', 'color'], 'line-width': ['case', ['==', ['get', 'sel'], true], 4.5, 2.4], 'line-dasharray': [2, 1.2] },
      },
      before,
    );
    m.addSource('icp-open', { type: 'geojson', data: empty });
    m.addLayer(
      {
        id: 'icp-open-glow',
        type: 'line',
        source: 'icp-open',
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: { 'line-color': OPEN_COLOR, 'line-width': 9, 'line-opacity': 0.25, 'line-blur': 3 },
      },
      before,
    );
    m.addLayer(
      {
        id: 'icp-open',
        type: 'line',
        source: 'icp-open',
        layout: { 'line-cap': 'round', 'line-join': 'round' },
        paint: { 'line-color': OPEN_COLOR, 'line-width': 3, 'line-dasharray': [1.5, 1] },
      },
      before,
    );
  }

  private set(id: string, data: GeoJSON.FeatureCollection): void {
    (this.ops.map.getSource(id) as maplibregl.GeoJSONSource | undefined)?.setData(data);
  }

  async show(v: MapView | null): Promise<void> {
    await this.ready;
    for (const mk of this.markers) mk.remove();
    this.markers = [];
    this.drawn = {
      markers: v?.points.length ?? 0,
      routes: v?.routes.filter((r) => r.coords.length >= 2).length ?? 0,
      open: v?.open.length ?? 0,
      reach: v?.reach.filter((r) => r.polygon.length >= 4).length ?? 0,
      reachRoads: 0,
      folded: 0,
    };
    if (!v) {
      this.origin?.remove();
      this.origin = null;
      for (const id of ['icp-reach', 'icp-reach-roads', 'icp-routes', 'icp-open']) this.set(id, fc([]));
      return;
    }
    this.set(
      'icp-reach',
      fc(
        v.reach
          .filter((r) => r.polygon.length >= 4)
          .map((r) => ({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [r.polygon] }, properties: { current: r.current } })),
      ),
    );
    const at = v.reachAt ?? -1;
    const roads = (v.reachRoads ?? []).filter((r) => r[4] <= at);
    this.drawn.reachRoads = roads.length;
    this.set(
      'icp-reach-roads',
      fc(roads.map((r) => ({ type: 'Feature', geometry: { type: 'LineString', coordinates: [[r[0], r[1]], [r[2], r[3]]] }, properties: {} }))),
    );
    this.set(
      'icp-routes',
      fc(
        v.routes
          .filter((r) => r.coords.length >= 2)
          .map((r) => ({ type: 'Feature', geometry: { type: 'LineString', coordinates: r.coords }, properties: { color: r.color, sel: r.sel } })),
      ),
    );
    this.set(
      'icp-open',
      fc(v.open.filter((p) => p.length >= 2).map((p) => ({ type: 'Feature', geometry: { type: 'LineString', coordinates: p }, properties: {} }))),
    );
    for (const p of v.points) {
      const el = h(
        'div.icp-marker',
        { class: p.cls, 'data-testid': 'icp-marker', 'data-n': String(p.n), title: p.title, onClick: (e: Event) => (e.stopPropagation(), this.onMarker(p.key)) },
        h('span', null, String(p.n)),
      );
      this.markers.push(new maplibregl.Marker({ element: el }).setLngLat([p.lon, p.lat]).addTo(this.ops.map));
    }
    if (!this.origin) {
      const el = h('div.icp-origin', { 'data-testid': 'icp-origin', title: t('icp.origin') }, h('i'), h('b', null, h('span', null, t('icp.suspectMark'))));
      this.origin = new maplibregl.Marker({ element: el });
    }
    this.origin.setLngLat([v.origin.lon, v.origin.lat]).addTo(this.ops.map);
    this.declutter();
  }

  /** Zooms to the origin and the checkpoints, clear of the panels on both sides. */
  fit(origin: LonLat, pts: { lon: number; lat: number }[]): void {
    const all = [origin, ...pts];
    const lons = all.map((p) => p.lon);
    const lats = all.map((p) => p.lat);
    const b: [number, number, number, number] = [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)];
    const wrap = this.ops.map.getContainer().parentElement;
    const w = (sel: string) => {
      const el = wrap?.querySelector(sel) as HTMLElement | null;
      return el && !el.hidden ? el.offsetWidth + 24 : 24;
    };
    this.ops.map.fitBounds(
      [
        [b[0], b[1]],
        [b[2], b[3]],
      ],
      { padding: { left: w('.icp-panel'), right: w('.detail'), top: 40, bottom: 40 }, maxZoom: 15.5, duration: 600 },
    );
  }
}
