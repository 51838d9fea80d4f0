import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useLocation } from 'react-router';

import { ListToolbar, Pager } from '../../components/list/ListToolbar';
import { useListParams } from '../../components/list/useListParams';
import { ProblemMessage } from '../../components/ProblemMessage';
import { Skeleton } from '../../components/Skeleton';
import { useFormat } from '../../company';
import { usePageTitle } from '../../layout/usePageTitle';
import { Can } from '../../session';
import { customerListQuery } from './queries';
import '../../components/list/list.css';
import '../../components/record/record.css';

/** Customers: search, filter, sort and page through them; "New customer" for writers. */
export default function CustomersPage() {
  usePageTitle('Customers');
  const fmt = useFormat();
  const list = useListParams();
  const location = useLocation();
  const customers = useQuery({ ...customerListQuery(list.query), placeholderData: keepPreviousData });
  const items = customers.data?.items ?? [];
  const archived = list.status === 'archived';

  let body;
  if (customers.isPending) {
    body = <Skeleton lines={6} label="Loading customers…" />;
  } else if (customers.isError) {
    body = <ProblemMessage problem={customers.error} title="The customers could not be loaded." />;
  } else if (items.length === 0) {
    body = (
      <p className="card record-empty">
        {list.filtered || list.cursors.length > 0
          ? list.q.trim()
            ? `No ${archived ? 'archived ' : ''}customer matches “${list.q.trim()}”. Check the spelling or change the filters.`
            : `No ${archived ? 'archived ' : ''}customer matches these filters. Change or clear them to see more.`
          : 'There are no customers yet. Customers you add appear here.'}
      </p>
    );
  } else {
    body = (
      <>
        <div className="table-wrap" aria-busy={customers.isFetching}>
          <table className="table">
            <caption className="visually-hidden">
              {archived ? 'Archived customers' : 'Customers'}, page {list.cursors.length + 1}
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Phone</th>
                <th scope="col">Currency</th>
                <th scope="col" className="num">Payment terms</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr key={c.id}>
                  <th scope="row" className="record-name">
                    <Link to={`/customers/${encodeURIComponent(c.id)}`} state={{ from: location.pathname + location.search }}>
                      {c.name}
                    </Link>
                  </th>
                  <td>{c.email ?? ''}</td>
                  <td>{c.phone ?? ''}</td>
                  <td>{c.currency}</td>
                  <td className="num">{fmt.number(c.payment_terms_days)} days</td>
                  <td>{fmt.dateTime(c.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <Pager list={list} nextCursor={customers.data?.next_cursor} label="Customer pages" />
      </>
    );
  }

  return (
    <section className="page" aria-labelledby="customers-title">
      <div className="page-header">
        <h1 id="customers-title">Customers</h1>
        <Can permission="customers:write">
          <Link className="button button-primary" to="/customers/new">New customer</Link>
        </Can>
      </div>
      <ListToolbar list={list} label="Filter customers" searchLabel="Search" searchHint="Name or email, from the start." />
      {body}
    </section>
  );
}
