/** One colour per kind of shared object, used by the DOT/SVG picture and the HTML legend alike. */
import type { ObjectKind } from './graph.js';

export interface Swatch {
  /** Node fill (light). */
  fill: string;
  /** Node border and edges (strong). */
  stroke: string;
  /** What the legend calls it. */
  legend: string;
}

export const PALETTE: Record<ObjectKind, Swatch> = {
  file: { fill: '#dbe7f3', stroke: '#4e79a7', legend: 'file (regular, directory)' },
  pipe: { fill: '#fde3c8', stroke: '#e07b12', legend: 'pipe or FIFO' },
  socket: { fill: '#f9d4d5', stroke: '#d63b3e', legend: 'socket' },
  eventfd: { fill: '#d8efed', stroke: '#3f9b94', legend: 'eventfd' },
  epoll: { fill: '#d9ecd5', stroke: '#4a8f3f', legend: 'epoll' },
  device: { fill: '#fbf0c4', stroke: '#b8961a', legend: 'device (char, block)' },
  other: { fill: '#ebe7e5', stroke: '#8c817c', legend: 'other (timerfd, signalfd, inotify, pidfd, …)' },
  vm: { fill: '#dbe7f3', stroke: '#4e79a7', legend: 'address space (vm)' },
  files: { fill: '#fde3c8', stroke: '#e07b12', legend: 'fd table (files)' },
  fs: { fill: '#d9ecd5', stroke: '#4a8f3f', legend: 'fs info: root, cwd, umask (fs)' },
  sighand: { fill: '#f9d4d5', stroke: '#d63b3e', legend: 'signal handlers (sighand)' },
  io: { fill: '#d8efed', stroke: '#3f9b94', legend: 'I/O context (io)' },
  sysvsem: { fill: '#fbf0c4', stroke: '#b8961a', legend: 'SysV semaphore undo list (sysvsem)' },
};

export const ACTOR_STYLE = { fill: '#ffffff', stroke: '#444444', cluster: '#9a9a9a' } as const;
