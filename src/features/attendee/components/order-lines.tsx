import { formatMoney } from '@/lib/format';

export interface OrderLine {
  id: string;
  name: string;
  quantity: number;
  unitPriceMinor: number;
}

/** The tickets of an order with their prices and the total, as a table. */
export function OrderLines({ lines, currency, caption }: { lines: OrderLine[]; currency: string; caption: string }) {
  const total = lines.reduce((sum, line) => sum + line.unitPriceMinor * line.quantity, 0);
  return (
    <table className="att-order-lines">
      <caption className="att-visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Ticket</th>
          <th scope="col">Quantity</th>
          <th scope="col">Price</th>
          <th scope="col">Subtotal</th>
        </tr>
      </thead>
      <tbody>
        {lines.map((line) => (
          <tr key={line.id}>
            <th scope="row">{line.name}</th>
            <td>{line.quantity}</td>
            <td>{formatMoney(line.unitPriceMinor, currency)}</td>
            <td>{formatMoney(line.unitPriceMinor * line.quantity, currency)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row" colSpan={3}>
            Total
          </th>
          <td>{formatMoney(total, currency)}</td>
        </tr>
      </tfoot>
    </table>
  );
}
