import { useParams } from 'react-router-dom';
import { PortalPage } from '@/features/portal/components/portal-page';

export default function PortalRoute() {
  const { secret = '' } = useParams();
  return <PortalPage key={secret} secret={secret} />;
}
