import { useParams } from 'react-router-dom';
import { EventPage } from '@/features/attendee/components/event-page';

export default function EventRoute() {
  const { slug = '' } = useParams();
  // Keyed by slug so moving between events starts from a clean ticket selection.
  return <EventPage key={slug} slug={slug} />;
}
