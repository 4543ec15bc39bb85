import { useParams } from 'react-router-dom';
import { CheckoutPage } from '@/features/attendee/components/checkout-page';

export default function CheckoutRoute() {
  const { slug = '' } = useParams();
  return <CheckoutPage key={slug} slug={slug} />;
}
