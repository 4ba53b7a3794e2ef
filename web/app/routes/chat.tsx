import { useEffect, useRef, useState } from 'react';
import {
  data,
  Form,
  Link,
  redirect,
  useActionData,
  useLoaderData,
  useNavigation,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from 'react-router';
import { apiClient, type ApiError } from '../lib/api.server.ts';
import type { TaskView } from '../lib/format.ts';
import { withRule } from '../lib/tasks.server.ts';
import { TaskCard } from '../ui.tsx';
import type { Me } from './app.tsx';

export const meta: MetaFunction = () => [{ title: 'Chat · todo' }];

// The conversation this browser is in: a cookie the web server reads (no script needs it).
const CONVERSATION = 'todo_chat';
const conversationOf = (request: Request) =>
  /(?:^|;\s*)todo_chat=([A-Za-z0-9_-]{1,64})/.exec(request.headers.get('cookie') ?? '')?.[1];

interface HistoryEntry {
  role: 'user' | 'assistant';
  text: string;
  at: string;
}
interface ChatReply {
  conversationId: string;
  reply: string;
  tasks: TaskView[];
  query?: string;
  pending?: { kind: 'confirm' | 'choose'; question: string; options?: { id: string; title: string }[] };
}

export const SUGGESTIONS = [
  'water the plants every other Monday at 8am #home',
  'pay rent on the 1st of every month at 9am, high priority #bills',
  'call mom tomorrow at 6pm, remind me 15 min before',
  "what's due this week",
];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const id = conversationOf(request);
  if (!id) return { history: [] as HistoryEntry[], pending: undefined };
  const r = await apiClient(request, context).call<{
    history: HistoryEntry[];
    pending?: ChatReply['pending'];
  }>('GET', `/api/chat/${id}`);
  return r.ok ? { history: r.body.history, pending: r.body.pending } : { history: [], pending: undefined };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  if (form.get('intent') === 'new') {
    throw redirect('/', { headers: { 'set-cookie': `${CONVERSATION}=; Path=/; Max-Age=0` } });
  }
  const message = String(form.get('message') ?? '');
  const id = conversationOf(request);
  const api = apiClient(request, context);
  const r = await api.call<ChatReply>('POST', '/api/chat', {
    message,
    ...(id ? { conversationId: id } : {}),
  });
  if (!r.ok)
    return data({ reply: null, error: r.error as ApiError, history: undefined }, { status: r.status });
  const me = await api.need<Me>('/api/me');
  const now = new Date();
  const reply = { ...r.body, tasks: r.body.tasks.map((t) => withRule(t, me.tz, now)) };
  // This request's loader still sees the old cookie: hand back the conversation as it is now.
  const after = await api.call<{ history: HistoryEntry[] }>('GET', `/api/chat/${reply.conversationId}`);
  return data(
    { reply, error: null, history: after.ok ? after.body.history : undefined },
    {
      headers: {
        'set-cookie': `${CONVERSATION}=${reply.conversationId}; Path=/; HttpOnly; SameSite=Lax; Max-Age=2592000`,
      },
    },
  );
}

export default function Chat() {
  const loaded = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const fresh = result && 'history' in result ? result.history : undefined;
  const history = fresh && fresh.length > loaded.history.length ? fresh : loaded.history;
  const pending = fresh && fresh.length > loaded.history.length ? result?.reply?.pending : loaded.pending;
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting';
  const input = useRef<HTMLInputElement>(null);
  // Each reply's cards, kept beside the history entry they belong to (the history keeps only the words).
  const [cards, setCards] = useState<Record<string, ChatReply>>({});
  const reply = result?.reply;
  useEffect(() => {
    if (reply) setCards((c) => ({ ...c, [String(history.length - 1)]: reply }));
    if (input.current && navigation.state === 'idle') input.current.value = '';
  }, [reply, history.length, navigation.state]);
  const lastUser = [...history].reverse().find((h) => h.role === 'user')?.text;
  const entries = history.length ? history : [];
  const lastIndex = String(history.length - 1);
  return (
    <main className="page" id="main">
      <h1>Chat</h1>
      <section className="chat-log" aria-label="Conversation" aria-live="polite">
        {entries.map((h, i) => {
          const shown = cards[String(i)] ?? (String(i) === lastIndex && reply ? reply : undefined);
          return (
            <div key={i} className={`msg ${h.role}`}>
              <span className="sr">{h.role === 'user' ? 'You said' : 'Reply'}: </span>
              {h.text}
              {h.role === 'assistant' && shown && <ReplyDetails reply={shown} />}
            </div>
          );
        })}
      </section>
      {pending && (
        <Form method="post" className="suggestions" aria-label="Quick answers">
          {(pending.kind === 'confirm'
            ? ['yes', 'no']
            : (pending.options ?? []).map((_, i) => String(i + 1))
          ).map((answer, i) => (
            <button key={answer} type="submit" name="message" value={answer} className="plain">
              {pending.kind === 'confirm' ? answer : `${answer}. ${pending.options?.[i]?.title}`}
            </button>
          ))}
        </Form>
      )}
      {history.length === 0 && (
        <section aria-labelledby="try">
          <h2 id="try">Try saying</h2>
          <Form method="post" className="suggestions">
            {SUGGESTIONS.map((s) => (
              <button key={s} type="submit" name="message" value={s} className="plain">
                {s}
              </button>
            ))}
          </Form>
        </section>
      )}
      {result?.error && (
        <p className="error" role="alert">
          {result.error.details?.[0]?.issue ?? result.error.message}
        </p>
      )}
      <Form method="post" className="row" style={{ marginTop: '1rem' }}>
        <div className="grow">
          <label htmlFor="message">Message</label>
          <input
            id="message"
            name="message"
            ref={input}
            required
            autoComplete="off"
            placeholder="e.g. gym every other monday 7am"
            aria-describedby="message-hint"
            onKeyDown={(e) => {
              // Up recalls the last message, as in a terminal.
              if (e.key === 'ArrowUp' && !e.currentTarget.value && lastUser) {
                e.preventDefault();
                e.currentTarget.value = lastUser;
              }
            }}
          />
          <span id="message-hint" className="muted">
            Enter sends; Up recalls your last message.
          </span>
        </div>
        <button type="submit" disabled={busy}>
          {busy ? 'Sending…' : 'Send'}
        </button>
      </Form>
      {history.length > 0 && (
        <Form method="post">
          <button type="submit" name="intent" value="new" className="plain">
            New conversation
          </button>
        </Form>
      )}
    </main>
  );
}

function ReplyDetails({ reply }: { reply: ChatReply }) {
  return (
    <div>
      {reply.tasks.map((t) => (
        <TaskCard key={t.id} task={t} />
      ))}
      {reply.query !== undefined && (
        <p>
          Query:{' '}
          <Link to={`/board?${new URLSearchParams({ q: reply.query })}`}>
            {reply.query || '(everything)'}
          </Link>
        </p>
      )}
      {reply.pending?.options && (
        <ul>
          {reply.pending.options.map((o) => (
            <li key={o.id}>{o.title}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
