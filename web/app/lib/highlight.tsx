/** Text with the search's <mark>…</mark> spans, rendered as React nodes (never as raw HTML). */
export function Highlighted({ text }: { text: string }) {
  const parts = text.split(/(<mark>.*?<\/mark>)/g);
  return (
    <>
      {parts.map((p, i) =>
        p.startsWith('<mark>') ? <mark key={i}>{p.slice(6, -7)}</mark> : <span key={i}>{p}</span>,
      )}
    </>
  );
}
