/**
 * What jsdom lacks and the dashboard's third-party code needs: a 2D canvas context for
 * chart.js (drawing is not asserted; the table fallback is) and ResizeObserver. Also
 * captures CSV downloads made through object URLs.
 */
import { vi } from 'vitest';

function fakeContext(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const noop = () => undefined;
  const gradient = { addColorStop: noop };
  return new Proxy({ canvas } as unknown as CanvasRenderingContext2D, {
    get(target, property) {
      if (property === 'canvas') return canvas;
      if (property === 'measureText') return () => ({ width: 0, actualBoundingBoxAscent: 0, actualBoundingBoxDescent: 0 });
      if (property === 'createLinearGradient' || property === 'createRadialGradient') return () => gradient;
      if (property === 'getImageData' || property === 'createImageData') return () => ({ data: new Uint8ClampedArray(4) });
      if (property === 'getLineDash') return () => [];
      if (property in target) return Reflect.get(target, property);
      return noop;
    },
    set(target, property, value) {
      return Reflect.set(target, property, value);
    },
  });
}

export function installBrowserStubs(): { downloads: { name: string; blob: Blob }[] } {
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(function (this: HTMLCanvasElement) {
    return fakeContext(this);
  } as unknown as HTMLCanvasElement['getContext']);
  if (!('ResizeObserver' in globalThis)) {
    globalThis.ResizeObserver = class {
      observe() {}
      unobserve() {}
      disconnect() {}
    } as unknown as typeof ResizeObserver;
  }
  const downloads: { name: string; blob: Blob }[] = [];
  const urls = new Map<string, Blob>();
  let counter = 0;
  URL.createObjectURL = (blob: Blob) => {
    const url = `blob:test/${++counter}`;
    urls.set(url, blob as Blob);
    return url;
  };
  URL.revokeObjectURL = () => undefined;
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    const blob = urls.get(this.href);
    if (blob) downloads.push({ name: this.download, blob });
  });
  return { downloads };
}

export function readBlob(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(blob);
  });
}
