import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useLocation } from 'react-router';

import { ListToolbar, Pager } from '../../components/list/ListToolbar';
import { useListParams } from '../../components/list/useListParams';
import { ProblemMessage } from '../../components/ProblemMessage';
import { Skeleton } from '../../components/Skeleton';
import { useFormat } from '../../company';
import { usePageTitle } from '../../layout/usePageTitle';
import { Can } from '../../session';
import { productListQuery } from './queries';
import '../../components/list/list.css';
import '../../components/record/record.css';

/** The catalogue: search, filter, sort and page through products; "New product" for writers. */
export default function ProductsPage() {
  usePageTitle('Products');
  const fmt = useFormat();
  const list = useListParams();
  const location = useLocation();
  const products = useQuery({ ...productListQuery(list.query), placeholderData: keepPreviousData });
  const items = products.data?.items ?? [];
  const archived = list.status === 'archived';

  let body;
  if (products.isPending) {
    body = <Skeleton lines={6} label="Loading products…" />;
  } else if (products.isError) {
    body = <ProblemMessage problem={products.error} title="The products could not be loaded." />;
  } else if (items.length === 0) {
    body = (
      <p className="card record-empty">
        {list.filtered || list.cursors.length > 0
          ? list.q.trim()
            ? `No ${archived ? 'archived ' : ''}product matches “${list.q.trim()}”. Check the spelling or change the filters.`
            : `No ${archived ? 'archived ' : ''}product matches these filters. Change or clear them to see more.`
          : 'There are no products yet. Products you add to the catalogue appear here.'}
      </p>
    );
  } else {
    body = (
      <>
        <div className="table-wrap" aria-busy={products.isFetching}>
          <table className="table">
            <caption className="visually-hidden">
              {archived ? 'Archived products' : 'Products'}, page {list.cursors.length + 1}
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">SKU</th>
                <th scope="col" className="num">Unit price</th>
                <th scope="col" className="num">Tax rate</th>
                <th scope="col">Unit</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {items.map((p) => (
                <tr key={p.id}>
                  <th scope="row" className="record-name">
                    <Link to={`/products/${encodeURIComponent(p.id)}`} state={{ from: location.pathname + location.search }}>
                      {p.name}
                    </Link>
                  </th>
                  <td className="record-sku">{p.sku}</td>
                  <td className="num">{fmt.money(p.unit_price)}</td>
                  <td className="num">{fmt.percent(p.tax_rate)}</td>
                  <td>{p.unit}</td>
                  <td>{fmt.dateTime(p.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <Pager list={list} nextCursor={products.data?.next_cursor} label="Product pages" />
      </>
    );
  }

  return (
    <section className="page" aria-labelledby="products-title">
      <div className="page-header">
        <h1 id="products-title">Products</h1>
        <Can permission="products:write">
          <Link className="button button-primary" to="/products/new">New product</Link>
        </Can>
      </div>
      <ListToolbar list={list} label="Filter products" searchLabel="Search" searchHint="Name or SKU, from the start." />
      {body}
    </section>
  );
}
