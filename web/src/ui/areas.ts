// 辖区编辑: administrators draw and edit the areas of their organisations on the map. Pick an
// organisation; its area (if any) shows with a handle at every corner, to drag; a click on the map
// adds a corner, a click on a handle with Alt removes it; 保存 sends the polygon
// (PUT /api/v1/orgs/{id}/area), which the server checks — a ring crossing itself, ground of a
// sibling's area — and the refusal shows with what it names.

import maplibregl from 'maplibre-gl';
import { api, apiRequest, ApiError } from '../api';
import { h, setChildren, toast } from '../dom';
import { getLang, onLangChange, t } from '../i18n';
import type { OpsMap } from '../map';
import { orgName, orgs } from '../store';

type Ring = [number, number][];

export class AreaEditor {
  readonly button: HTMLElement;
  readonly el: HTMLElement;
  private isOpen = false;
  private org = '';
  private ring: Ring = [];
  private handles: maplibregl.Marker[] = [];
  private error: ApiError | null = null;
  private busy = false;
  private areas: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };
  private sourceReady = false;

  constructor(
    private ops: OpsMap,
    private onSaved: (fc: GeoJSON.FeatureCollection) => void,
  ) {
    this.button = h('button.instr-btn', { 'data-testid': 'areas-button', title: t('area.title'), onClick: () => this.toggle() });
    this.el = h('section.area-panel', { 'data-testid': 'area-panel', hidden: true });
    onLangChange(() => (this.drawButton(), this.draw()));
    this.drawButton();
  }

  private drawButton(): void {
    setChildren(this.button, h('span.ib-label', null, t('area.short')));
    this.button.classList.toggle('on', this.isOpen);
  }

  toggle(open = !this.isOpen): void {
    this.isOpen = open;
    this.el.hidden = !open;
    this.drawButton();
    if (open) {
      void api
        .orgAreas()
        .then((fc) => {
          this.areas = fc;
          if (this.org) this.pick(this.org);
        })
        .catch(() => {});
      this.ops.startPick((p) => this.addCorner([p.lon, p.lat]), false);
    } else {
      this.ops.stopPick();
      this.clearHandles();
      this.setShape([]);
    }
    this.draw();
  }

  /** Loads `org`'s area (its largest polygon's outer ring) for editing. */
  private pick(org: string): void {
    this.org = org;
    this.error = null;
    const f = this.areas.features.find((x) => x.properties?.org_id === org);
    let ring: Ring = [];
    const g = f?.geometry;
    if (g && (g.type === 'Polygon' || g.type === 'MultiPolygon')) {
      const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
      const largest = polys.sort((a, b) => b[0].length - a[0].length)[0];
      ring = (largest?.[0] ?? []).map((c) => [c[0], c[1]] as [number, number]);
      // The stored ring repeats its first corner at the end; the editor keeps each corner once.
      if (ring.length > 1 && ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1]) ring.pop();
    }
    this.ring = ring;
    this.redraw();
    if (ring.length >= 3) {
      const lons = ring.map((c) => c[0]);
      const lats = ring.map((c) => c[1]);
      this.ops.map.fitBounds(
        [
          [Math.min(...lons), Math.min(...lats)],
          [Math.max(...lons), Math.max(...lats)],
        ],
        { padding: { top: 60, bottom: 60, left: 60, right: 340 }, duration: 0 },
      );
    }
    this.draw();
  }

  private addCorner(c: [number, number]): void {
    if (!this.org) {
      this.error = new ApiError(422, 'invalid', t('area.pickOrg'), 'org');
      this.draw();
      return;
    }
    this.ring.push([Math.round(c[0] * 1e6) / 1e6, Math.round(c[1] * 1e6) / 1e6]);
    this.redraw();
    this.draw();
  }

  private clearHandles(): void {
    for (const m of this.handles) m.remove();
    this.handles = [];
  }

  /** The shape on the map and one draggable handle per corner. */
  private redraw(): void {
    this.clearHandles();
    this.ring.forEach((c, i) => {
      const el = h('div.area-handle', { 'data-testid': 'area-handle', title: t('area.handleHint') });
      el.addEventListener('click', (e) => {
        e.stopPropagation();
        if ((e as MouseEvent).altKey) {
          this.ring.splice(i, 1);
          this.redraw();
          this.draw();
        }
      });
      const m = new maplibregl.Marker({ element: el, draggable: true }).setLngLat(c).addTo(this.ops.map);
      m.on('drag', () => {
        const p = m.getLngLat();
        this.ring[i] = [Math.round(p.lng * 1e6) / 1e6, Math.round(p.lat * 1e6) / 1e6];
        this.setShape(this.ring);
      });
      m.on('dragend', () => this.draw());
      this.handles.push(m);
    });
    this.setShape(this.ring);
  }

  private setShape(ring: Ring): void {
    const m = this.ops.map;
    if (!this.sourceReady) {
      if (!m.isStyleLoaded()) return;
      m.addSource('area-edit', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
      m.addLayer({ id: 'area-edit-fill', type: 'fill', source: 'area-edit', paint: { 'fill-color': '#f4c542', 'fill-opacity': 0.12 } });
      m.addLayer({ id: 'area-edit-line', type: 'line', source: 'area-edit', paint: { 'line-color': '#f4c542', 'line-width': 2 } });
      this.sourceReady = true;
    }
    const closed = ring.length >= 3 ? [...ring, ring[0]] : ring;
    const geom: GeoJSON.Geometry =
      ring.length >= 3 ? { type: 'Polygon', coordinates: [closed] } : { type: 'LineString', coordinates: ring.length >= 2 ? ring : [] };
    (m.getSource('area-edit') as maplibregl.GeoJSONSource).setData({
      type: 'FeatureCollection',
      features: ring.length >= 2 ? [{ type: 'Feature', geometry: geom, properties: {} }] : [],
    });
  }

  private async save(): Promise<void> {
    if (this.busy || !this.org) return;
    if (this.ring.length < 3) {
      this.error = new ApiError(422, 'invalid', t('area.needThree'), 'coordinates');
      this.draw();
      return;
    }
    this.busy = true;
    this.error = null;
    this.draw();
    try {
      await apiRequest('PUT', `/api/v1/orgs/${encodeURIComponent(this.org)}/area`, {
        type: 'Polygon',
        coordinates: [[...this.ring, this.ring[0]]],
      });
      this.areas = await api.orgAreas();
      this.onSaved(this.areas);
      toast(`${t('area.saved')} · ${orgName(this.org, getLang())}`, 'ok');
    } catch (e) {
      this.error = e as ApiError;
    } finally {
      this.busy = false;
      this.draw();
    }
  }

  private draw(): void {
    if (!this.isOpen) return;
    const lang = getLang();
    const choices = [...orgs.values()].filter((o) => o.kind !== 'city');
    setChildren(
      this.el,
      h('div.panel-head', null, h('h2', null, t('area.title')), h('div.spacer'), h('button.btn.btn-ghost.btn-sm.icon', { title: t('detail.close'), onClick: () => this.toggle(false) }, '✕')),
      h(
        'div.area-body',
        null,
        h(
          'select.input',
          { 'data-testid': 'area-org', onChange: (e: Event) => this.pick((e.target as HTMLSelectElement).value) },
          h('option', { value: '' }, t('area.pickOrg')),
          choices.map((o) => h('option', { value: o.id, selected: o.id === this.org }, orgName(o.id, lang))),
        ),
        h('div.muted.area-hint', null, t('area.hint')),
        h('div.area-count', { 'data-testid': 'area-corners' }, `${t('area.corners')} ${this.ring.length}`),
        this.error &&
          h('div.form-error', { role: 'alert', 'data-testid': 'area-error', 'data-field': this.error.field ?? '' }, this.error.status === 409 ? t('area.overlap') : this.error.message),
        h(
          'div.row-end',
          null,
          h('button.btn.btn-ghost.btn-sm', { 'data-testid': 'area-undo', disabled: this.ring.length === 0, onClick: () => (this.ring.pop(), this.redraw(), this.draw()) }, t('area.undo')),
          h('button.btn.btn-ghost.btn-sm', { 'data-testid': 'area-clear', disabled: this.ring.length === 0, onClick: () => ((this.ring = []), this.redraw(), this.draw()) }, t('area.clear')),
          h('button.btn.btn-primary.btn-sm', { 'data-testid': 'area-save', disabled: this.busy || !this.org, onClick: () => void this.save() }, t('area.save')),
        ),
      ),
    );
  }
}
