// 重大安保 on the operations map: the posts as rings coloured by status, their units linked.

import maplibregl from 'maplibre-gl';
import { h } from '../../dom';
import { t, type Key } from '../../i18n';
import { fontReady, LABEL_FONT, type OpsMap } from '../../map';
import { units } from '../../store';
import { posts, type Post, type PostStatus } from './api';

export const STATUS_COLORS: Record<PostStatus, string> = {
  staffed: '#2fd47a',
  late: '#f5a623',
  empty: '#ff3b3b',
  relieved: '#22c7e0',
  pending: '#7d92b8',
  ended: '#4a5568',
};

/** The order of the list: what needs the dispatcher first. */
export const URGENCY: Record<PostStatus, number> = { empty: 0, late: 1, relieved: 2, pending: 3, staffed: 4, ended: 5 };

function fc(features: GeoJSON.Feature[]): GeoJSON.FeatureCollection {
  return { type: 'FeatureCollection', features };
}

// ---- map layer ---------------------------------------------------------------------------------

/** The posts on the operations map: rings coloured by status (checkpoints with an outer ring),
 * above the units so that the units standing at a post show inside its ring. */
export class PostLayer {
  /** Increments with every drawing; a drawing overtaken while its font loaded is dropped. */
  private seq = 0;
  private ready: Promise<void>;
  private popup = new maplibregl.Popup({ closeButton: false, closeOnClick: false, offset: 12, className: 'zh-popup' });
  /** What is drawn, for tests: post features by status, and unit links. */
  drawn: { posts: number; byStatus: Record<string, number>; colors: Record<number, string>; links: number } = {
    posts: 0,
    byStatus: {},
    colors: {},
    links: 0,
  };

  constructor(
    private ops: OpsMap,
    private onPick: (id: number) => void,
  ) {
    this.ready = ops.whenLoaded().then(() => this.setup());
  }

  private setup(): void {
    const m = this.ops.map;
    const before = m.getLayer('incidents-halo') ? 'incidents-halo' : undefined;
    m.addSource('ev-links', { type: 'geojson', data: fc([]) });
    m.addLayer(
      {
        id: 'ev-links',
        type: 'line',
        source: 'ev-links',
        layout: { 'line-cap': 'round' },
        paint: { 'line-color': ['get', 'color'], 'line-width': 1.6, 'line-dasharray': [2, 1.5], 'line-opacity': 0.9 },
      },
      before,
    );
    m.addSource('ev-posts', { type: 'geojson', data: fc([]) });
    m.addLayer(
      {
        id: 'ev-posts-sel',
        type: 'circle',
        source: 'ev-posts',
        filter: ['==', ['get', 'sel'], true],
        paint: { 'circle-radius': 17, 'circle-color': 'rgba(255,255,255,0.08)', 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1.5 },
      },
      before,
    );
    m.addLayer(
      {
        id: 'ev-posts-cp',
        type: 'circle',
        source: 'ev-posts',
        filter: ['==', ['get', 'kind'], 'checkpoint'],
        paint: {
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 8, 15, 13],
          'circle-color': 'rgba(0,0,0,0)',
          'circle-stroke-color': ['get', 'color'],
          'circle-stroke-width': 1.2,
          'circle-stroke-opacity': 0.8,
        },
      },
      before,
    );
    m.addLayer(
      {
        id: 'ev-posts',
        type: 'circle',
        source: 'ev-posts',
        paint: {
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, ['case', ['==', ['get', 'kind'], 'checkpoint'], 5, 4], 15, ['case', ['==', ['get', 'kind'], 'checkpoint'], 9, 7.5]],
          'circle-color': ['get', 'fill'],
          'circle-stroke-color': ['get', 'color'],
          'circle-stroke-width': ['case', ['in', ['get', 'status'], ['literal', ['late', 'empty']]], 2.6, 2],
        },
      },
      before,
    );
    // Post names beside the rings from zoom 14 (北门, 东岗, 检查站 3): legible offline in the
    // bundled font, like every label of the map.
    m.addLayer(
      {
        id: 'ev-posts-label',
        type: 'symbol',
        source: 'ev-posts',
        minzoom: 14,
        layout: {
          'text-field': ['get', 'label'],
          'text-font': LABEL_FONT,
          'text-size': 11,
          'text-anchor': 'top',
          'text-offset': [0, 0.9],
          'text-padding': 2,
        },
        paint: { 'text-color': ['get', 'color'], 'text-halo-color': '#04080f', 'text-halo-width': 1.4 },
      },
      before,
    );
    m.on('click', 'ev-posts', (e) => {
      const id = Number(e.features?.[0]?.properties?.id);
      if (Number.isFinite(id)) this.onPick(id);
    });
    m.on('mouseenter', 'ev-posts', (e) => {
      m.getCanvas().style.cursor = 'pointer';
      const f = e.features?.[0];
      const p = f && posts.get(Number(f.properties?.id));
      if (!p) return;
      this.popup
        .setLngLat([p.lon, p.lat])
        .setDOMContent(
          h(
            'div.pop',
            null,
            h('b', null, `${p.index}. ${p.label}`),
            h('div', null, `${t(`ev.kind.${p.kind}` as Key)} · ${t(`ev.status.${p.status}` as Key)} · ${p.on_site}/${p.staff}`),
          ),
        )
        .addTo(m);
    });
    m.on('mouseleave', 'ev-posts', () => {
      m.getCanvas().style.cursor = '';
      this.popup.remove();
    });
  }

  async show(list: Post[] | null, selected: number | null): Promise<void> {
    await this.ready;
    const m = this.ops.map;
    const set = (id: string, data: GeoJSON.FeatureCollection) => (m.getSource(id) as maplibregl.GeoJSONSource | undefined)?.setData(data);
    if (!list) {
      set('ev-posts', fc([]));
      set('ev-links', fc([]));
      this.popup.remove();
      this.drawn = { posts: 0, byStatus: {}, colors: {}, links: 0 };
      return;
    }
    const byStatus: Record<string, number> = {};
    const colors: Record<number, string> = {};
    // Lapses drawn last, on top.
    const sorted = [...list].sort((a, b) => URGENCY[b.status] - URGENCY[a.status]);
    const feats: GeoJSON.Feature[] = sorted.map((p) => {
      byStatus[p.status] = (byStatus[p.status] ?? 0) + 1;
      const color = STATUS_COLORS[p.status];
      colors[p.id] = color;
      return {
        type: 'Feature',
        id: p.id,
        geometry: { type: 'Point', coordinates: [p.lon, p.lat] },
        properties: {
          id: p.id,
          status: p.status,
          kind: p.kind,
          label: p.label,
          color,
          fill: p.status === 'staffed' ? 'rgba(47,212,122,0.35)' : 'rgba(4,8,15,0.75)',
          sel: p.id === selected,
        },
      };
    });
    const seq = ++this.seq;
    void fontReady(list.map((p) => p.label)).then(() => {
      if (seq === this.seq) set('ev-posts', fc(feats));
    });
    // The selected post: a line from each unit still on its way (or gone) to the post.
    const links: GeoJSON.Feature[] = [];
    const sel = selected !== null ? list.find((p) => p.id === selected) : undefined;
    for (const a of sel?.units ?? []) {
      if (a.status !== 'assigned' && a.status !== 'left') continue;
      const u = units.get(a.unit_id);
      if (!u?.position) continue;
      links.push({
        type: 'Feature',
        geometry: { type: 'LineString', coordinates: [[u.position.lon, u.position.lat], [sel!.lon, sel!.lat]] },
        properties: { color: a.late ? STATUS_COLORS.late : '#9cc4ff' },
      });
    }
    set('ev-links', fc(links));
    this.drawn = { posts: feats.length, byStatus, colors, links: links.length };
  }

  fit(list: Post[]): void {
    if (list.length === 0) return;
    const lons = list.map((p) => p.lon);
    const lats = list.map((p) => p.lat);
    const wrap = this.ops.map.getContainer().parentElement;
    const panel = wrap?.querySelector('.ev-panel') as HTMLElement | null;
    this.ops.map.fitBounds(
      [
        [Math.min(...lons), Math.min(...lats)],
        [Math.max(...lons), Math.max(...lats)],
      ],
      { padding: { left: (panel && !panel.hidden ? panel.offsetWidth : 0) + 30, right: 30, top: 30, bottom: 30 }, maxZoom: 15, duration: 500 },
    );
  }

  flyTo(p: Post): void {
    const wrap = this.ops.map.getContainer().parentElement;
    const panel = wrap?.querySelector('.ev-panel') as HTMLElement | null;
    this.ops.map.easeTo({
      center: [p.lon, p.lat],
      zoom: Math.max(this.ops.map.getZoom(), 14.5),
      duration: 500,
      padding: { left: panel && !panel.hidden ? panel.offsetWidth : 0, right: 0, top: 0, bottom: 0 },
    });
  }
}

