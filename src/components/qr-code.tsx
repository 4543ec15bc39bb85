import { useEffect, useState } from 'react';
import { Skeleton } from '@/components/ui/skeleton';

/** A QR code image of `value`; the qrcode library is loaded only when one is shown. */
export default function QrCode({ value, label }: { value: string; label: string }) {
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let cancelled = false;
    import('qrcode')
      .then((qrcode) => qrcode.toDataURL(value, { margin: 1, width: 320 }))
      .then((dataUrl) => !cancelled && setUrl(dataUrl))
      .catch(() => !cancelled && setFailed(true));
    return () => {
      cancelled = true;
    };
  }, [value]);
  if (failed) return <p role="alert">The QR code could not be generated.</p>;
  if (!url) return <Skeleton width="10rem" height="10rem" />;
  return (
    <a href={url} download="tracking-link-qr.png">
      <img className="qr" src={url} alt={label} />
    </a>
  );
}
