// Places: the nearest search and the list of districts (with a centre) to
// search from when the browser's location is not available.
import { api, fetchAll } from './api.js'

export const PLACE_TYPES = ['rest_station', 'rights_service', 'insurance_service', 'love_meal', 'water', 'charging', 'toilet']

export async function nearest({ lat, lng, type, amenity, limit = 10 }) {
  const res = await api.get('/api/v1/places/nearest', { lat, lng, type, amenity, limit })
  return res.items || []
}

// Districts with a centre: from the reference data when it gives
// coordinates, otherwise the mean position of each district's places.
export async function districts() {
  try {
    const res = await api.get('/api/v1/districts')
    const items = (res.items || []).filter((d) => d.lat !== undefined && d.lng !== undefined)
    if (items.length) return items.map((d) => ({ code: d.code, name: d.name, lat: +d.lat, lng: +d.lng }))
  } catch {
    /* fall through to the places themselves */
  }
  const places = await fetchAll('/api/v1/places', {}, 2000)
  const by = {}
  for (const p of places) {
    const key = p.district_name || p.district || '—'
    const d = (by[key] ||= { code: p.district_code || p.district || key, name: key, n: 0, lat: 0, lng: 0 })
    d.n++
    d.lat += +p.lat
    d.lng += +p.lng
  }
  return Object.values(by).map((d) => ({ code: d.code, name: d.name, lat: d.lat / d.n, lng: d.lng / d.n }))
}

export function browserLocation(timeout = 8000) {
  return new Promise((ok, fail) => {
    if (!navigator.geolocation) return fail(new Error('unsupported'))
    navigator.geolocation.getCurrentPosition(
      (p) => ok({ lat: p.coords.latitude, lng: p.coords.longitude }),
      (e) => fail(e),
      { enableHighAccuracy: false, timeout, maximumAge: 60000 }
    )
  })
}
