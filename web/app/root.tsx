import {
  isRouteErrorResponse,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  type LinksFunction,
} from 'react-router';
import css from './app.css?url';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: css }];

export function Layout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <link rel="icon" href="data:," />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary({ error }: { error: unknown }) {
  const [title, text] = isRouteErrorResponse(error)
    ? [`${error.status} ${error.statusText}`, typeof error.data === 'string' ? error.data : '']
    : ['Something went wrong', error instanceof Error ? error.message : ''];
  return (
    <main className="page narrow">
      <h1>{title}</h1>
      {text && <p>{text}</p>}
      <p>
        <a href="/">Back to the chat</a>
      </p>
    </main>
  );
}
