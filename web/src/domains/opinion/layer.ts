// 舆情 on the operations map: the open alerts that have a place, as diamonds coloured by level
// (high magenta, elevated amber) with their category from zoom 12; a click opens the alert.

import maplibregl from 'maplibre-gl';
import { h } from '../../dom';
import { t, type Key } from '../../i18n';
import { fontReady, LABEL_FONT, type OpsMap } from '../../map';
import type { OpinionAlert } from './api';

export const LEVEL_COLORS: Record<string, string> = { high: '#ff3d9a', elevated: '#ffb020' };

function fc(features: GeoJSON.Feature[]): GeoJSON.FeatureCollection {
  return { type: 'FeatureCollection', features };
}

export class OpinionLayer {
  private seq = 0;
  private ready: Promise<void>;
  private popup = new maplibregl.Popup({ closeButton: false, closeOnClick: false, offset: 12, className: 'zh-popup' });
  /** What is drawn, for tests: alert ids by level. */
  drawn: { high: number[]; elevated: number[] } = { high: [], elevated: [] };

  constructor(
    private ops: OpsMap,
    private onPick: (id: number) => void,
  ) {
    this.ready = ops.whenLoaded().then(() => this.setup());
  }

  private setup(): void {
    const m = this.ops.map;
    m.addSource('op-alerts', { type: 'geojson', data: fc([]) });
    m.addLayer({
      id: 'op-alerts-halo',
      type: 'circle',
      source: 'op-alerts',
      paint: {
        'circle-radius': ['case', ['get', 'sel'], 20, ['==', ['get', 'level'], 'high'], 15, 0],
        'circle-color': ['get', 'color'],
        'circle-opacity': 0.16,
        'circle-stroke-color': ['case', ['get', 'sel'], '#ffffff', 'rgba(0,0,0,0)'],
        'circle-stroke-width': ['case', ['get', 'sel'], 1.5, 0],
      },
    });
    // A diamond: a rotated square drawn as a symbol would need a sprite; a thick-stroked circle
    // with a dark core keeps it apart from the incidents' filled dots.
    m.addLayer({
      id: 'op-alerts',
      type: 'circle',
      source: 'op-alerts',
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 6, 15, 9],
        'circle-color': '#1a0716',
        'circle-stroke-color': ['get', 'color'],
        'circle-stroke-width': 3,
      },
    });
    m.addLayer({
      id: 'op-alerts-label',
      type: 'symbol',
      source: 'op-alerts',
      minzoom: 12,
      layout: {
        'text-field': ['get', 'label'],
        'text-font': LABEL_FONT,
        'text-size': 11,
        'text-anchor': 'top',
        'text-offset': [0, 1],
      },
      paint: { 'text-color': ['get', 'color'], 'text-halo-color': '#04080f', 'text-halo-width': 1.4 },
    });
    m.on('click', 'op-alerts', (e) => {
      const id = Number(e.features?.[0]?.properties?.id);
      if (Number.isFinite(id)) this.onPick(id);
    });
    m.on('mouseenter', 'op-alerts', (e) => {
      m.getCanvas().style.cursor = 'pointer';
      const f = e.features?.[0];
      if (!f) return;
      const c = (f.geometry as GeoJSON.Point).coordinates as [number, number];
      this.popup
        .setLngLat(c)
        .setDOMContent(h('div.pop', null, h('b', null, String(f.properties?.label ?? '')), h('div', null, String(f.properties?.excerpt ?? ''))))
        .addTo(m);
    });
    m.on('mouseleave', 'op-alerts', () => {
      m.getCanvas().style.cursor = '';
      this.popup.remove();
    });
  }

  async show(list: OpinionAlert[], selected: number | null): Promise<void> {
    await this.ready;
    const m = this.ops.map;
    const located = list.filter((a) => a.place);
    // High drawn last, on top.
    located.sort((a, b) => (a.level === b.level ? 0 : a.level === 'high' ? 1 : -1));
    const drawn: { high: number[]; elevated: number[] } = { high: [], elevated: [] };
    const feats: GeoJSON.Feature[] = located.map((a) => {
      (a.level === 'high' ? drawn.high : drawn.elevated).push(a.id);
      return {
        type: 'Feature',
        id: a.id,
        geometry: { type: 'Point', coordinates: [a.place!.location.lon, a.place!.location.lat] },
        properties: {
          id: a.id,
          level: a.level,
          color: LEVEL_COLORS[a.level] ?? '#ffb020',
          label: `${t(`op.cat.${a.category}` as Key)} #${a.id}`,
          excerpt: (a.evidence[0]?.text ?? '').slice(0, 40),
          sel: a.id === selected,
        },
      };
    });
    const seq = ++this.seq;
    await fontReady(feats.map((f) => String(f.properties?.label ?? '')));
    if (seq !== this.seq) return;
    (m.getSource('op-alerts') as maplibregl.GeoJSONSource | undefined)?.setData(fc(feats));
    this.drawn = drawn;
  }
}
