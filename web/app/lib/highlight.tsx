const ENTITIES: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
};
/** The search's highlight HTML escapes the task's text; React escapes it again, so it is decoded first. */
const decode = (s: string) => s.replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]!);

/** Text with the search's <mark>…</mark> spans, rendered as React nodes (never as raw HTML). */
export function Highlighted({ text }: { text: string }) {
  const parts = text.split(/(<mark>.*?<\/mark>)/g);
  return (
    <>
      {parts.map((p, i) =>
        p.startsWith('<mark>') ? (
          <mark key={i}>{decode(p.slice(6, -7))}</mark>
        ) : (
          <span key={i}>{decode(p)}</span>
        ),
      )}
    </>
  );
}
