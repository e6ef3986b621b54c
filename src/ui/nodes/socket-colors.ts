// One colour per wire type, shared by sockets, wires and the legend.
import type { SocketType } from '../../graph/types';

export const SOCKET_COLORS: Record<SocketType, string> = {
  image: '#4fc3f7',
  latent: '#b388ff',
  pairs: '#ffb74d',
  delta: '#69f0ae',
  number: '#e0e0e0',
};

export const SOCKET_LEGEND: { type: SocketType; label: string }[] = [
  { type: 'image', label: 'Image' },
  { type: 'latent', label: 'Latent (W+)' },
  { type: 'pairs', label: 'Synthetic pairs' },
  { type: 'delta', label: 'Delta' },
  { type: 'number', label: 'Number' },
];

export function socketColor(type: string): string {
  return SOCKET_COLORS[type as SocketType] ?? '#9e9e9e';
}
