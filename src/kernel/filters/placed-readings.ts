/**
 * The protocol and breakdown filters count in the same protocol maps; their
 * slot readings become Readings of the interface the filter is on here.
 */
import type { Reading } from '../../model/counters.js';
import type { SlotReading } from '../maps/index.js';
import type { CounterPlace } from './types.js';

/**
 * Slot readings with the interface they were read on: the same array while
 * the slots are the same array (nothing moved), and the same Reading for a
 * slot reading met before.
 */
export function placedReadings(place: CounterPlace): (slots: readonly SlotReading[]) => readonly Reading[] {
  const named = new WeakMap<SlotReading, Reading>();
  const name = (slot: SlotReading): Reading => {
    let reading = named.get(slot);
    if (!reading) named.set(slot, (reading = { ...place, ...slot }));
    return reading;
  };
  let lastSlots: readonly SlotReading[] | undefined;
  let readings: readonly Reading[] = [];
  return (slots) => {
    if (slots !== lastSlots) {
      lastSlots = slots;
      readings = Object.freeze(slots.map(name));
    }
    return readings;
  };
}
