// Save Image: marks an image as a result. The headless run writes it under its file name; the
// browser UI offers it for download. Compute passes the image through.
import type { NodeDefinition } from '../graph/types';
import { input, stringParam } from './common';

/** File names are cut to this many characters before `.png` (file systems refuse names past 255 bytes). */
export const MAX_FILE_STEM = 120;

/** A safe PNG file name from the param (no folders, ASCII only, not too long, always .png). */
export function saveFileName(name: string): string {
  const base = name
    .replace(/\\/g, '/')
    .split('/')
    .pop()!
    .replace(/[^A-Za-z0-9._ -]/g, '_')
    .trim();
  const stem =
    base
      .replace(/\.png$/i, '')
      .slice(0, MAX_FILE_STEM)
      .replace(/^[.\s]+/, '')
      .trim() || 'image';
  return `${stem}.png`;
}

export const saveImageNode: NodeDefinition = {
  type: 'save-image',
  title: 'Save Image',
  category: 'output',
  doc: 'Saves its image as a PNG: written by the headless run, downloadable in the editor.',
  inputs: [{ name: 'image', label: 'Image', type: 'image' }],
  outputs: [{ name: 'image', label: 'Image', type: 'image' }],
  params: [{ kind: 'string', name: 'filename', label: 'File name', default: 'edited.png', doc: 'PNG file name.' }],
  preview: 'image',
  ui: { resultRank: 3, download: { output: 'image', fileName: 'filename' } },
  async compute(inputs, params) {
    const image = input(inputs, 'image', 'image', 'Save Image');
    stringParam(params, 'filename', 'Save Image');
    return { image };
  },
};
