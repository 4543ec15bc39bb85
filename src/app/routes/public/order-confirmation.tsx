import { useParams } from 'react-router-dom';
import { OrderConfirmationPage } from '@/features/attendee/components/order-confirmation-page';

export default function OrderConfirmationRoute() {
  const { slug = '', reference = '' } = useParams();
  return <OrderConfirmationPage slug={slug} reference={reference} />;
}
